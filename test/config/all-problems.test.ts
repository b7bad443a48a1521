import { ConfigError, loadConfig } from '../../lib/config';
import { NOW, copyExampleConfig, editYaml, removeConfigCopies, writeConfigFile } from './config-fixture';

afterAll(removeConfigCopies);

/** A copy of the example with a pre-flight, a schema, a cross-file and a YAML problem, each in its own file. */
function brokenInFourFiles(): string {
  const configDir = copyExampleConfig();
  editYaml(configDir, 'environments/dev.yaml', (doc) => doc.setIn(['identity', 'threatProtection'], 'audit'));
  editYaml(configDir, 'tenants/acme-foods.yaml', (doc) => doc.setIn(['apps', 1, 'isolation'], 'siloed'));
  editYaml(configDir, 'tenants/globex-hr.yaml', (doc) => doc.setIn(['apps', 0, 'tier'], 'gold'));
  writeConfigFile(configDir, 'tenants/initech-finance.yaml', 'id: initech-finance\ndisplayName: [unclosed\n');
  return configDir;
}

test('every problem in every file is reported in one error', () => {
  // GIVEN
  const configDir = brokenInFourFiles();
  // WHEN
  const { problems } = catchConfigError(() => loadConfig({ configDir, environment: 'dev', now: NOW }));
  // THEN
  expect(problems.map((problem) => `${problem.file.split('/config/')[1]} ${problem.path}`)).toEqual([
    'environments/dev.yaml identity.threatProtection',
    'tenants/acme-foods.yaml apps[1].isolation',
    'tenants/globex-hr.yaml apps[0].tier',
    'tenants/initech-finance.yaml (file)',
  ]);
});

test('the error message lists each problem on its own line as file: path: message', () => {
  // GIVEN
  const configDir = brokenInFourFiles();
  // WHEN
  const error = catchConfigError(() => loadConfig({ configDir, environment: 'dev', now: NOW }));
  // THEN
  const lines = error.message.split('\n');
  expect(lines[0]).toBe('The config has 4 problems:');
  expect(lines.slice(1)).toEqual(error.problems.map((problem) => `${problem.file}: ${problem.path}: ${problem.message}`));
  expect(lines[2]).toMatch(/config\/tenants\/acme-foods\.yaml: apps\[1\]\.isolation: unknown field "isolation" \(allowed: id, .*\)$/);
});

test('problem files are shown relative to the working directory', () => {
  // GIVEN
  const configDir = brokenInFourFiles();
  // WHEN
  const error = catchConfigError(() => loadConfig({ configDir, environment: 'dev', now: NOW }));
  // THEN
  for (const problem of error.problems) expect(problem.file.startsWith('/')).toBe(false);
});

function catchConfigError(load: () => unknown): ConfigError {
  try {
    load();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

import { copyExampleConfig, problem, problemsLoading, readConfigFile, removeConfigCopies, writeConfigFile } from './config-fixture';

const ACME = 'tenants/acme-foods.yaml';

afterAll(removeConfigCopies);

/** The acme-foods tenant with one line replaced, and the line number of the replacement. */
function acmeWith(configDir: string, line: string, replacement: string): number {
  const text = readConfigFile(configDir, ACME);
  writeConfigFile(configDir, ACME, text.replace(line, replacement));
  return text.slice(0, text.indexOf(line)).split('\n').length;
}

test.each([
  ['!include', 'costCenter: !include cost-center.txt', 'tag !include is not allowed'],
  ['!!binary', 'costCenter: !!binary QUNNRS00NzEx', 'tag !!binary is not allowed'],
  ['!!str', 'costCenter: !!str ACME-4711', 'tag !!str is not allowed'],
])('a %s tag is refused with its line', (_tag, replacement, message) => {
  // GIVEN
  const configDir = copyExampleConfig();
  const line = acmeWith(configDir, 'costCenter: ACME-4711', replacement);
  // WHEN
  const problems = problemsLoading(configDir);
  // THEN
  expect(problems).toEqual([problem(configDir, ACME, '(file)', `${message}: write plain values, and quote text that looks like a number at line ${line}`)]);
});

test('an anchor and its alias are both refused', () => {
  // GIVEN
  const configDir = copyExampleConfig();
  const text = readConfigFile(configDir, ACME)
    .replace('    owner: tom.becker@acme-foods.example.com', '    owner: &owner tom.becker@acme-foods.example.com')
    .replace('    owner: lena.vogel@acme-foods.example.com', '    owner: *owner');
  writeConfigFile(configDir, ACME, text);
  // WHEN
  const problems = problemsLoading(configDir);
  // THEN
  expect(problems).toEqual([
    problem(configDir, ACME, '(file)', 'anchor &owner is not allowed: write each value out at line 30'),
    problem(configDir, ACME, '(file)', 'alias *owner is not allowed: write the value out at line 54'),
  ]);
});

test('a second document in one file is refused', () => {
  // GIVEN
  const configDir = copyExampleConfig();
  const text = readConfigFile(configDir, ACME);
  writeConfigFile(configDir, ACME, `${text}---\nid: hooli\n`);
  // WHEN
  const problems = problemsLoading(configDir);
  // THEN
  expect(problems).toEqual([problem(configDir, ACME, '(file)', `malformed YAML at line ${text.split('\n').length}: Source contains multiple documents`)]);
});

test('every duplicate key of a file is reported, not only the first', () => {
  // GIVEN
  const configDir = copyExampleConfig();
  writeConfigFile(configDir, ACME, `${readConfigFile(configDir, ACME)}isolation: siloed\nresidency: eu-central-1\n`);
  // WHEN
  const problems = problemsLoading(configDir);
  // THEN
  expect(problems.map((p) => p.message)).toEqual([
    expect.stringMatching(/^malformed YAML at line \d+: Map keys must be unique/),
    expect.stringMatching(/^malformed YAML at line \d+: Map keys must be unique/),
  ]);
});

test('a %YAML 1.1 directive is refused, as it reads yes and no as booleans', () => {
  // GIVEN
  const configDir = copyExampleConfig();
  writeConfigFile(configDir, ACME, `%YAML 1.1\n---\n${readConfigFile(configDir, ACME)}`);
  // WHEN
  const problems = problemsLoading(configDir);
  // THEN
  expect(problems).toEqual([problem(configDir, ACME, '(file)', '%YAML 1.1 is not supported: config is YAML 1.2')]);
});

test('a YAML warning is a problem too', () => {
  // GIVEN a %TAG directive that nothing uses draws a warning only
  const configDir = copyExampleConfig();
  writeConfigFile(configDir, ACME, `%FOO bar\n---\n${readConfigFile(configDir, ACME)}`);
  // WHEN
  const problems = problemsLoading(configDir);
  // THEN
  expect(problems).toEqual([problem(configDir, ACME, '(file)', 'YAML warning at line 1: ')]);
});

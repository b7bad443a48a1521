import { RESERVED_TENANT_IDS } from '../../lib/config/reserved-ids';
import { copyExampleConfig, editYaml, problem, problemsLoading, readConfigFile, removeConfigCopies, writeConfigFile } from './config-fixture';

afterAll(removeConfigCopies);

/** A copy of the example with acme-foods moved to a file and id of `id`. */
function tenantNamed(id: string): { configDir: string; file: string } {
  const configDir = copyExampleConfig();
  const file = `tenants/${id}.yaml`;
  writeConfigFile(configDir, file, readConfigFile(configDir, 'tenants/acme-foods.yaml').replace('id: acme-foods', `id: ${id}`));
  editYaml(configDir, 'tenants/acme-foods.yaml', (doc) => doc.set('environments', ['prod']));
  editYaml(configDir, file, (doc) => doc.set('apps', [{ ...(doc.toJS().apps[1] as object), id: `${id}-rooms` }]));
  return { configDir, file };
}

test.each([
  ['functions', 'role microplane-<env>-tenant-functions'],
  ['pooled', 'cluster microplane-<env>-pooled'],
  ['platform-data', 'key alias alias/microplane/<env>/platform-data'],
  ['service-token-signing', 'key alias alias/microplane/<env>/service-token-signing'],
  ['logs', 'key alias alias/microplane/<env>/logs'],
])('the tenant id "%s" is refused: it would name the same resource as the platform\'s %s', (id) => {
  // GIVEN
  const { configDir, file } = tenantNamed(id);
  // WHEN
  const problems = problemsLoading(configDir);
  // THEN
  expect(problems).toEqual([problem(configDir, file, 'id', `tenant id "${id}" is reserved: platform resources are named like tenant ones with it`)]);
});

test('the reserved-id message lists every reserved id', () => {
  // GIVEN
  const { configDir, file } = tenantNamed('admin');
  // WHEN
  const problems = problemsLoading(configDir);
  // THEN
  expect(problems).toEqual([
    problem(
      configDir,
      file,
      'id',
      '(reserved: platform-data, service-token-signing, logs, functions, pooled, whoami, provisioner, schema-provisioner, platform, api, admin)',
    ),
  ]);
});

test('the ids other engineers are adding platform names for are all reserved', () => {
  // THEN
  expect([...RESERVED_TENANT_IDS].sort()).toEqual(
    ['functions', 'whoami', 'provisioner', 'schema-provisioner', 'platform', 'platform-data', 'pooled', 'service-token-signing', 'logs', 'api', 'admin'].sort(),
  );
});

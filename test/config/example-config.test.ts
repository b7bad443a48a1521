import { loadConfig } from '../../lib/config';
import { EXAMPLE_CONFIG_DIR, NOW, copyExampleConfig, editYaml, removeConfigCopies } from './config-fixture';

afterAll(removeConfigCopies);

test.each(['dev', 'prod'])('the shipped example config loads for %s', (environment) => {
  // WHEN
  const config = loadConfig({ configDir: EXAMPLE_CONFIG_DIR, environment, now: NOW });
  // THEN
  expect(config.environment.name).toBe(environment);
  expect(config.tenants.map((tenant) => tenant.id)).toEqual(['acme-foods', 'globex-hr', 'initech-finance']);
  expect(config.tenants.flatMap((tenant) => tenant.apps)).toHaveLength(8);
  expect(config.tenants.filter((tenant) => tenant.isolation === 'siloed').map((tenant) => tenant.id)).toEqual(['initech-finance']);
});

test('defaults are filled in for fields the config leaves out', () => {
  // WHEN
  const config = loadConfig({ configDir: EXAMPLE_CONFIG_DIR, environment: 'dev', now: NOW });
  // THEN
  const meetingRooms = config.tenants[0].apps.find((app) => app.id === 'meeting-room-finder');
  expect(meetingRooms).toMatchObject({ enabled: true, logoutUrls: [] });
  expect(config.environment.keyAdministratorArns).toEqual([]);
});

test('a tenant listing only prod is left out of dev', () => {
  // GIVEN
  const configDir = copyExampleConfig();
  editYaml(configDir, 'tenants/globex-hr.yaml', (doc) => doc.set('environments', ['prod']));
  // WHEN
  const config = loadConfig({ configDir, environment: 'dev', now: NOW });
  // THEN
  expect(config.tenants.map((tenant) => tenant.id)).toEqual(['acme-foods', 'initech-finance']);
});

test('tiers of an environment a tenant is not deployed to are not required', () => {
  // GIVEN
  const configDir = copyExampleConfig();
  editYaml(configDir, 'environments/prod.yaml', (doc) => doc.deleteIn(['tiers', 'sandbox']));
  editYaml(configDir, 'tenants/acme-foods.yaml', (doc) => doc.set('environments', ['dev']));
  editYaml(configDir, 'tenants/globex-hr.yaml', (doc) => doc.set('environments', ['dev']));
  // WHEN
  const config = loadConfig({ configDir, environment: 'prod', now: NOW });
  // THEN
  expect(config.tenants.map((tenant) => tenant.id)).toEqual(['initech-finance']);
});

test('an app expiring exactly 366 days ahead is accepted', () => {
  // GIVEN
  const configDir = copyExampleConfig();
  editYaml(configDir, 'tenants/acme-foods.yaml', (doc) => doc.setIn(['apps', 0, 'expires'], '2027-11-23'));
  // WHEN
  const config = loadConfig({ configDir, environment: 'dev', now: NOW });
  // THEN
  expect(config.tenants[0].apps[0].expires).toBe('2027-11-23');
});

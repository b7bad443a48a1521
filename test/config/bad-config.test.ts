import * as path from 'node:path';
import { loadConfig } from '../../lib/config';
import {
  NOW,
  copyExampleConfig,
  editYaml,
  problem,
  problemsLoading,
  readConfigFile,
  removeConfigCopies,
  writeConfigFile,
} from './config-fixture';

const ACME = 'tenants/acme-foods.yaml';
const GLOBEX = 'tenants/globex-hr.yaml';
const DEV = 'environments/dev.yaml';
const PROD = 'environments/prod.yaml';

afterAll(removeConfigCopies);

describe('unknown fields', () => {
  test('an unknown top-level field of a tenant is refused, listing the allowed fields', () => {
    // GIVEN
    const config = copyExampleConfig();
    editYaml(config, ACME, (doc) => doc.set('colour', 'blue'));
    // WHEN
    const problems = problemsLoading(config);
    // THEN
    expect(problems).toEqual([
      problem(config, ACME, 'colour', 'unknown field "colour" (allowed: id, displayName, owner, costCenter, isolation, residency, environments, apps, budget)'),
    ]);
  });

  test('an unknown field inside an app is refused at its full path', () => {
    // GIVEN
    const config = copyExampleConfig();
    editYaml(config, ACME, (doc) => doc.setIn(['apps', 1, 'ownr'], 'lena@example.com'));
    // WHEN
    const problems = problemsLoading(config);
    // THEN
    expect(problems).toEqual([problem(config, ACME, 'apps[1].ownr', 'unknown field "ownr" (allowed: id, displayName, owner, purpose, tier,')]);
  });

  test('an unknown field nested in the environment is refused, listing that section\'s fields', () => {
    // GIVEN
    const config = copyExampleConfig();
    editYaml(config, DEV, (doc) => doc.setIn(['identity', 'passwordLength'], 12));
    // WHEN
    const problems = problemsLoading(config);
    // THEN
    expect(problems).toEqual([
      problem(config, DEV, 'identity.passwordLength', '(allowed: domainPrefix, mfa, featurePlan, threatProtection, userTokenMinutes)'),
    ]);
  });
});

describe('ids', () => {
  test.each([
    ['in uppercase', 'Acme-Foods', 'must be a lowercase DNS label'],
    ['longer than 32 characters', `acme-${'x'.repeat(28)}`, 'must be 3 to 32 characters'],
    ['with a double hyphen', 'acme--foods', 'single hyphens'],
    ['starting with a digit', '1acme-foods', 'starts with a letter'],
  ])('a tenant id %s is refused', (_kind, id, message) => {
    // GIVEN
    const config = copyExampleConfig();
    editYaml(config, ACME, (doc) => doc.set('id', id));
    // WHEN
    const problems = problemsLoading(config);
    // THEN
    expect(problems).toEqual([problem(config, ACME, 'id', message)]);
  });

  test('an app id with uppercase letters is refused', () => {
    // GIVEN
    const config = copyExampleConfig();
    editYaml(config, ACME, (doc) => doc.setIn(['apps', 0, 'id'], 'Where2Eat'));
    // WHEN
    const problems = problemsLoading(config);
    // THEN
    expect(problems).toEqual([problem(config, ACME, 'apps[0].id', 'app id must be a lowercase DNS label')]);
  });

  test('a tenant id that differs from its file name is refused', () => {
    // GIVEN
    const config = copyExampleConfig();
    editYaml(config, ACME, (doc) => doc.set('id', 'acme'));
    // WHEN
    const problems = problemsLoading(config);
    // THEN
    expect(problems).toEqual([problem(config, ACME, 'id', '"acme" must match the file name (allowed: acme-foods)')]);
  });

  test('an environment name that differs from its file name is refused', () => {
    // GIVEN
    const config = copyExampleConfig();
    editYaml(config, DEV, (doc) => doc.set('name', 'qa'));
    // WHEN
    const problems = problemsLoading(config);
    // THEN
    expect(problems).toEqual([problem(config, DEV, 'name', '"qa" must match the file name (allowed: dev)')]);
  });

  test('a tenant id used by two files is refused, naming the first file', () => {
    // GIVEN
    const config = copyExampleConfig();
    editYaml(config, GLOBEX, (doc) => doc.set('id', 'acme-foods'));
    // WHEN
    const problems = problemsLoading(config);
    // THEN
    const acmeFile = path.relative(process.cwd(), path.join(config, ACME));
    expect(problems).toContainEqual(problem(config, GLOBEX, 'id', `duplicate tenant id "acme-foods", also in ${acmeFile}`));
  });

  test('an app id used in two tenant files is refused, naming both files', () => {
    // GIVEN
    const config = copyExampleConfig();
    editYaml(config, GLOBEX, (doc) => doc.setIn(['apps', 0, 'id'], 'where2eat'));
    // WHEN
    const problems = problemsLoading(config);
    // THEN
    const acmeFile = path.relative(process.cwd(), path.join(config, ACME));
    expect(problems).toEqual([problem(config, GLOBEX, 'apps[0].id', `duplicate app id "where2eat", also in ${acmeFile} at apps[0].id`)]);
  });
});

describe('tiers, residency and regions', () => {
  test('an app tier the environment does not define is refused, listing its tiers', () => {
    // GIVEN
    const config = copyExampleConfig();
    editYaml(config, ACME, (doc) => doc.setIn(['apps', 0, 'tier'], 'gold'));
    // WHEN
    const problems = problemsLoading(config);
    // THEN
    expect(problems).toEqual([
      problem(config, ACME, 'apps[0].tier', 'tier "gold" is not defined by environment "dev" (allowed: sandbox, standard, premium)'),
    ]);
  });

  test('a tenant resident outside the environment\'s residency regions is refused', () => {
    // GIVEN
    const config = copyExampleConfig();
    editYaml(config, ACME, (doc) => doc.set('residency', 'us-east-1'));
    // WHEN
    const problems = problemsLoading(config);
    // THEN
    expect(problems).toEqual([
      problem(config, ACME, 'residency', '"us-east-1" is outside the residency regions of environment "dev" (allowed: eu-west-1, eu-central-1)'),
    ]);
  });

  test('a tenant resident elsewhere than the region the environment is pinned to is refused', () => {
    // GIVEN
    const config = copyExampleConfig();
    editYaml(config, PROD, (doc) => doc.set('residencyRegions', ['eu-west-1', 'eu-central-1']));
    editYaml(config, GLOBEX, (doc) => doc.set('residency', 'eu-central-1'));
    // WHEN
    const problems = problemsLoading(config, 'prod');
    // THEN
    expect(problems).toEqual([
      problem(config, GLOBEX, 'residency', 'deploys to eu-west-1, so data resident in eu-central-1 would be stored outside its residency'),
    ]);
  });

  test('an environment region outside its residency regions is refused', () => {
    // GIVEN
    const config = copyExampleConfig();
    editYaml(config, PROD, (doc) => doc.set('region', 'eu-central-1'));
    // WHEN
    const problems = problemsLoading(config, 'prod');
    // THEN
    expect(problems).toContainEqual(problem(config, PROD, 'region', '"eu-central-1" is not one of residencyRegions (allowed: eu-west-1)'));
  });
});

describe('expiry', () => {
  test('an app that expired yesterday is not refused but deployed disabled, with a warning naming file and field', () => {
    // GIVEN
    const config = copyExampleConfig();
    editYaml(config, ACME, (doc) => doc.setIn(['apps', 2, 'expires'], '2026-11-21'));
    // WHEN
    const loaded = loadConfig({ configDir: config, environment: 'dev', now: NOW });
    // THEN
    const acme = loaded.tenants.find((tenant) => tenant.id === 'acme-foods')!;
    expect(acme.apps[2]).toMatchObject({ expires: '2026-11-21', enabled: false });
    expect(acme.apps.slice(0, 2).every((app) => app.enabled)).toBe(true);
    expect(loaded.warnings).toEqual([problem(config, ACME, 'apps[2].expires', `app ${acme.apps[2].id} expired on 2026-11-21: it is deployed disabled`)]);
  });

  test('an app expiring within 14 days gets a warning and stays enabled; one expiring in 15 days does not', () => {
    // GIVEN
    const config = copyExampleConfig();
    editYaml(config, ACME, (doc) => {
      doc.setIn(['apps', 0, 'expires'], '2026-12-06');
      doc.setIn(['apps', 1, 'expires'], '2026-12-07');
    });
    // WHEN
    const loaded = loadConfig({ configDir: config, environment: 'dev', now: NOW });
    // THEN
    const acme = loaded.tenants.find((tenant) => tenant.id === 'acme-foods')!;
    expect(acme.apps[0].enabled).toBe(true);
    expect(loaded.warnings).toEqual([problem(config, ACME, 'apps[0].expires', 'expires on 2026-12-06, in 14 days')]);
  });

  test('an app expiring more than a year ahead is refused', () => {
    // GIVEN
    const config = copyExampleConfig();
    editYaml(config, ACME, (doc) => doc.setIn(['apps', 0, 'expires'], '2027-11-24'));
    // WHEN
    const problems = problemsLoading(config);
    // THEN
    expect(problems).toEqual([problem(config, ACME, 'apps[0].expires', '2027-11-24 is more than 366 days ahead (allowed: up to 2027-11-23; an app is reviewed at least yearly)')]);
  });

  test('an expiry that is not a calendar date is refused', () => {
    // GIVEN
    const config = copyExampleConfig();
    editYaml(config, ACME, (doc) => doc.setIn(['apps', 0, 'expires'], '2027-02-30'));
    // WHEN
    const problems = problemsLoading(config);
    // THEN
    expect(problems).toEqual([problem(config, ACME, 'apps[0].expires', 'must be a date written YYYY-MM-DD')]);
  });
});

describe('YAML syntax', () => {
  test('malformed YAML is refused with its line number', () => {
    // GIVEN
    const config = copyExampleConfig();
    writeConfigFile(config, ACME, readConfigFile(config, ACME).replace('displayName: Acme Foods', 'displayName: Acme: Foods'));
    // WHEN
    const problems = problemsLoading(config);
    // THEN
    expect(problems).toEqual([problem(config, ACME, '(file)', 'malformed YAML at line 6: ')]);
  });

  test('a key written twice is refused with the line of the second one', () => {
    // GIVEN
    const config = copyExampleConfig();
    const text = readConfigFile(config, ACME);
    writeConfigFile(config, ACME, `${text}isolation: siloed\n`);
    // WHEN
    const problems = problemsLoading(config);
    // THEN
    const lastLine = text.split('\n').length;
    expect(problems).toEqual([problem(config, ACME, '(file)', `malformed YAML at line ${lastLine}: Map keys must be unique`)]);
  });

  test('an empty tenant file is refused', () => {
    // GIVEN
    const config = copyExampleConfig();
    writeConfigFile(config, 'tenants/hooli.yaml', '# yaml-language-server: $schema=../schema/tenant.schema.json\n');
    // WHEN
    const problems = problemsLoading(config);
    // THEN
    expect(problems).toEqual([problem(config, 'tenants/hooli.yaml', '(file)', 'the file is empty')]);
  });

  test('a tenant file holding a list instead of a mapping is refused', () => {
    // GIVEN
    const config = copyExampleConfig();
    writeConfigFile(config, 'tenants/hooli.yaml', '- id: hooli\n- displayName: Hooli\n');
    // WHEN
    const problems = problemsLoading(config);
    // THEN
    expect(problems).toEqual([problem(config, 'tenants/hooli.yaml', '(file)', 'must be a mapping of fields (got a list)')]);
  });

  test('a tenant file ending in .yml is reported rather than silently skipped', () => {
    // GIVEN
    const config = copyExampleConfig();
    writeConfigFile(config, 'tenants/hooli.yml', readConfigFile(config, ACME));
    // WHEN
    const problems = problemsLoading(config);
    // THEN
    expect(problems).toEqual([problem(config, 'tenants/hooli.yml', '(file)', 'only .yaml files are loaded')]);
  });
});

describe('field values', () => {
  test('a missing required field is refused', () => {
    // GIVEN
    const config = copyExampleConfig();
    editYaml(config, ACME, (doc) => doc.delete('costCenter'));
    // WHEN
    const problems = problemsLoading(config);
    // THEN
    expect(problems).toEqual([problem(config, ACME, 'costCenter', 'is required')]);
  });

  test('a missing choice field is refused, listing the choices', () => {
    // GIVEN
    const config = copyExampleConfig();
    editYaml(config, ACME, (doc) => doc.delete('isolation'));
    // WHEN
    const problems = problemsLoading(config);
    // THEN
    expect(problems).toEqual([problem(config, ACME, 'isolation', 'is required (allowed: pooled, siloed)')]);
  });

  test('an unknown data classification is refused, listing the classifications', () => {
    // GIVEN
    const config = copyExampleConfig();
    editYaml(config, ACME, (doc) => doc.setIn(['apps', 0, 'dataClassification'], 'secret'));
    // WHEN
    const problems = problemsLoading(config);
    // THEN
    expect(problems).toEqual([
      problem(config, ACME, 'apps[0].dataClassification', 'unknown value "secret" (allowed: public, internal, confidential, regulated)'),
    ]);
  });

  test('an unknown scope is refused, listing the platform scopes', () => {
    // GIVEN
    const config = copyExampleConfig();
    editYaml(config, ACME, (doc) => doc.setIn(['apps', 0, 'scopes', 2], 'notes.delete'));
    // WHEN
    const problems = problemsLoading(config);
    // THEN
    expect(problems).toEqual([
      problem(config, ACME, 'apps[0].scopes[2]', 'unknown value "notes.delete" (allowed: whoami.read, notes.read, notes.write, documents.read, documents.text, documents.write, llm.complete)'),
    ]);
  });

  test('an owner email that is not an email address is refused', () => {
    // GIVEN
    const config = copyExampleConfig();
    editYaml(config, ACME, (doc) => doc.setIn(['owner', 'email'], 'maria at acme'));
    // WHEN
    const problems = problemsLoading(config);
    // THEN
    expect(problems).toEqual([problem(config, ACME, 'owner.email', 'must be an email address')]);
  });

  test('a text field given a list is refused, naming the expected type', () => {
    // GIVEN
    const config = copyExampleConfig();
    editYaml(config, ACME, (doc) => doc.set('displayName', ['Acme', 'Foods']));
    // WHEN
    const problems = problemsLoading(config);
    // THEN
    expect(problems).toEqual([problem(config, ACME, 'displayName', 'must be text (got a list)')]);
  });

  test('a tenant with more apps than a stack can hold is refused', () => {
    // GIVEN
    const config = copyExampleConfig();
    editYaml(config, ACME, (doc) => {
      const template = (doc.toJS() as { apps: object[] }).apps[0];
      doc.set('apps', Array.from({ length: 101 }, (_, i) => ({ ...structuredClone(template), id: `lunch-app-${i}` })));
    });
    // WHEN
    const problems = problemsLoading(config);
    // THEN
    expect(problems).toEqual([problem(config, ACME, 'apps', 'a tenant has at most 100 apps')]);
  });

  test('a log retention that CloudWatch does not offer is refused, listing the offered ones', () => {
    // GIVEN
    const config = copyExampleConfig();
    editYaml(config, DEV, (doc) => doc.setIn(['gateway', 'logRetentionDays'], 10));
    // WHEN
    const problems = problemsLoading(config);
    // THEN
    expect(problems).toEqual([problem(config, DEV, 'gateway.logRetentionDays', 'unknown value 10 (allowed: 7, 14, 30, 90, 180, 365, 731)')]);
  });

  test('a tier whose burst is below its rate is refused', () => {
    // GIVEN
    const config = copyExampleConfig();
    editYaml(config, DEV, (doc) => doc.setIn(['tiers', 'standard', 'burstLimit'], 5));
    // WHEN
    const problems = problemsLoading(config);
    // THEN
    expect(problems).toEqual([problem(config, DEV, 'tiers.standard.burstLimit', 'burstLimit must be at least rateLimit')]);
  });
});

describe('security rules', () => {
  test('a plain http callback URL is refused', () => {
    // GIVEN
    const config = copyExampleConfig();
    editYaml(config, ACME, (doc) => doc.setIn(['apps', 0, 'callbackUrls', 0], 'http://where2eat.apps.example.com/callback'));
    // WHEN
    const problems = problemsLoading(config);
    // THEN
    expect(problems).toEqual([
      problem(config, ACME, 'apps[0].callbackUrls[0]', 'must use https (allowed: https://…, http://localhost…, http://127.0.0.1…)'),
    ]);
  });

  test('a plain http logout URL is refused', () => {
    // GIVEN
    const config = copyExampleConfig();
    editYaml(config, ACME, (doc) => doc.setIn(['apps', 0, 'logoutUrls', 0], 'http://where2eat.apps.example.com/'));
    // WHEN
    const problems = problemsLoading(config);
    // THEN
    expect(problems).toEqual([problem(config, ACME, 'apps[0].logoutUrls[0]', 'must use https')]);
  });

  test('a regulated app in a pooled tenant is refused', () => {
    // GIVEN
    const config = copyExampleConfig();
    editYaml(config, ACME, (doc) => doc.setIn(['apps', 2, 'dataClassification'], 'regulated'));
    // WHEN
    const problems = problemsLoading(config);
    // THEN
    expect(problems).toEqual([problem(config, ACME, 'apps[2].dataClassification', 'regulated data needs isolation: siloed, but this tenant is pooled')]);
  });

  test('a service token lifetime above 15 minutes is refused', () => {
    // GIVEN
    const config = copyExampleConfig();
    editYaml(config, DEV, (doc) => doc.setIn(['serviceToken', 'lifetimeMinutes'], 20));
    // WHEN
    const problems = problemsLoading(config);
    // THEN
    expect(problems).toEqual([problem(config, DEV, 'serviceToken.lifetimeMinutes', 'service tokens live at most 15 minutes')]);
  });

  test('an authorizer cache as long as the service token lifetime is refused', () => {
    // GIVEN
    const config = copyExampleConfig();
    editYaml(config, DEV, (doc) => doc.setIn(['serviceToken', 'lifetimeMinutes'], 1));
    // WHEN
    const problems = problemsLoading(config);
    // THEN
    expect(problems).toEqual([
      problem(config, DEV, 'gateway.authorizerCacheSeconds', 'must be shorter than the service token lifetime of 60 seconds (allowed: 0 to 59)'),
    ]);
  });

  test('threat protection without the plus feature plan is refused', () => {
    // GIVEN
    const config = copyExampleConfig();
    editYaml(config, DEV, (doc) => doc.setIn(['identity', 'threatProtection'], 'audit'));
    // WHEN
    const problems = problemsLoading(config);
    // THEN
    expect(problems).toEqual([problem(config, DEV, 'identity.threatProtection', '"audit" needs identity.featurePlan: plus')]);
  });
});

describe('environments', () => {
  test('loading an environment without a file is refused, listing the environments that exist', () => {
    // GIVEN
    const config = copyExampleConfig();
    // WHEN
    const problems = problemsLoading(config, 'staging');
    // THEN
    expect(problems).toEqual([problem(config, 'environments/staging.yaml', '(file)', 'no such environment file (allowed: dev, prod)')]);
  });

  test('a tenant listing an environment that has no file is refused', () => {
    // GIVEN
    const config = copyExampleConfig();
    editYaml(config, ACME, (doc) => doc.set('environments', ['dev', 'qa']));
    // WHEN
    const problems = problemsLoading(config);
    // THEN
    expect(problems).toEqual([problem(config, ACME, 'environments[1]', 'no environment file for "qa" (allowed: dev, prod)')]);
  });
});

import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { loadConfig } from '../../lib/config';
import { environmentSchema, FUNCTION_NAMES } from '../../lib/config/schema';
import { NOW, copyExampleConfig, editYaml, problem, problemsLoading, removeConfigCopies } from './config-fixture';

const ACME = 'tenants/acme-foods.yaml';
const DEV = 'environments/dev.yaml';
const PROD = 'environments/prod.yaml';

afterAll(removeConfigCopies);

describe('callback and logout URLs', () => {
  test.each([
    ['a wildcard', 'https://*.apps.example.com/callback', 'must not contain a wildcard (*)'],
    ['a fragment', 'https://where2eat.apps.example.com/callback#done', 'must not contain a fragment (#…)'],
    ['a tab', 'https://where2eat.apps.example.com/call\tback', 'must not contain spaces or line breaks'],
    ['more than 1,024 characters', `https://where2eat.apps.example.com/${'a'.repeat(1000)}`, 'must be at most 1024 characters long'],
  ])('a callback URL with %s is refused', (_kind, url, message) => {
    // GIVEN
    const config = copyExampleConfig();
    editYaml(config, ACME, (doc) => doc.setIn(['apps', 0, 'callbackUrls', 0], url));
    // WHEN
    const problems = problemsLoading(config);
    // THEN
    expect(problems).toEqual([problem(config, ACME, 'apps[0].callbackUrls[0]', message)]);
  });

  test('a logout URL with a fragment is refused', () => {
    // GIVEN
    const config = copyExampleConfig();
    editYaml(config, ACME, (doc) => doc.setIn(['apps', 0, 'logoutUrls', 0], 'https://where2eat.apps.example.com/#bye'));
    // WHEN
    const problems = problemsLoading(config);
    // THEN
    expect(problems).toEqual([problem(config, ACME, 'apps[0].logoutUrls[0]', 'must not contain a fragment')]);
  });

  test('a custom-scheme callback URL is refused: only https and local http are allowed', () => {
    // GIVEN
    const config = copyExampleConfig();
    editYaml(config, ACME, (doc) => doc.setIn(['apps', 0, 'callbackUrls', 0], 'myapp://callback'));
    // WHEN
    const problems = problemsLoading(config);
    // THEN
    expect(problems).toEqual([problem(config, ACME, 'apps[0].callbackUrls[0]', 'must use https (allowed: https://…, http://localhost…, http://127.0.0.1…)')]);
  });
});

describe('regions', () => {
  test('a tenant residency that only looks like a region is refused, listing regions', () => {
    // GIVEN
    const config = copyExampleConfig();
    editYaml(config, ACME, (doc) => doc.set('residency', 'zz-nowhere-9'));
    // WHEN
    const problems = problemsLoading(config);
    // THEN
    expect(problems).toEqual([problem(config, ACME, 'residency', 'must be an AWS region code, which "zz-nowhere-9" is not (allowed: af-south-1, ap-east-1,')]);
  });

  test('a region that does not exist in a known area lists the regions of that area', () => {
    // GIVEN
    const config = copyExampleConfig();
    editYaml(config, DEV, (doc) => doc.setIn(['residencyRegions', 1], 'eu-west-4'));
    // WHEN
    const problems = problemsLoading(config);
    // THEN
    expect(problems).toEqual([
      problem(
        config,
        DEV,
        'residencyRegions[1]',
        '"eu-west-4" is not (allowed: eu-central-1, eu-central-2, eu-north-1, eu-south-1, eu-south-2, eu-west-1, eu-west-2, eu-west-3)',
      ),
    ]);
  });

  test.each(['us-gov-west-1', 'cn-north-1'])('the GovCloud or China region %s is accepted', (region) => {
    // GIVEN
    const config = copyExampleConfig();
    editYaml(config, DEV, (doc) => doc.setIn(['residencyRegions', 1], region));
    // WHEN
    const loaded = loadConfig({ configDir: config, environment: 'dev', now: NOW });
    // THEN
    expect(loaded.environment.residencyRegions).toContain(region);
  });
});

describe('visible text', () => {
  test.each([
    ['a right-to-left override in a tenant display name', ['displayName'], 'Acme \u202Edoof', 'U+202E at character 6'],
    ['a zero-width space in an owner name', ['owner', 'name'], 'Maria\u200BJensen', 'U+200B at character 6'],
    ['a line break in an app purpose', ['apps', 0, 'purpose'], 'Suggests a lunch spot\nnear the office.', 'U+000A at character 22'],
    ['a bell character in an app display name', ['apps', 0, 'displayName'], 'Where2Eat\u0007', 'U+0007 at character 10'],
  ])('%s is refused', (_kind, field, value, message) => {
    // GIVEN
    const config = copyExampleConfig();
    editYaml(config, ACME, (doc) => doc.setIn(field, value));
    // WHEN
    const problems = problemsLoading(config);
    // THEN
    expect(problems).toEqual([
      problem(config, ACME, field.map((s, i) => (typeof s === 'number' ? `[${s}]` : `${i ? '.' : ''}${s}`)).join(''), `contains the invisible or control character ${message}`),
    ]);
  });

  test('a tab in a tier description is refused', () => {
    // GIVEN
    const config = copyExampleConfig();
    editYaml(config, DEV, (doc) => doc.setIn(['tiers', 'standard', 'description'], 'A team app\tin daily use.'));
    // WHEN
    const problems = problemsLoading(config);
    // THEN
    expect(problems).toEqual([problem(config, DEV, 'tiers.standard.description', 'contains the invisible or control character U+0009')]);
  });

  test('accents, emoji and non-Latin scripts are visible text', () => {
    // GIVEN
    const config = copyExampleConfig();
    editYaml(config, ACME, (doc) => doc.set('displayName', 'Acme Café 🍔 食品'));
    // WHEN
    const loaded = loadConfig({ configDir: config, environment: 'dev', now: NOW });
    // THEN
    expect(loaded.tenants[0].displayName).toBe('Acme Café 🍔 食品');
  });
});

describe('bounds', () => {
  test.each([
    ['rateLimit', ['tiers', 'sandbox', 'rateLimit']],
    ['burstLimit', ['tiers', 'sandbox', 'burstLimit']],
    ['quota.limit', ['tiers', 'sandbox', 'quota', 'limit']],
  ])('a tier %s of 0 is refused as "must be greater than 0"', (_name, field) => {
    // GIVEN
    const config = copyExampleConfig();
    editYaml(config, DEV, (doc) => doc.setIn(field, 0));
    // WHEN
    const problems = problemsLoading(config);
    // THEN
    expect(problems).toContainEqual(problem(config, DEV, field.join('.'), 'must be greater than 0'));
    expect(problems.map((p) => p.message)).not.toContainEqual(expect.stringContaining('at least 0'));
  });
});

describe('service token issuer', () => {
  test.each([
    ['a trailing slash', 'https://auth.example.com/microplane/', 'must not end with a slash'],
    ['a query', 'https://auth.example.com/microplane?env=dev', 'must not contain a query'],
    ['a fragment', 'https://auth.example.com/microplane#dev', 'must not contain a fragment'],
  ])('an issuer with %s is refused', (_kind, issuer, message) => {
    // GIVEN
    const config = copyExampleConfig();
    editYaml(config, DEV, (doc) => doc.setIn(['serviceToken', 'issuer'], issuer));
    // WHEN
    const problems = problemsLoading(config);
    // THEN
    expect(problems).toEqual([problem(config, DEV, 'serviceToken.issuer', message)]);
  });

  test('an issuer with a path is accepted', () => {
    // GIVEN
    const config = copyExampleConfig();
    editYaml(config, DEV, (doc) => doc.setIn(['serviceToken', 'issuer'], 'https://auth.example.com/microplane'));
    // WHEN
    const loaded = loadConfig({ configDir: config, environment: 'dev', now: NOW });
    // THEN
    expect(loaded.environment.serviceToken.issuer).toBe('https://auth.example.com/microplane');
  });
});

describe('availability zones', () => {
  test('a pinned environment without availability zones is refused, saying synth would need credentials', () => {
    // GIVEN
    const config = copyExampleConfig();
    editYaml(config, PROD, (doc) => doc.delete('availabilityZones'));
    // WHEN
    const problems = problemsLoading(config, 'prod');
    // THEN
    expect(problems).toEqual([
      problem(
        config,
        PROD,
        'availabilityZones',
        'is required when account is set: without it cdk synth needs AWS credentials to look the zones up (allowed: 2 to 6 zones of eu-west-1, e.g. eu-west-1a, eu-west-1b)',
      ),
    ]);
  });

  test('a zone of another region is refused', () => {
    // GIVEN
    const config = copyExampleConfig();
    editYaml(config, PROD, (doc) => doc.set('availabilityZones', ['eu-west-1a', 'eu-central-1b']));
    // WHEN
    const problems = problemsLoading(config, 'prod');
    // THEN
    expect(problems).toEqual([problem(config, PROD, 'availabilityZones[1]', '"eu-central-1b" is not a zone of region eu-west-1')]);
  });

  test.each([
    ['one zone', ['eu-west-1a'], 'availabilityZones', 'list 2 to 6 availability zones'],
    ['a zone twice', ['eu-west-1a', 'eu-west-1a'], 'availabilityZones', 'must not list an availability zone twice'],
    ['a region instead of a zone', ['eu-west-1a', 'eu-west-1'], 'availabilityZones[1]', 'must be an availability zone name'],
  ])('a zone list with %s is refused', (_kind, zones, field, message) => {
    // GIVEN
    const config = copyExampleConfig();
    editYaml(config, PROD, (doc) => doc.set('availabilityZones', zones));
    // WHEN
    const problems = problemsLoading(config, 'prod');
    // THEN
    expect(problems).toEqual([problem(config, PROD, field, message)]);
  });

  test('zones without a region are refused', () => {
    // GIVEN
    const config = copyExampleConfig();
    editYaml(config, DEV, (doc) => doc.set('availabilityZones', ['eu-west-1a', 'eu-west-1b']));
    // WHEN
    const problems = problemsLoading(config);
    // THEN
    expect(problems).toEqual([problem(config, DEV, 'availabilityZones', 'needs region: availability zones belong to one region')]);
  });

  test('the prod example lists its zones', () => {
    // WHEN
    const loaded = loadConfig({ configDir: copyExampleConfig(), environment: 'prod', now: NOW });
    // THEN
    expect(loaded.environment.availabilityZones).toEqual(['eu-west-1a', 'eu-west-1b']);
  });
});

describe('compliance packs', () => {
  test('an unknown compliance pack is refused, listing the packs', () => {
    // GIVEN
    const config = copyExampleConfig();
    editYaml(config, DEV, (doc) => doc.set('compliancePacks', ['soc2']));
    // WHEN
    const problems = problemsLoading(config);
    // THEN
    expect(problems).toEqual([problem(config, DEV, 'compliancePacks[0]', 'unknown value "soc2" (allowed: nist-800-53-r5, hipaa-security, pci-dss-3.2.1)')]);
  });

  test('a compliance pack listed twice is refused', () => {
    // GIVEN
    const config = copyExampleConfig();
    editYaml(config, DEV, (doc) => doc.set('compliancePacks', ['hipaa-security', 'hipaa-security']));
    // WHEN
    const problems = problemsLoading(config);
    // THEN
    expect(problems).toEqual([problem(config, DEV, 'compliancePacks', 'must not list a compliance pack twice')]);
  });

  test('prod turns on every pack and dev none', () => {
    // GIVEN
    const config = copyExampleConfig();
    // WHEN
    const [dev, prod] = ['dev', 'prod'].map((environment) => loadConfig({ configDir: config, environment, now: NOW }).environment);
    // THEN
    expect(dev.compliancePacks).toEqual([]);
    expect(prod.compliancePacks).toEqual(['nist-800-53-r5', 'hipaa-security', 'pci-dss-3.2.1']);
  });
});

describe('key administrators', () => {
  test('an environment that retains keys without named key administrators is refused', () => {
    // GIVEN
    const config = copyExampleConfig();
    editYaml(config, PROD, (doc) => doc.set('keyAdministratorArns', []));
    // WHEN
    const problems = problemsLoading(config, 'prod');
    // THEN
    expect(problems).toEqual([problem(config, PROD, 'keyAdministratorArns', 'named key administrators are required where keys are retained')]);
  });

  test('a key administrator in another account than the environment\'s is refused', () => {
    // GIVEN
    const config = copyExampleConfig();
    editYaml(config, PROD, (doc) => doc.set('keyAdministratorArns', ['arn:aws:iam::222222222222:role/key-admin']));
    // WHEN
    const problems = problemsLoading(config, 'prod');
    // THEN
    expect(problems).toEqual([
      problem(config, PROD, 'keyAdministratorArns[0]', 'is a role in account 222222222222, not in this environment\'s account (allowed: 111111111111)'),
    ]);
  });
});

/** The shipped dev environment file, as the schema sees it. */
function validEnvironment(): Record<string, unknown> {
  return parse(fs.readFileSync(path.join(__dirname, '..', '..', 'config', 'environments', 'dev.yaml'), 'utf8'));
}

describe('functions.reservedConcurrency', () => {
  test('knows exactly the platform\'s functions, one per folder under lambdas/', () => {
    const folders = fs
      .readdirSync(path.join(__dirname, '..', '..', 'lambdas'), { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && entry.name !== 'shared')
      .map((entry) => entry.name);
    expect([...FUNCTION_NAMES].sort()).toEqual(folders.sort());
  });

  test('refuses an unknown function, naming the file, the field and the functions there are', () => {
    const configDir = copyExampleConfig();
    editYaml(configDir, 'environments/dev.yaml', (doc) => doc.set('functions', { reservedConcurrency: { autorizer: 10 } }));
    expect(problemsLoading(configDir)).toEqual([
      problem(configDir, 'environments/dev.yaml', 'functions.reservedConcurrency.autorizer', `unknown field "autorizer" (allowed: ${FUNCTION_NAMES.join(', ')})`),
    ]);
  });

  test('refuses a reservation of zero', () => {
    const env = { ...validEnvironment(), functions: { reservedConcurrency: { notes: 0 } } };
    expect(environmentSchema.safeParse(env).error?.issues.map((issue) => issue.path.join('.'))).toEqual(['functions.reservedConcurrency.notes']);
  });
});

describe('database settings of compliance', () => {
  test.each([[2], [120], [-1]])('an Enhanced Monitoring interval of %p seconds is refused', (interval) => {
    const env = { ...validEnvironment(), database: { monitoringIntervalSeconds: interval } };
    expect(environmentSchema.safeParse(env).success).toBe(false);
  });

  test.each([[0], [366]])('a login rotation every %p days is refused', (days) => {
    const env = { ...validEnvironment(), database: { loginRotationDays: days } };
    expect(environmentSchema.safeParse(env).success).toBe(false);
  });

  test('the defaults rotate logins every 30 days and keep Enhanced Monitoring off', () => {
    const parsed = environmentSchema.parse({ ...validEnvironment(), database: {} });
    expect(parsed.database).toMatchObject({ loginRotationDays: 30, monitoringIntervalSeconds: 0 });
  });
});

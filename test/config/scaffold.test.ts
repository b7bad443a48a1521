import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadConfig } from '../../lib/config';
import { scaffoldTenant } from '../../lib/config/scaffold';
import { NOW, copyExampleConfig, problem, problemsLoading, readConfigFile, removeConfigCopies, writeConfigFile } from './config-fixture';

afterAll(removeConfigCopies);

const REPO_ROOT = path.join(__dirname, '..', '..');

/** A scaffold as its owner leaves it: every CHANGE-ME replaced by a real value. */
function filledIn(scaffold: string): string {
  return scaffold.replace(/CHANGE-ME/gi, 'hooli');
}

test('a freshly scaffolded tenant is refused, naming every field still to fill in', () => {
  // GIVEN
  const configDir = copyExampleConfig();
  const file = 'tenants/hooli-sales.yaml';
  writeConfigFile(configDir, file, scaffoldTenant({ id: 'hooli-sales', now: NOW, tier: 'sandbox' }));
  // WHEN
  const problems = problemsLoading(configDir);
  // THEN
  const placeholder = 'still holds the CHANGE-ME placeholder of npm run tenant:new';
  expect(problems).toEqual([
    problem(configDir, file, 'owner.name', `${placeholder} ("CHANGE-ME Owner Name"): fill in the real value`),
    problem(configDir, file, 'owner.email', placeholder),
    problem(configDir, file, 'costCenter', placeholder),
    problem(configDir, file, 'apps[0].owner', placeholder),
    problem(configDir, file, 'apps[0].purpose', placeholder),
  ]);
});

test('a placeholder in any case and inside a longer value is refused, but a word that only starts like it is not', () => {
  // GIVEN
  const configDir = copyExampleConfig();
  const acme = readConfigFile(configDir, 'tenants/acme-foods.yaml');
  writeConfigFile(
    configDir,
    'tenants/acme-foods.yaml',
    acme.replace('Maria Jensen', 'Maria change-me Jensen').replace('Finds a free meeting room', 'Finds a free change-meeting room'),
  );
  // WHEN
  const problems = problemsLoading(configDir);
  // THEN
  expect(problems).toEqual([problem(configDir, 'tenants/acme-foods.yaml', 'owner.name', 'still holds the CHANGE-ME placeholder')]);
});

test('a scaffolded tenant loads cleanly in dev once filled in', () => {
  // GIVEN
  const configDir = copyExampleConfig();
  writeConfigFile(configDir, 'tenants/hooli-sales.yaml', filledIn(scaffoldTenant({ id: 'hooli-sales', now: NOW, tier: 'sandbox' })));
  // WHEN
  const config = loadConfig({ configDir, environment: 'dev', now: NOW });
  // THEN
  const tenant = config.tenants.find((t) => t.id === 'hooli-sales');
  expect(tenant?.apps).toEqual([expect.objectContaining({ id: 'hooli-sales-example', tier: 'sandbox', expires: '2027-05-22' })]);
});

test('a scaffolded tenant starts in dev only', () => {
  // GIVEN
  const configDir = copyExampleConfig();
  writeConfigFile(configDir, 'tenants/hooli-sales.yaml', filledIn(scaffoldTenant({ id: 'hooli-sales', now: NOW, tier: 'sandbox' })));
  // WHEN
  const config = loadConfig({ configDir, environment: 'prod', now: NOW });
  // THEN
  expect(config.tenants.map((t) => t.id)).not.toContain('hooli-sales');
});

test('a tenant with the longest id scaffolds a valid app id', () => {
  // GIVEN
  const id = `h${'x'.repeat(31)}`;
  const configDir = copyExampleConfig();
  writeConfigFile(configDir, `tenants/${id}.yaml`, filledIn(scaffoldTenant({ id, now: new Date('2026-08-31T12:00:00Z'), tier: 'standard' })));
  // WHEN
  const config = loadConfig({ configDir, environment: 'dev', now: NOW });
  // THEN
  expect(config.tenants.find((t) => t.id === id)?.apps[0]).toMatchObject({ id: `${id}-example`, expires: '2027-02-28' });
});

test('scaffolding an invalid tenant id throws with the rule it breaks', () => {
  // WHEN
  const scaffold = () => scaffoldTenant({ id: 'Hooli', now: NOW, tier: 'sandbox' });
  // THEN
  expect(scaffold).toThrow('Invalid tenant id "Hooli": tenant id must be a lowercase DNS label');
});

describe('npm run tenant:new', () => {
  function tenantNew(configDir: string, ...args: string[]): { status: number; output: string } {
    try {
      const output = execFileSync(path.join(REPO_ROOT, 'node_modules', '.bin', 'tsx'), ['bin/tenant-new.ts', ...args, '--config-dir', configDir], {
        cwd: REPO_ROOT,
        encoding: 'utf8',
        stdio: 'pipe',
      });
      return { status: 0, output };
    } catch (error) {
      const failed = error as { status: number; stderr: string };
      return { status: failed.status, output: failed.stderr };
    }
  }

  test('writes a tenant file that is refused until filled in, then loads with the first dev tier', () => {
    // GIVEN
    const configDir = copyExampleConfig();
    // The scaffold dates its app from the real today, so the example tenants (dated for NOW) go.
    for (const name of fs.readdirSync(path.join(configDir, 'tenants'))) fs.rmSync(path.join(configDir, 'tenants', name));
    // WHEN
    const result = tenantNew(configDir, 'hooli-sales');
    // THEN
    expect(result).toEqual({ status: 0, output: expect.stringContaining('refused until every CHANGE-ME value is filled in') });
    expect(() => loadConfig({ configDir, environment: 'dev' })).toThrow('costCenter: still holds the CHANGE-ME placeholder');
    writeConfigFile(configDir, 'tenants/hooli-sales.yaml', filledIn(readConfigFile(configDir, 'tenants/hooli-sales.yaml')));
    const config = loadConfig({ configDir, environment: 'dev' });
    expect(config.tenants.map((t) => [t.id, t.apps[0].tier])).toEqual([['hooli-sales', 'sandbox']]);
  });

  test('refuses a reserved id with a non-zero exit', () => {
    // GIVEN
    const configDir = copyExampleConfig();
    // WHEN
    const result = tenantNew(configDir, 'pooled');
    // THEN
    expect(result).toEqual({ status: 1, output: expect.stringContaining('tenant id "pooled" is reserved') });
    expect(fs.existsSync(path.join(configDir, 'tenants', 'pooled.yaml'))).toBe(false);
  });

  test('refuses an invalid id with a non-zero exit', () => {
    // GIVEN
    const configDir = copyExampleConfig();
    // WHEN
    const result = tenantNew(configDir, 'Hooli--Sales');
    // THEN
    expect(result).toEqual({ status: 1, output: expect.stringContaining('"Hooli--Sales" is not a valid tenant id') });
    expect(fs.existsSync(path.join(configDir, 'tenants', 'Hooli--Sales.yaml'))).toBe(false);
  });

  test('refuses to overwrite an existing tenant file', () => {
    // GIVEN
    const configDir = copyExampleConfig();
    const before = fs.readFileSync(path.join(configDir, 'tenants', 'acme-foods.yaml'), 'utf8');
    // WHEN
    const result = tenantNew(configDir, 'acme-foods');
    // THEN
    expect(result).toEqual({ status: 1, output: expect.stringContaining('acme-foods.yaml already exists') });
    expect(fs.readFileSync(path.join(configDir, 'tenants', 'acme-foods.yaml'), 'utf8')).toBe(before);
  });
});

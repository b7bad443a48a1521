import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadConfig } from '../../lib/config';
import { scaffoldTenant } from '../../lib/config/scaffold';
import { NOW, copyExampleConfig, removeConfigCopies, writeConfigFile } from './config-fixture';

afterAll(removeConfigCopies);

const REPO_ROOT = path.join(__dirname, '..', '..');

test('a scaffolded tenant loads cleanly in dev', () => {
  // GIVEN
  const configDir = copyExampleConfig();
  writeConfigFile(configDir, 'tenants/hooli-sales.yaml', scaffoldTenant({ id: 'hooli-sales', now: NOW, tier: 'sandbox' }));
  // WHEN
  const config = loadConfig({ configDir, environment: 'dev', now: NOW });
  // THEN
  const tenant = config.tenants.find((t) => t.id === 'hooli-sales');
  expect(tenant?.apps).toEqual([expect.objectContaining({ id: 'hooli-sales-example', tier: 'sandbox', expires: '2027-05-22' })]);
});

test('a scaffolded tenant starts in dev only', () => {
  // GIVEN
  const configDir = copyExampleConfig();
  writeConfigFile(configDir, 'tenants/hooli-sales.yaml', scaffoldTenant({ id: 'hooli-sales', now: NOW, tier: 'sandbox' }));
  // WHEN
  const config = loadConfig({ configDir, environment: 'prod', now: NOW });
  // THEN
  expect(config.tenants.map((t) => t.id)).not.toContain('hooli-sales');
});

test('a tenant with the longest id scaffolds a valid app id', () => {
  // GIVEN
  const id = `h${'x'.repeat(31)}`;
  const configDir = copyExampleConfig();
  writeConfigFile(configDir, `tenants/${id}.yaml`, scaffoldTenant({ id, now: new Date('2026-08-31T12:00:00Z'), tier: 'standard' }));
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

  test('writes a tenant file that loads with the first dev tier', () => {
    // GIVEN
    const configDir = copyExampleConfig();
    // The scaffold dates its app from the real today, so the example tenants (dated for NOW) go.
    for (const name of fs.readdirSync(path.join(configDir, 'tenants'))) fs.rmSync(path.join(configDir, 'tenants', name));
    // WHEN
    const result = tenantNew(configDir, 'hooli-sales');
    // THEN
    expect(result.status).toBe(0);
    const config = loadConfig({ configDir, environment: 'dev' });
    expect(config.tenants.map((t) => [t.id, t.apps[0].tier])).toEqual([['hooli-sales', 'sandbox']]);
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

import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { appFeatures, appStatus, buildCatalog, catalogMarkdown, riskTier } from '../../lib/catalog';
import { loadConfig } from '../../lib/config';
import { EXAMPLE_CONFIG_DIR, TODAY } from '../support/platform';

const catalog = buildCatalog(loadConfig({ configDir: EXAMPLE_CONFIG_DIR, environment: 'dev', now: TODAY }), TODAY);
const appOf = (id: string) => catalog.tenants.flatMap((tenant) => tenant.apps).find((app) => app.id === id)!;

describe('the catalog of the example dev config', () => {
  test('lists every tenant and app, sorted, with owner, purpose, tier, data class, residency and expiry', () => {
    expect(catalog.environment).toBe('dev');
    expect(catalog.asOf).toBe('2026-11-22');
    expect(catalog.tenants.map((tenant) => tenant.id)).toEqual(['acme-foods', 'globex-hr', 'initech-finance']);
    expect(catalog.totals).toMatchObject({ tenants: 3, apps: 8 });
    expect(appOf('where2eat')).toEqual({
      id: 'where2eat',
      displayName: 'Where2Eat',
      tenantId: 'acme-foods',
      owner: 'tom.becker@acme-foods.example.com',
      purpose: 'Suggests a lunch spot near the office from the team\'s votes and past picks.',
      tier: 'standard',
      dataClassification: 'internal',
      residency: 'eu-west-1',
      expires: '2027-11-15',
      status: 'enabled',
      // It calls models (llm.complete), which raises internal data one tier.
      features: ['models', 'writes-data'],
      riskTier: 'high',
      scopes: ['llm.complete', 'notes.read', 'notes.write', 'whoami.read'],
      quota: { ratePerSecond: 10, burst: 20, requests: 100_000, period: 'month' },
      llm: {
        dataClassification: 'internal',
        dailyTokenBudget: 100_000,
        maxOutputTokens: 300,
        freeFormPrompts: false,
        allowedModels: ['amazon.nova-micro-v1:0', 'amazon.nova-lite-v1:0'],
      },
    });
  });

  test('a confidential app in an environment without private models may call no model, and the catalog says so', () => {
    expect(appOf('purchasing-assistant').llm).toMatchObject({ dataClassification: 'confidential', allowedModels: [] });
    expect(appOf('meeting-room-finder').llm).toBeUndefined();
  });

  test('tenants carry owner, cost center, isolation and their highest app risk', () => {
    const initech = catalog.tenants.find((tenant) => tenant.id === 'initech-finance')!;
    expect(initech).toMatchObject({ isolation: 'siloed', costCenter: 'FIN-0042', riskTier: 'critical' });
    expect(initech.owner.email).toMatch(/@initech\.example\.com$/);
  });

  test('budgets of tenants and apps are listed with what each threshold does', () => {
    const acme = catalog.tenants.find((tenant) => tenant.id === 'acme-foods')!;
    expect(acme.budget).toEqual({ monthlyLimitUsd: 500, thresholds: ['80% forecasted: notify', '100% actual: throttle', '120% actual: block'] });
    expect(appOf('purchasing-assistant').budget).toEqual({ monthlyLimitUsd: 150, thresholds: ['90% forecasted: notify', '100% actual: throttle'] });
    expect(appOf('where2eat').budget).toBeUndefined();
    expect(catalog.tenants.find((tenant) => tenant.id === 'globex-hr')!.budget).toBeUndefined();
  });

  test('a switched-off app is disabled; the counts add up', () => {
    expect(appOf('shift-swap-board').status).toBe('disabled');
    const { byStatus, byRiskTier, apps } = catalog.totals;
    expect(Object.values(byStatus).reduce((a, b) => a + b)).toBe(apps);
    expect(Object.values(byRiskTier).reduce((a, b) => a + b)).toBe(apps);
  });
});

describe('derived fields', () => {
  test.each([
    ['public', [], 'low'],
    ['internal', ['writes-data'], 'moderate'],
    ['internal', ['documents'], 'high'],
    ['confidential', ['models'], 'critical'],
    ['regulated', [], 'critical'],
    ['regulated', ['documents', 'models'], 'critical'],
  ] as const)('%s data with features %j is %s risk', (dataClass, features, expected) => {
    expect(riskTier(dataClass, features)).toBe(expected);
  });

  test('features come from scopes', () => {
    expect(appFeatures({ scopes: ['whoami.read', 'notes.read'] })).toEqual([]);
    expect(appFeatures({ scopes: ['documents.read', 'notes.write'] })).toEqual(['documents', 'writes-data']);
    expect(appFeatures({ scopes: ['llm.complete'] })).toEqual(['models']);
  });

  test('status: expired after the expiry day, expiring within 14 days, disabled when switched off', () => {
    const now = new Date('2027-01-10T10:00:00Z');
    expect(appStatus({ enabled: true, expires: '2027-01-09' }, now)).toBe('expired');
    expect(appStatus({ enabled: false, expires: '2027-01-09' }, now)).toBe('expired');
    expect(appStatus({ enabled: true, expires: '2027-01-10' }, now)).toBe('expiring');
    expect(appStatus({ enabled: true, expires: '2027-01-24' }, now)).toBe('expiring');
    expect(appStatus({ enabled: true, expires: '2027-01-25' }, now)).toBe('enabled');
    expect(appStatus({ enabled: false, expires: '2027-06-01' }, now)).toBe('disabled');
  });
});

describe('the Markdown page', () => {
  const markdown = catalogMarkdown(catalog);

  test('has one table per tenant with a row per app', () => {
    expect(markdown).toMatch(/^# Microplane app catalog: dev\n/);
    expect(markdown.match(/^## /gm)).toHaveLength(3);
    expect(markdown).toContain('| `where2eat` Where2Eat | tom.becker@acme-foods.example.com |');
    expect(markdown).toContain('| 100,000/month, 10/s (burst 20) | none | internal | high (models, writes-data) | 2027-11-15 | enabled |');
  });

  test('a pipe in config text cannot break a row', () => {
    const piped = buildCatalog(loadConfig({ configDir: EXAMPLE_CONFIG_DIR, environment: 'dev', now: TODAY }), TODAY);
    const app = { ...piped.tenants[0].apps[0], purpose: 'Left | right' };
    const page = catalogMarkdown({ ...piped, tenants: [{ ...piped.tenants[0], apps: [app] }] });
    const row = page.split('\n').find((line) => line.includes('Left'))!;
    expect(row).toContain('Left \\| right');
    expect(row.split(/(?<!\\)\|/).length - 2).toBe(10);
  });
});

test('npm run catalog prints the catalog without a synth, as Markdown or JSON', () => {
  const root = path.join(__dirname, '..', '..');
  const run = (args: string[]) => spawnSync(path.join(root, 'node_modules', '.bin', 'tsx'), ['bin/catalog.ts', ...args], { cwd: root, encoding: 'utf8' });
  const markdown = run(['dev']);
  expect(markdown.status).toBe(0);
  expect(markdown.stdout).toContain('# Microplane app catalog: dev');
  const json = run(['prod', '--json']);
  expect(json.status).toBe(0);
  expect(JSON.parse(json.stdout)).toMatchObject({ environment: 'prod', totals: { tenants: expect.any(Number) } });
  const refused = run(['nowhere']);
  expect(refused.status).toBe(1);
  expect(refused.stderr).toContain('no such environment file');
});

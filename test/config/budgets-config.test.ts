import { loadConfig } from '../../lib/config';
import { DEFAULT_BUDGET_THRESHOLDS, MAX_APP_BUDGETS_PER_TENANT } from '../../lib/config/schema';
import { NOW, copyExampleConfig, editYaml, problem, problemsLoading, removeConfigCopies } from './config-fixture';

const ACME = 'tenants/acme-foods.yaml';
const DEV = 'environments/dev.yaml';

afterAll(removeConfigCopies);

describe('budgets in the example config', () => {
  const config = loadConfig({ configDir: copyExampleConfig(), environment: 'dev', now: NOW });
  const acme = config.tenants.find((tenant) => tenant.id === 'acme-foods')!;

  test('a tenant budget without thresholds gets the defaults: 80 % forecast notifies, 100 % throttles, 120 % blocks', () => {
    expect(acme.budget).toEqual({ monthlyLimitUsd: 500, thresholds: DEFAULT_BUDGET_THRESHOLDS });
  });

  test('an app budget keeps its own thresholds', () => {
    expect(acme.apps.find((app) => app.id === 'purchasing-assistant')?.budget).toEqual({
      monthlyLimitUsd: 150,
      thresholds: [
        { percent: 90, notification: 'forecasted', action: 'notify' },
        { percent: 100, notification: 'actual', action: 'throttle' },
      ],
    });
  });

  test('tenants without a budget have none', () => {
    expect(config.tenants.find((tenant) => tenant.id === 'globex-hr')?.budget).toBeUndefined();
  });
});

describe('throttling settings', () => {
  test('an environment without a throttling section gets the defaults', () => {
    const configDir = copyExampleConfig();
    editYaml(configDir, DEV, (doc) => doc.delete('throttling'));
    const config = loadConfig({ configDir, environment: 'dev', now: NOW });
    expect(config.environment.throttling).toEqual({
      throttledTier: { rateLimit: 1, burstLimit: 2, quota: { limit: 1000, period: 'day' } },
      stateCacheSeconds: 30,
    });
  });

  test.each([
    ['a fractional burst', (doc: Parameters<Parameters<typeof editYaml>[2]>[0]) => doc.setIn(['throttling', 'throttledTier', 'burstLimit'], 0.5), 'throttling.throttledTier.burstLimit', 'must be a whole number (got number 0.5)'],
    ['a burst below the rate', (doc: Parameters<Parameters<typeof editYaml>[2]>[0]) => doc.setIn(['throttling', 'throttledTier', 'rateLimit'], 5), 'throttling.throttledTier.burstLimit', 'burstLimit must be at least rateLimit'],
    ['a cache of ten minutes', (doc: Parameters<Parameters<typeof editYaml>[2]>[0]) => doc.setIn(['throttling', 'stateCacheSeconds'], 600), 'throttling.stateCacheSeconds', 'must be at most 300'],
    ['an unknown field', (doc: Parameters<Parameters<typeof editYaml>[2]>[0]) => doc.setIn(['throttling', 'cacheSeconds'], 10), 'throttling.cacheSeconds', 'unknown field "cacheSeconds" (allowed: throttledTier, stateCacheSeconds)'],
  ])('%s is refused', (_case, edit, field, message) => {
    const configDir = copyExampleConfig();
    editYaml(configDir, DEV, edit);
    expect(problemsLoading(configDir)).toEqual([problem(configDir, DEV, field, message)]);
  });

  test('a tier may not be called "throttled": that is the plan of throttled tenants', () => {
    const configDir = copyExampleConfig();
    editYaml(configDir, DEV, (doc) => doc.setIn(['tiers', 'throttled'], doc.getIn(['tiers', 'sandbox'])));
    expect(problemsLoading(configDir)).toContainEqual(problem(configDir, DEV, 'tiers.throttled', 'tier name "throttled" is reserved for the usage plan of throttled tenants'));
  });
});

describe('bad budgets are refused, naming file, field and allowed values', () => {
  type Edit = Parameters<Parameters<typeof editYaml>[2]>[0];
  test.each([
    ['a negative limit', (doc: Edit) => doc.setIn(['budget', 'monthlyLimitUsd'], -5), 'budget.monthlyLimitUsd', 'must be greater than 0'],
    ['no limit', (doc: Edit) => doc.deleteIn(['budget', 'monthlyLimitUsd']), 'budget.monthlyLimitUsd', 'is required'],
    ['an unknown field', (doc: Edit) => doc.setIn(['budget', 'limit'], 5), 'budget.limit', 'unknown field "limit" (allowed: monthlyLimitUsd, thresholds)'],
    ['an unknown action', (doc: Edit) => doc.setIn(['budget', 'thresholds'], [{ percent: 100, notification: 'actual', action: 'freeze' }]), 'budget.thresholds[0].action', 'unknown value "freeze" (allowed: notify, throttle, block)'],
    ['an unknown notification', (doc: Edit) => doc.setIn(['budget', 'thresholds'], [{ percent: 100, notification: 'estimated', action: 'notify' }]), 'budget.thresholds[0].notification', 'unknown value "estimated" (allowed: actual, forecasted)'],
    ['a threshold above 1000 %', (doc: Edit) => doc.setIn(['budget', 'thresholds'], [{ percent: 1500, notification: 'actual', action: 'notify' }]), 'budget.thresholds[0].percent', 'must be at most 1000'],
    ['a forecast that blocks', (doc: Edit) => doc.setIn(['budget', 'thresholds'], [{ percent: 100, notification: 'forecasted', action: 'block' }]), 'budget.thresholds[0].action', 'a forecast may not block: only actual spend blocks (allowed: notify, throttle)'],
    ['no threshold', (doc: Edit) => doc.setIn(['budget', 'thresholds'], []), 'budget.thresholds', 'list at least one threshold'],
    [
      'six thresholds',
      (doc: Edit) => doc.setIn(['budget', 'thresholds'], [50, 60, 70, 80, 90, 100].map((percent) => ({ percent, notification: 'actual', action: 'notify' }))),
      'budget.thresholds',
      'list at most 5 thresholds (AWS Budgets\' limit per budget)',
    ],
    [
      'a repeated threshold',
      (doc: Edit) => doc.setIn(['budget', 'thresholds'], [{ percent: 100, notification: 'actual', action: 'throttle' }, { percent: 100, notification: 'actual', action: 'block' }]),
      'budget.thresholds[1].percent',
      'repeats the actual threshold at 100 % of thresholds[0]',
    ],
    [
      'a milder action above a stronger one',
      (doc: Edit) => doc.setIn(['budget', 'thresholds'], [{ percent: 100, notification: 'actual', action: 'block' }, { percent: 120, notification: 'actual', action: 'throttle' }]),
      'budget.thresholds[1].action',
      'throttle at 120 % is milder than block at 100 %: a higher actual threshold must not take a milder action (allowed: block)',
    ],
  ])('a tenant budget with %s', (_case, edit, field, message) => {
    const configDir = copyExampleConfig();
    editYaml(configDir, ACME, edit);
    expect(problemsLoading(configDir)).toEqual([problem(configDir, ACME, field, message)]);
  });

  test('an app budget is checked like a tenant budget', () => {
    const configDir = copyExampleConfig();
    editYaml(configDir, ACME, (doc) => doc.setIn(['apps', 2, 'budget', 'thresholds', 0, 'action'], 'pause'));
    expect(problemsLoading(configDir)).toEqual([problem(configDir, ACME, 'apps[2].budget.thresholds[0].action', 'unknown value "pause" (allowed: notify, throttle, block)')]);
  });

  test(`more than ${MAX_APP_BUDGETS_PER_TENANT} app budgets in one tenant are refused`, () => {
    const configDir = copyExampleConfig();
    editYaml(configDir, ACME, (doc) => {
      const template = doc.getIn(['apps', 0]) as { toJSON(): Record<string, unknown> };
      const apps = Array.from({ length: MAX_APP_BUDGETS_PER_TENANT + 1 }, (_, i) => ({ ...template.toJSON(), id: `budgeted-${String(i).padStart(2, '0')}`, budget: { monthlyLimitUsd: 10 } }));
      doc.set('apps', apps);
    });
    expect(problemsLoading(configDir)).toEqual([problem(configDir, ACME, 'apps', `at most ${MAX_APP_BUDGETS_PER_TENANT} apps of a tenant may have their own budget`)]);
  });
});

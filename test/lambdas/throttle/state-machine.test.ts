import { UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { acmeNotification, budgetText, snsEvent, throttleHarness, tokenBudgetEvent } from './support/throttle';

// The throttle function end to end: the real handler and state store over an in-memory table that
// evaluates the conditions the store sends, so a wrong condition shows as a wrong state here.

let harness: ReturnType<typeof throttleHarness>;

beforeEach(() => {
  harness = throttleHarness();
});

afterEach(() => jest.restoreAllMocks());

const TENANT = 'tenant#acme-foods';

describe('budget notifications move a tenant normal → throttled → blocked', () => {
  test('100 % actual throttles the tenant for the month, 120 % blocks it', async () => {
    // WHEN
    await harness.invoke(acmeNotification(100));
    const afterThrottle = harness.stateOf(TENANT);
    await harness.invoke(acmeNotification(120));
    // THEN
    expect(afterThrottle).toBe('throttled');
    expect(harness.stateOf(TENANT)).toBe('blocked');
    expect(harness.table.items.get(TENANT)).toMatchObject({ period: { S: '2026-11' }, periodEnd: { N: String(Date.UTC(2026, 11, 1) / 1000) } });
  });

  test('every applied transition writes one audit line and one metric for the tenant', async () => {
    await harness.invoke(acmeNotification(100));
    await harness.invoke(acmeNotification(120));
    expect(harness.auditLines()).toEqual([
      expect.objectContaining({ audit: true, subject: TENANT, tenantId: 'acme-foods', from: 'normal', to: 'throttled', period: '2026-11', source: 'budget' }),
      expect.objectContaining({ audit: true, subject: TENANT, from: 'throttled', to: 'blocked', source: 'budget', reason: expect.stringContaining('crossed 120 %') }),
    ]);
    expect(harness.metricNames()).toEqual([
      { name: 'Throttles', tenantId: 'acme-foods', appId: 'all' },
      { name: 'Blocks', tenantId: 'acme-foods', appId: 'all' },
    ]);
  });

  test('a forecast at 80 % only notifies: no state, no audit line', async () => {
    const result = await harness.invoke(acmeNotification(80, { type: 'FORECASTED' }));
    expect(result).toEqual({ ok: true, results: [] });
    expect(harness.stateOf(TENANT)).toBe('none');
    expect(harness.auditLines()).toEqual([]);
    expect(harness.logs.lines()).toContainEqual(expect.objectContaining({ message: 'Budget threshold crossed: notify only' }));
  });

  test('an app budget throttles the app, not its tenant', async () => {
    await harness.invoke(snsEvent(budgetText({ budgetName: 'microplane-dev-acme-foods--purchasing-assistant', budgeted: '$150.00', threshold: '$150.00' })));
    expect(harness.stateOf('app#purchasing-assistant')).toBe('throttled');
    expect(harness.stateOf(TENANT)).toBe('none');
    expect(harness.metricNames()).toEqual([{ name: 'Throttles', tenantId: 'acme-foods', appId: 'purchasing-assistant' }]);
  });
});

describe('duplicates and out-of-order deliveries change nothing', () => {
  test('the same notification delivered twice throttles once', async () => {
    await harness.invoke(acmeNotification(100));
    const second = await harness.invoke(acmeNotification(100));
    expect(second).toEqual({ ok: true, results: [expect.objectContaining({ applied: false, current: expect.objectContaining({ state: 'throttled' }) })] });
    expect(harness.auditLines()).toHaveLength(1);
  });

  test('the same notification delivered twice at once throttles once', async () => {
    await Promise.all([harness.invoke(acmeNotification(100)), harness.invoke(acmeNotification(100))]);
    expect(harness.stateOf(TENANT)).toBe('throttled');
    expect(harness.auditLines()).toHaveLength(1);
  });

  test('a late 100 % notification after the 120 % one does not lower a block', async () => {
    await harness.invoke(acmeNotification(120));
    await harness.invoke(acmeNotification(100));
    expect(harness.stateOf(TENANT)).toBe('blocked');
    expect(harness.auditLines()).toHaveLength(1);
  });

  test('a notification of last month arriving after this month\'s changes nothing', async () => {
    // GIVEN a throttle in December
    await harness.invoke(acmeNotification(100, { timestamp: '2026-12-02T08:00:00.000Z' }));
    // WHEN November's 120 % arrives late
    await harness.invoke(acmeNotification(120, { timestamp: '2026-11-30T23:50:00.000Z' }));
    // THEN
    expect(harness.stateOf(TENANT)).toBe('throttled');
    expect(harness.table.items.get(TENANT)?.period).toEqual({ S: '2026-12' });
  });

  test('each conditional write names the state-machine rule it relies on', async () => {
    await harness.invoke(acmeNotification(100));
    await harness.invoke(acmeNotification(100));
    const conditions = harness.dynamodb.commandCalls(UpdateItemCommand).map((call) => call.args[0].input.ConditionExpression);
    expect(conditions).toEqual([
      'attribute_not_exists(#subject) OR #periodEnd < :periodEnd',
      'attribute_not_exists(#subject) OR #periodEnd < :periodEnd',
      '#periodEnd = :periodEnd AND #rank < :rank AND #liftedRank < :rank',
    ]);
  });
});

describe('a new period starts from normal', () => {
  test('the first notification of December blocks even though November ended blocked', async () => {
    await harness.invoke(acmeNotification(120, { timestamp: '2026-11-28T08:00:00.000Z' }));
    harness.clock.set('2026-12-03T08:00:01Z');
    await harness.invoke(acmeNotification(100, { timestamp: '2026-12-03T08:00:00.000Z' }));
    expect(harness.stateOf(TENANT)).toBe('throttled');
    expect(harness.auditLines()[1]).toMatchObject({ from: 'normal', fromPeriod: '2026-11', to: 'throttled', period: '2026-12' });
  });
});

describe('lifting', () => {
  test('the period lift returns every ended state to normal, with an audit line and a Lifts metric', async () => {
    // GIVEN a blocked tenant in November
    await harness.invoke(acmeNotification(100));
    await harness.invoke(acmeNotification(120));
    // WHEN the schedule runs on December 1st
    harness.clock.set('2026-12-01T00:05:00Z');
    const result = await harness.invoke({ action: 'lift-period' });
    // THEN
    expect(result).toEqual({ ok: true, results: [expect.objectContaining({ applied: true, subject: TENANT, from: 'blocked', to: 'normal' })] });
    expect(harness.stateOf(TENANT)).toBe('normal');
    expect(harness.auditLines()[2]).toMatchObject({ subject: TENANT, from: 'blocked', to: 'normal', source: 'period-end' });
    expect(harness.metricNames()[2]).toEqual({ name: 'Lifts', tenantId: 'acme-foods', appId: 'all' });
  });

  test('the period lift leaves states of periods that have not ended', async () => {
    await harness.invoke(acmeNotification(100));
    harness.clock.set('2026-11-25T00:05:00Z');
    expect(await harness.invoke({ action: 'lift-period' })).toEqual({ ok: true, results: [] });
    expect(harness.stateOf(TENANT)).toBe('throttled');
  });

  test('the period lift reads the whole table, page by page', async () => {
    harness.table.scanPageSize = 1;
    await harness.invoke(acmeNotification(100));
    await harness.invoke(tokenBudgetEvent({}));
    harness.clock.set('2026-12-01T00:05:00Z');
    const result = await harness.invoke({ action: 'lift-period' });
    expect(result).toMatchObject({ ok: true, results: [{ subject: 'app#where2eat' }, { subject: TENANT }] });
  });

  test('an operator lift returns a blocked tenant to normal and names the operator', async () => {
    await harness.invoke(acmeNotification(120));
    const result = await harness.invoke({ action: 'lift', subject: TENANT, operator: 'arn:aws:sts::123456789012:assumed-role/Operator/maria', reason: 'approved overspend, ticket FIN-42' });
    expect(result).toEqual({ ok: true, results: [expect.objectContaining({ applied: true, from: 'blocked', to: 'normal' })] });
    expect(harness.stateOf(TENANT)).toBe('normal');
    expect(harness.auditLines()[1]).toMatchObject({ from: 'blocked', to: 'normal', source: 'operator', operator: 'arn:aws:sts::123456789012:assumed-role/Operator/maria', reason: 'approved overspend, ticket FIN-42' });
  });

  test('after an operator lift, a repeated notification of the lifted threshold does not throttle again', async () => {
    await harness.invoke(acmeNotification(100));
    await harness.invoke({ action: 'lift', subject: TENANT, operator: 'maria', reason: 'budget raised' });
    await harness.invoke(acmeNotification(100));
    expect(harness.stateOf(TENANT)).toBe('normal');
  });

  test('after an operator lift of a throttle, crossing the next threshold still blocks', async () => {
    await harness.invoke(acmeNotification(100));
    await harness.invoke({ action: 'lift', subject: TENANT, operator: 'maria', reason: 'budget raised' });
    await harness.invoke(acmeNotification(120));
    expect(harness.stateOf(TENANT)).toBe('blocked');
  });

  test('lifting a tenant that is not restricted changes nothing and says so', async () => {
    const result = await harness.invoke({ action: 'lift', subject: TENANT, operator: 'maria', reason: 'just in case' });
    expect(result).toEqual({ ok: true, results: [{ applied: false, subject: TENANT }] });
    expect(harness.auditLines()).toEqual([]);
  });

  test('an operator request without a reason is refused to the operator, not thrown', async () => {
    const result = await harness.invoke({ action: 'lift', subject: TENANT, operator: 'maria', reason: ' ' });
    expect(result).toEqual({ ok: false, error: expect.stringContaining('reason') });
  });

  test('an operator request naming no valid subject is refused', async () => {
    const result = await harness.invoke({ action: 'lift', subject: 'tenant#Acme Foods', operator: 'maria', reason: 'oops' });
    expect(result).toEqual({ ok: false, error: expect.stringContaining('tenant#<tenant id> or app#<app id>') });
  });

  test('status shows the stored state and whether it is in force', async () => {
    await harness.invoke(acmeNotification(100));
    harness.clock.set('2026-12-01T00:00:01Z');
    const result = await harness.invoke({ action: 'status', subject: TENANT });
    expect(result).toEqual({ ok: true, status: expect.objectContaining({ subject: TENANT, state: 'throttled', inForce: 'normal', period: '2026-11', source: 'budget' }) });
  });
});

describe('token-budget breaches', () => {
  test('a daily breach throttles the app for that day', async () => {
    await harness.invoke(tokenBudgetEvent({}));
    expect(harness.stateOf('app#where2eat')).toBe('throttled');
    expect(harness.auditLines()[0]).toMatchObject({ subject: 'app#where2eat', tenantId: 'acme-foods', appId: 'where2eat', period: '2026-11-20', source: 'token-budget' });
  });

  test('a monthly throttle is not shortened by a later daily one, and a daily one is superseded by a monthly', async () => {
    // GIVEN a daily token throttle
    await harness.invoke(tokenBudgetEvent({ period: '2026-11-20' }));
    // WHEN the app's monthly cost budget throttles it, and another daily breach follows
    await harness.invoke(snsEvent(budgetText({ budgetName: 'microplane-dev-acme-foods--purchasing-assistant', budgeted: '$150.00', threshold: '$150.00' })));
    await harness.invoke(tokenBudgetEvent({ appId: 'purchasing-assistant', period: '2026-11-20' }));
    await harness.invoke(tokenBudgetEvent({ period: '2026-11' }));
    // THEN
    expect(harness.table.items.get('app#purchasing-assistant')?.period).toEqual({ S: '2026-11' });
    expect(harness.table.items.get('app#where2eat')?.period).toEqual({ S: '2026-11' });
  });

  test('a malformed breach is thrown, so it is retried and dead-lettered', async () => {
    await expect(harness.invoke(tokenBudgetEvent({ period: '2026-13' }))).rejects.toThrow(/Malformed token-budget event[\s\S]*period/);
  });
});

describe('notifications the function cannot account for fail loudly', () => {
  test('a notification from another topic is refused', async () => {
    await expect(harness.invoke(snsEvent(budgetText({ budgetName: 'microplane-dev-acme-foods' }), { topicArn: 'arn:aws:sns:eu-west-1:123456789012:other' }))).rejects.toThrow('unexpected topic');
  });

  test('a threshold the budget policy does not configure is refused, naming the configured ones', async () => {
    await expect(harness.invoke(acmeNotification(95))).rejects.toThrow('(configured: 100 %, 120 %)');
  });

  test('a budget missing from its tenant\'s policy is refused', async () => {
    await expect(harness.invoke(snsEvent(budgetText({ budgetName: 'microplane-dev-acme-foods--where2eat' })))).rejects.toThrow('not in the budget policy of tenant acme-foods');
  });

  test('a tenant without a budget policy is refused', async () => {
    await expect(harness.invoke(snsEvent(budgetText({ budgetName: 'microplane-dev-globex-hr' })))).rejects.toThrow('Tenant globex-hr has no budget policy');
  });

  test('a budget of another environment is ignored with a warning', async () => {
    const result = await harness.invoke(snsEvent(budgetText({ budgetName: 'microplane-prod-acme-foods' })));
    expect(result).toEqual({ ok: true, results: [] });
    expect(harness.logs.lines()).toContainEqual(expect.objectContaining({ level: 'WARN', budgetName: 'microplane-prod-acme-foods' }));
  });

  test('an unknown invocation is thrown', async () => {
    await expect(harness.invoke({ hello: 'world' })).rejects.toThrow('Unknown invocation');
  });
});

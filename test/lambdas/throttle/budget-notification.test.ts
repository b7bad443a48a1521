import { parseBudgetNotification, UnreadableNotificationError } from '../../../lambdas/throttle/budget-notification';
import { matchThreshold } from '../../../lambdas/throttle/budget-policy';
import { budgetText } from './support/throttle';

// AWS Budgets publishes plain text to SNS. These texts follow real notifications: the greeting, the
// sentence, then the labelled lines.

describe('parsing AWS Budgets notifications', () => {
  test('an ACTUAL notification gives the budget, its amount, the threshold as a percent and the spend', () => {
    const text = budgetText({ budgetName: 'microplane-prod-acme-foods', budgeted: '$500.00', threshold: '$600.00', amount: '$612.40' });
    expect(parseBudgetNotification(text)).toEqual({
      budgetName: 'microplane-prod-acme-foods',
      notification: 'actual',
      budgetedAmount: 500,
      thresholdPercent: 120,
      amount: 612.4,
    });
  });

  test('a FORECASTED notification is read as a forecast', () => {
    const text = budgetText({ budgetName: 'microplane-dev-acme-foods', type: 'FORECASTED', threshold: '$400.00', amount: '$455.10' });
    expect(parseBudgetNotification(text)).toMatchObject({ notification: 'forecasted', thresholdPercent: 80, amount: 455.1 });
  });

  test('a notification worded for another period ("per day", "Yesterday") is read the same way', () => {
    const text = [
      'AWS Budget Notification July 14, 2026',
      'AWS Account 210987654321',
      '',
      'Dear AWS Customer,',
      '',
      'You requested that we alert you when the ACTUAL Cost associated with your microplane-dev-globex-hr budget is greater than $2.40 per day. Yesterday, the ACTUAL Cost associated with this budget is $3.15. You can find additional details below and by accessing the AWS Budgets dashboard [1].',
      '',
      'Budget Name: microplane-dev-globex-hr',
      'Budget Type: Cost',
      'Budgeted Amount: $3.00',
      'Alert Type: ACTUAL',
      'Alert Threshold: > $2.40',
      'ACTUAL Amount: $3.15',
      '',
      '[1] https://console.aws.amazon.com/billing/home#/budgets',
      '',
    ].join('\n');
    expect(parseBudgetNotification(text)).toEqual({ budgetName: 'microplane-dev-globex-hr', notification: 'actual', budgetedAmount: 3, thresholdPercent: 80, amount: 3.15 });
  });

  test('Windows line endings, thousands separators and odd spacing are tolerated', () => {
    const text = budgetText({ budgetName: 'microplane-prod-initech-finance', budgeted: '$12,500.00', threshold: '$15,000.00', amount: '$15,020.99', lineEnding: '\r\n' }).replace(
      'Alert Type: ACTUAL',
      'Alert Type :   ACTUAL  ',
    );
    expect(parseBudgetNotification(text)).toMatchObject({ budgetName: 'microplane-prod-initech-finance', budgetedAmount: 12500, thresholdPercent: 120, amount: 15020.99 });
  });

  test('a threshold written as a percent is taken as one', () => {
    const text = budgetText({ budgetName: 'microplane-dev-acme-foods' }).replace('Alert Threshold: > $500.00', 'Alert Threshold: > 100%');
    expect(parseBudgetNotification(text).thresholdPercent).toBe(100);
  });

  test('an older message without an Alert Type line takes the type from its amount line', () => {
    const text = budgetText({ budgetName: 'microplane-dev-acme-foods', type: 'FORECASTED' }).replace('Alert Type: FORECASTED\n', '');
    expect(parseBudgetNotification(text).notification).toBe('forecasted');
  });

  test.each([
    ['no budget name', (text: string) => text.replace(/Budget Name: .*\n/, ''), 'no "Budget Name:" line'],
    ['no threshold', (text: string) => text.replace(/Alert Threshold: .*\n/, ''), 'no "Alert Threshold:" line'],
    ['an amount that is not one', (text: string) => text.replace('Budgeted Amount: $500.00', 'Budgeted Amount: five hundred'), '"Budgeted Amount: five hundred" is not an amount'],
    ['an unknown alert type', (text: string) => text.replace('Alert Type: ACTUAL', 'Alert Type: PREDICTED'), 'unknown alert type "predicted" (allowed: ACTUAL, FORECASTED)'],
    ['a zero budget', (text: string) => text.replace('Budgeted Amount: $500.00', 'Budgeted Amount: $0.00'), 'not positive'],
  ])('a message with %s is refused, so it reaches the dead-letter queue', (_case, edit, message) => {
    const text = edit(budgetText({ budgetName: 'microplane-dev-acme-foods' }));
    expect(() => parseBudgetNotification(text)).toThrow(UnreadableNotificationError);
    expect(() => parseBudgetNotification(text)).toThrow(message);
  });

  test('a JSON message (not from Budgets) is refused', () => {
    expect(() => parseBudgetNotification(JSON.stringify({ AlarmName: 'x', NewStateValue: 'ALARM' }))).toThrow('no "Budget Name:" line');
  });
});

describe('matching a notification to a configured threshold', () => {
  const thresholds = [
    { percent: 80, notification: 'forecasted' as const, action: 'notify' as const },
    { percent: 100, notification: 'actual' as const, action: 'throttle' as const },
    { percent: 120, notification: 'actual' as const, action: 'block' as const },
  ];
  const notification = (budgetedAmount: number, thresholdAmount: number, type: 'actual' | 'forecasted' = 'actual') => ({
    budgetName: 'microplane-dev-acme-foods',
    notification: type,
    budgetedAmount,
    thresholdPercent: (thresholdAmount / budgetedAmount) * 100,
  });

  test('an amount Budgets rounded to cents still matches its threshold', () => {
    // 120 % of $333.33 is $399.996, printed as $400.00.
    expect(matchThreshold(thresholds, notification(333.33, 400))).toMatchObject({ percent: 120, action: 'block' });
  });

  test('only thresholds of the notification\'s type match', () => {
    expect(() => matchThreshold(thresholds, notification(500, 400, 'actual'))).toThrow('(configured: 100 %, 120 %)');
    expect(matchThreshold(thresholds, notification(500, 400, 'forecasted'))).toMatchObject({ action: 'notify' });
  });

  test('a threshold more than a cent away matches nothing', () => {
    expect(() => matchThreshold(thresholds, notification(500, 500.02))).toThrow('reported a actual threshold of 100.00 %');
  });
});

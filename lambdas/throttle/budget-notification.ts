/**
 * AWS Budgets publishes plain text, not JSON, to an SNS topic, e.g.:
 *
 * ```
 * AWS Budget Notification March 05, 2026
 * AWS Account 123456789012
 *
 * Dear AWS Customer,
 *
 * You requested that we alert you when the ACTUAL Cost associated with your … budget is greater than …
 *
 * Budget Name: microplane-prod-acme-foods
 * Budget Type: Cost
 * Budgeted Amount: $500.00
 * Alert Type: ACTUAL
 * Alert Threshold: > $500.00
 * ACTUAL Amount: $512.34
 * ```
 *
 * The parser reads the labelled lines only, whatever their order, case, spacing or line endings, and
 * tolerates amounts with thousands separators or a currency code. Anything it cannot read fully is
 * refused, so a format change ends in the dead-letter queue and its alarm, not in a silent no-op.
 */

/** What one budget notification says. */
export interface BudgetNotification {
  readonly budgetName: string;
  readonly notification: 'actual' | 'forecasted';
  /** The budget's limit for the period, in its currency. */
  readonly budgetedAmount: number;
  /** The threshold crossed, as a percent of the budgeted amount. */
  readonly thresholdPercent: number;
  /** The actual or forecasted spend that crossed it, when the message states it. */
  readonly amount?: number;
}

/** A message that is not a budget notification the platform can act on. */
export class UnreadableNotificationError extends Error {
  constructor(reason: string) {
    super(`Unreadable AWS Budgets notification: ${reason}`);
    this.name = 'UnreadableNotificationError';
  }
}

/** Parses the text of an AWS Budgets notification; throws {@link UnreadableNotificationError}. */
export function parseBudgetNotification(text: string): BudgetNotification {
  const fields = labelledLines(text);
  const budgetName = fields.get('budget name');
  if (!budgetName) throw new UnreadableNotificationError('no "Budget Name:" line');
  const budgetedAmount = money(fields.get('budgeted amount'), 'Budgeted Amount');
  if (budgetedAmount <= 0) throw new UnreadableNotificationError('the budgeted amount is not positive');
  const notification = notificationType(fields);
  const thresholdPercent = threshold(fields.get('alert threshold'), budgetedAmount);
  const spent = fields.get(`${notification} amount`);
  return { budgetName, notification, budgetedAmount, thresholdPercent, ...(spent ? { amount: money(spent, `${notification.toUpperCase()} Amount`) } : {}) };
}

/** `Label: value` lines, by lowercase label; the first occurrence wins. */
function labelledLines(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split(/\r?\n|\r/)) {
    const match = /^\s*([A-Za-z][A-Za-z ]{2,40}?)\s*:\s*(.*?)\s*$/.exec(line);
    if (!match) continue;
    const label = match[1].replace(/\s+/g, ' ').toLowerCase();
    if (!fields.has(label) && match[2] !== '') fields.set(label, match[2]);
  }
  return fields;
}

function notificationType(fields: ReadonlyMap<string, string>): 'actual' | 'forecasted' {
  const stated = fields.get('alert type')?.toLowerCase();
  if (stated === 'actual' || stated === 'forecasted') return stated;
  if (stated) throw new UnreadableNotificationError(`unknown alert type "${stated}" (allowed: ACTUAL, FORECASTED)`);
  // Older messages name the type only in the amount line.
  if (fields.has('forecasted amount')) return 'forecasted';
  if (fields.has('actual amount')) return 'actual';
  throw new UnreadableNotificationError('no "Alert Type:" line');
}

/** `> $400.00` (an amount) or `> 80%` (a percent), as a percent of the budgeted amount. */
function threshold(value: string | undefined, budgetedAmount: number): number {
  if (!value) throw new UnreadableNotificationError('no "Alert Threshold:" line');
  const withoutComparison = value.replace(/^(?:>=?|greater than)\s*/i, '');
  const percent = /^([\d,]+(?:\.\d+)?)\s*%$/.exec(withoutComparison);
  if (percent) return number(percent[1], 'Alert Threshold');
  return (money(withoutComparison, 'Alert Threshold') / budgetedAmount) * 100;
}

/** `$1,234.56`, `1234.56 USD` or `USD 1,234.56`. */
function money(value: string | undefined, label: string): number {
  if (!value) throw new UnreadableNotificationError(`no "${label}:" line`);
  const match = /^(?:[A-Z]{3}\s*)?\$?\s*([\d,]+(?:\.\d+)?)\s*(?:[A-Z]{3})?$/.exec(value.trim());
  if (!match) throw new UnreadableNotificationError(`"${label}: ${value}" is not an amount`);
  return number(match[1], label);
}

function number(text: string, label: string): number {
  const value = Number(text.replace(/,/g, ''));
  if (!Number.isFinite(value)) throw new UnreadableNotificationError(`"${label}: ${text}" is not a number`);
  return value;
}

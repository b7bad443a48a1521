import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { TOKEN_BUDGET_EVENT_DETAIL_TYPE, TOKEN_BUDGET_EVENT_SOURCE, type TokenBudgetExceeded } from '../shared/budget-events';

/** Counted by the proxy (under its service only) when a breach could not be recorded or reported; an alarm watches it. */
export const BREACH_REPORT_FAILURES_METRIC = 'BreachReportFailures';

/** Publishes token-budget breaches on the default event bus, where the throttle function's rule takes them. */
export class BreachEvents {
  constructor(private readonly eventBridge: EventBridgeClient) {}

  /** Puts one `Token budget exceeded` event; throws when EventBridge did not accept it. */
  async publish(detail: TokenBudgetExceeded): Promise<void> {
    const result = await this.eventBridge.send(
      new PutEventsCommand({
        Entries: [{ Source: TOKEN_BUDGET_EVENT_SOURCE, DetailType: TOKEN_BUDGET_EVENT_DETAIL_TYPE, Detail: JSON.stringify(detail) }],
      }),
    );
    if ((result.FailedEntryCount ?? 0) > 0) {
      const entry = result.Entries?.[0];
      throw new Error(`EventBridge refused the breach event: ${entry?.ErrorCode ?? 'unknown'} ${entry?.ErrorMessage ?? ''}`.trim());
    }
  }
}

import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context, EventBridgeEvent, SNSEvent } from 'aws-lambda';
import * as z from 'zod/mini';
import { appSubject, monthOf, tokenBudgetExceededSchema } from '../shared/budget-events';
import { createObservability } from '../shared/observability';
import { parseBudgetNotification } from './budget-notification';
import { decideBudget, type PolicyLoader } from './budget-policy';
import { productionDeps } from './production';
import { directRequestSchema, isDirectRequest, isSnsEvent, isTokenBudgetEvent, type DirectRequest } from './requests';
import type { StoredState, ThrottleStateStore, TransitionCause, TransitionResult } from './state-store';
import { createTracer, traced } from '../shared/tracing';

const tracer = createTracer('throttle');

/** What the throttle function needs from its environment. */
export interface ThrottleDeps {
  /** The environment whose budgets this function acts on: `microplane-<env>-…` budget names only. */
  readonly environmentName: string;
  /** The topic AWS Budgets publishes to; a record from any other topic is refused. */
  readonly budgetTopicArn: string;
  /** The throttle table. */
  readonly store: Pick<ThrottleStateStore, 'escalate' | 'lift' | 'liftEndedPeriods' | 'get'>;
  /** Reads a tenant's budget policy. */
  readonly loadPolicy: PolicyLoader;
}

/** What the function answers; the operator command prints it. */
export type ThrottleResponse =
  | { readonly ok: true; readonly results: readonly TransitionResult[] }
  | { readonly ok: true; readonly status: StoredState }
  | { readonly ok: false; readonly error: string };

const { logger, metrics } = createObservability('throttle', tracer);

/** Metric counted for each applied transition, by the state it leads to. */
const TRANSITION_METRIC = { throttled: 'Throttles', blocked: 'Blocks', normal: 'Lifts' } as const;

/**
 * Moves tenants and apps between normal, throttled and blocked. AWS Budgets notifications (SNS) and
 * token-budget breaches (EventBridge) raise a state for their period; an operator lifts one, and the
 * daily schedule lifts every state whose period has ended. Each applied transition writes one audit log
 * line (`audit: true`) and one metric; a request that changes nothing (a duplicate, a late or lower
 * notification) is logged without `audit`. Failures of asynchronous sources are thrown, so Lambda
 * retries them twice and then puts them in the dead-letter queue, which alarms.
 */
export function createThrottleHandler(deps: ThrottleDeps): (event: unknown, context?: Pick<Context, 'awsRequestId'>) => Promise<ThrottleResponse> {
  return async (event, context) => {
    logger.resetKeys();
    logger.setCorrelationId(context?.awsRequestId);
    if (isSnsEvent(event)) return { ok: true, results: await onBudgetNotifications(deps, event) };
    if (isTokenBudgetEvent(event)) return { ok: true, results: [await onTokenBudgetExceeded(deps, event)] };
    if (isDirectRequest(event)) return onDirectRequest(deps, event);
    throw new Error('Unknown invocation: expected an SNS notification, a token-budget event or an action request');
  };
}

async function onBudgetNotifications(deps: ThrottleDeps, event: SNSEvent): Promise<TransitionResult[]> {
  const results: TransitionResult[] = [];
  for (const { Sns: message } of event.Records) {
    if (message.TopicArn !== deps.budgetTopicArn) throw new Error(`Notification from an unexpected topic: ${message.TopicArn}`);
    logger.appendKeys({ snsMessageId: message.MessageId });
    const notification = parseBudgetNotification(message.Message);
    const decision = await decideBudget(deps.environmentName, notification, deps.loadPolicy);
    if (!decision) {
      logger.warn('Budget of another environment ignored', { budgetName: notification.budgetName });
      continue;
    }
    const { threshold } = decision;
    const context = { budgetName: notification.budgetName, subject: decision.subject, tenantId: decision.tenantId, appId: decision.appId, threshold };
    if (threshold.action === 'notify') {
      logger.info('Budget threshold crossed: notify only', context);
      continue;
    }
    const cause = {
      source: 'budget',
      reason: `${notification.budgetName}: ${threshold.notification} spend crossed ${threshold.percent} % of ${notification.budgetedAmount.toFixed(2)}`,
    };
    const result = await deps.store.escalate({
      subject: decision.subject,
      tenantId: decision.tenantId,
      appId: decision.appId,
      target: threshold.action === 'block' ? 'blocked' : 'throttled',
      // Budgets reset on the first of each month (UTC): a notification speaks for the month it is sent in.
      period: monthOf(new Date(message.Timestamp)),
      ...cause,
    });
    results.push(report(result, cause));
  }
  return results;
}

async function onTokenBudgetExceeded(deps: ThrottleDeps, event: EventBridgeEvent<string, unknown>): Promise<TransitionResult> {
  const parsed = tokenBudgetExceededSchema.safeParse(event.detail);
  if (!parsed.success) throw new Error(`Malformed token-budget event ${event.id}: ${z.prettifyError(parsed.error)}`);
  const breach = parsed.data;
  logger.appendKeys({ tenantId: breach.tenantId, appId: breach.appId, breachId: breach.eventId });
  const cause = { source: 'token-budget', reason: `${breach.tokensUsed} of ${breach.tokenBudget} tokens used in ${breach.period}` };
  const result = await deps.store.escalate({
    subject: appSubject(breach.appId),
    tenantId: breach.tenantId,
    appId: breach.appId,
    target: 'throttled',
    period: breach.period,
    ...cause,
  });
  return report(result, cause);
}

async function onDirectRequest(deps: ThrottleDeps, event: unknown): Promise<ThrottleResponse> {
  const parsed = directRequestSchema.safeParse(event);
  if (!parsed.success) {
    // An operator's mistake, answered to the operator: not a function error that would page anyone.
    logger.warn('Invalid request', { issues: z.prettifyError(parsed.error) });
    return { ok: false, error: z.prettifyError(parsed.error) };
  }
  return handleDirect(deps, parsed.data);
}

async function handleDirect(deps: ThrottleDeps, request: DirectRequest): Promise<ThrottleResponse> {
  switch (request.action) {
    case 'lift': {
      const cause = { source: 'operator', reason: request.reason, operator: request.operator };
      return { ok: true, results: [report(await deps.store.lift(request.subject, cause), cause)] };
    }
    case 'lift-period': {
      const cause = { source: 'period-end', reason: 'the budget period ended' };
      const results = await deps.store.liftEndedPeriods(cause);
      for (const result of results) report(result, cause);
      logger.info('Ended periods lifted', { lifted: results.length });
      return { ok: true, results };
    }
    case 'status':
      return { ok: true, status: (await deps.store.get(request.subject)) ?? { subject: request.subject, state: 'normal', inForce: 'normal' } };
  }
}

/** Writes the audit line and metric of an applied transition, or says why nothing changed. */
function report(result: TransitionResult, cause: TransitionCause): TransitionResult {
  if (!result.applied) {
    logger.info('Throttle request changed nothing', { subject: result.subject, current: result.current, source: cause.source });
    return result;
  }
  logger.info('Throttle state changed', {
    audit: true,
    subject: result.subject,
    tenantId: result.tenantId,
    appId: result.appId,
    from: result.from,
    fromPeriod: result.fromPeriod,
    to: result.to,
    period: result.period,
    source: cause.source,
    reason: cause.reason,
    operator: cause.operator,
  });
  metrics.addDimensions({ tenantId: result.tenantId ?? 'unknown', appId: result.appId ?? 'all' });
  metrics.addMetric(TRANSITION_METRIC[result.to], MetricUnit.Count, 1);
  metrics.publishStoredMetrics();
  return result;
}

export const handler = traced(tracer, createThrottleHandler(productionDeps()));

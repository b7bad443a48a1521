import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
// A type only: the Tracer itself (and the X-Ray SDK) is bundled only into functions that create one.
import type { TraceAnnotator } from './tracing';

/** The CloudWatch namespace of every Microplane metric. */
export const METRICS_NAMESPACE = 'Microplane';

/** How one request ended, as counted in metrics. */
export type RequestOutcome = 'served' | 'denied' | 'error';

/** Who made a request, as far as the function knows it. */
export interface CallerKeys {
  readonly tenantId?: string;
  readonly appId?: string;
}

/** A function's Powertools logger and metrics, built once per container. */
export interface Observability {
  readonly logger: Logger;
  readonly metrics: Metrics;
  /**
   * Starts a request: sets the correlation id and the caller on every log line until {@link endRequest}.
   * Never pass tokens, prompts or secrets as keys.
   */
  startRequest(correlationId: string | undefined, caller?: CallerKeys): void;
  /** Adds the caller once the function knows it (e.g. after verifying a token). */
  identifyCaller(caller: CallerKeys): void;
  /**
   * Counts the request as `Requests` plus one of `Denials` or `Errors`, per tenant and app where
   * known, publishes the metrics and clears the per-request log keys.
   */
  endRequest(outcome: RequestOutcome): void;
}

/**
 * The logger and metrics of one function (and, given a tracer, the trace annotations). Metrics carry `service` by default and `tenantId`/`appId`
 * per request, so dashboards can rank tenants and apps; a request whose caller is unknown (a refused
 * token) is counted under `tenantId=unknown`, never under a value the caller chose.
 */
export function createObservability(serviceName: string, tracer?: TraceAnnotator): Observability {
  const logger = new Logger({ serviceName });
  const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName });
  let caller: CallerKeys = {};
  let startedAt: number | undefined;

  const identifyCaller = (keys: CallerKeys): void => {
    caller = { ...caller, ...keys };
    logger.appendKeys({ ...keys });
    if (keys.tenantId) tracer?.putAnnotation('tenantId', keys.tenantId);
    if (keys.appId) tracer?.putAnnotation('appId', keys.appId);
  };

  return {
    logger,
    metrics,
    startRequest(correlationId, initial) {
      caller = {};
      startedAt = performance.now();
      logger.resetKeys();
      logger.setCorrelationId(correlationId);
      if (correlationId) tracer?.putAnnotation('correlationId', correlationId);
      if (initial) identifyCaller(initial);
    },
    identifyCaller,
    endRequest(outcome) {
      const latencyMs = startedAt === undefined ? undefined : performance.now() - startedAt;
      startedAt = undefined;
      countRequest(metrics, caller, outcome, latencyMs);
      logger.resetKeys();
      caller = {};
    },
  };
}

/**
 * Counts one request as `Requests` plus one of `Denials` or `Errors` (and its `Latency` when timed),
 * under the caller's tenant and app (`unknown` where not known), and publishes the metrics. For functions that keep their own logger.
 */
export function countRequest(metrics: Metrics, caller: CallerKeys, outcome: RequestOutcome, latencyMs?: number): void {
  metrics.addDimensions({ tenantId: caller.tenantId ?? 'unknown', appId: caller.appId ?? 'unknown' });
  metrics.addMetric('Requests', MetricUnit.Count, 1);
  if (latencyMs !== undefined) metrics.addMetric('Latency', MetricUnit.Milliseconds, Math.round(latencyMs * 100) / 100);
  if (outcome === 'denied') metrics.addMetric('Denials', MetricUnit.Count, 1);
  if (outcome === 'error') metrics.addMetric('Errors', MetricUnit.Count, 1);
  metrics.publishStoredMetrics();
}

/** The outcome of an answered request: a refused identity is a denial, a 5xx an error, anything else served. */
export function outcomeOfStatus(status: number): RequestOutcome {
  if (status >= 500) return 'error';
  return status === 401 || status === 403 ? 'denied' : 'served';
}

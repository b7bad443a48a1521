import type { Context } from 'aws-lambda';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { createObservability } from '../shared/observability';
import type { DocumentStore } from '../shared/vectors/document-store';
import { mapWithConcurrency } from '../shared/vectors/concurrency';
import { errorSummary } from '../shared/vectors/log-safe';
import type { VectorRegistry, VectorRegistryEntry } from '../shared/vectors/registry';
import { productionDeps } from './production';
import { createTracer, traced } from '../shared/tracing';

const tracer = createTracer('documents-sweeper');

/** What the TTL sweeper needs from its environment. */
export interface SweeperDeps {
  /** Every tenant's registry entry. */
  readonly registry: () => Promise<VectorRegistry>;
  /** The tenant's index, signed with the sweeper's own role (admitted by every tenant's data-access policy). */
  readonly storeFor: (entry: VectorRegistryEntry) => DocumentStore;
  /**
   * Expired documents deleted per tenant and run; the rest wait for the next run.
   * @default 10_000
   */
  readonly maxDeletesPerTenant?: number;
  /**
   * The clock.
   * @default () => new Date()
   */
  readonly now?: () => Date;
}

/** What one run did. */
export interface SweepSummary {
  readonly tenants: number;
  readonly deleted: number;
  /** Tenants with expired documents left over (limit reached), swept again next run. */
  readonly incomplete: readonly string[];
  readonly failed: readonly string[];
  /** Tenants not reached before the time budget ran out. */
  readonly skipped: readonly string[];
}

/** Tenants swept at once. */
const CONCURRENCY = 4;
/** Time kept in hand when the run stops starting new tenants. */
const TIME_RESERVE_MS = 30_000;

const { logger, metrics } = createObservability('documents-sweeper', tracer);

/**
 * The TTL sweeper (hourly): deletes every document whose `expires` has passed, tenant by tenant, each
 * in its own index, with the sweeper's own role. It never holds a tenant key, so it sees ciphertext only
 * (and does not read `_source` at all). Searches already exclude expired documents: the sweeper
 * reclaims their storage and makes the TTL a deletion, not just a filter. The tenant order rotates
 * every hour, so a run that runs out of time does not always leave the same tenants out.
 */
export function createSweeperHandler(deps: SweeperDeps): (event: unknown, context?: Pick<Context, 'getRemainingTimeInMillis'>) => Promise<SweepSummary> {
  const maxDeletes = deps.maxDeletesPerTenant ?? 10_000;
  const clock = deps.now ?? (() => new Date());
  return async (_event, context) => {
    const now = clock();
    const { entries, malformed } = await deps.registry();
    for (const name of malformed) logger.error('Registry entry is malformed; tenant not swept', { parameter: name });
    const ordered = rotate(entries, Math.floor(now.getTime() / 3_600_000));
    const deleted = new Map<string, number>();
    const incomplete: string[] = [];
    const failed: string[] = [];
    const skipped: string[] = [];
    await mapWithConcurrency(ordered, CONCURRENCY, async (entry) => {
      if (context && context.getRemainingTimeInMillis() < TIME_RESERVE_MS) {
        skipped.push(entry.tenantId);
        return;
      }
      try {
        const result = await deps.storeFor(entry).deleteMatching([{ range: { expires: { lt: now.toISOString() } } }], maxDeletes);
        deleted.set(entry.tenantId, result.deleted);
        if (!result.complete) incomplete.push(entry.tenantId);
        logger.info('Tenant swept', { tenantId: entry.tenantId, deleted: result.deleted, complete: result.complete });
      } catch (error) {
        failed.push(entry.tenantId);
        logger.error('Tenant sweep failed', { tenantId: entry.tenantId, error: errorSummary(error) });
      }
    });
    const summary = { tenants: entries.length, deleted: [...deleted.values()].reduce((a, b) => a + b, 0), incomplete, failed, skipped };
    report(summary, malformed.length);
    // A failure is raised after every tenant had its turn, so the alarm on errors sees it.
    if (failed.length > 0 || malformed.length > 0) throw new Error(`Sweep failed for ${failed.length + malformed.length} tenants`);
    return summary;
  };
}

function report(summary: SweepSummary, malformed: number): void {
  logger.info('Sweep done', { ...summary, malformed });
  metrics.addMetric('ExpiredDocumentsDeleted', MetricUnit.Count, summary.deleted);
  metrics.addMetric('SweepFailures', MetricUnit.Count, summary.failed.length + malformed);
  metrics.publishStoredMetrics();
}

function rotate<T>(items: readonly T[], by: number): T[] {
  if (items.length === 0) return [];
  const start = by % items.length;
  return [...items.slice(start), ...items.slice(0, start)];
}

export const handler = traced(tracer, createSweeperHandler(productionDeps()));

import { Tracer } from '@aws-lambda-powertools/tracer';
import type { Context } from 'aws-lambda';

/**
 * Powertools Tracer for a function: X-Ray subsegments per invocation with the tenant, app and cold start
 * as annotations (searchable in X-Ray), errors as metadata. Kept out of `observability.ts` because the
 * X-Ray SDK it brings weighs about 120 KB minified, and the authorizer must stay under 100 KB: the
 * authorizer takes the Tracer from the Powertools layer instead (`lambdas/authorizer/tracing.ts`).
 */
export function createTracer(serviceName: string): Tracer {
  return new Tracer({ serviceName });
}

/** Where tenant and app ids are recorded for a trace; `Tracer` is one. */
export interface TraceAnnotator {
  putAnnotation(key: string, value: string | number | boolean): void;
}

/**
 * Wraps a handler so each invocation runs in a `## <handler>` subsegment annotated with the cold start
 * and the service, with an error recorded as metadata. With tracing off (outside Lambda, or
 * `POWERTOOLS_TRACE_ENABLED=false`) it calls the handler as is.
 */
export function traced<E, R>(tracer: Tracer, handler: (event: E, context?: Context) => Promise<R>): (event: E, context?: Context) => Promise<R> {
  return async (event, context) => {
    if (!tracer.isTracingEnabled()) return handler(event, context);
    const parent = tracer.getSegment();
    const subsegment = parent?.addNewSubsegment(`## ${process.env._HANDLER ?? 'handler'}`);
    if (subsegment) tracer.setSegment(subsegment);
    tracer.annotateColdStart();
    tracer.addServiceNameAnnotation();
    try {
      return await handler(event, context);
    } catch (error) {
      tracer.addErrorAsMetadata(error as Error);
      throw error;
    } finally {
      subsegment?.close();
      if (parent) tracer.setSegment(parent);
    }
  };
}

import type { Tracer } from '@aws-lambda-powertools/tracer';
import type { Context } from 'aws-lambda';
import type { TraceAnnotator } from '../shared/tracing';

type Handler<E, R> = (event: E, context?: Context) => Promise<R>;
type TracerModule = typeof import('@aws-lambda-powertools/tracer');

/** Reports a tracing failure; the authorizer logs it. */
export type TracingErrorReporter = (message: string, error: unknown) => void;

/** The authorizer's Powertools Tracer, made unable to change a decision. */
export interface AuthorizerTracing {
  /** Why the Tracer could not be loaded, if it could not: the authorizer then answers untraced. */
  readonly unavailable?: unknown;
  /** Records the tenant, app and correlation annotations; never throws. */
  readonly annotator: TraceAnnotator;
  /**
   * The handler in a `## <handler>` subsegment annotated with the cold start and the service, an error
   * recorded as metadata: `traced` of `lambdas/shared/tracing.ts`, with each tracing step isolated, so
   * the caller always gets what the handler itself returned or threw.
   */
  traced<E, R>(handler: Handler<E, R>): Handler<E, R>;
}

/**
 * The authorizer's tracing. The Tracer is not in the authorizer's bundle (the X-Ray SDK behind it would
 * take the bundle past 100 KB) but in the Powertools layer (`AUTHORIZER_LAYER_PACKAGES` in
 * `lib/constructs/gateway.ts`), required here rather than imported, so that a missing or broken layer
 * is caught instead of failing the module load. Tracing is diagnostics: it must never deny or allow a
 * request, nor turn a decision into an error (API Gateway answers an authorizer error with a 500). So
 * without the Tracer the authorizer answers untraced, and an error of the Tracer or the X-Ray SDK during
 * an invocation goes to `report` and nowhere else.
 */
export function createAuthorizerTracing(
  serviceName: string,
  report: TracingErrorReporter,
  load: () => TracerModule = () => require('@aws-lambda-powertools/tracer') as TracerModule,
): AuthorizerTracing {
  let tracer: Tracer;
  try {
    tracer = new (load().Tracer)({ serviceName });
  } catch (error) {
    return { unavailable: error, annotator: { putAnnotation: () => undefined }, traced: (handler) => handler };
  }
  // Every byte counts in this bundle: the stack trace of the error says which step failed.
  const safely = (action: () => void): void => {
    try {
      action();
    } catch (error) {
      report('Tracing failed; the decision is unaffected', error);
    }
  };
  return {
    annotator: { putAnnotation: (key, value) => safely(() => tracer.putAnnotation(key, value)) },
    traced: (handler) => async (event, context) => {
      let parent: ReturnType<Tracer['getSegment']>;
      let subsegment: ReturnType<NonNullable<typeof parent>['addNewSubsegment']> | undefined;
      safely(() => {
        if (!tracer.isTracingEnabled()) return;
        parent = tracer.getSegment();
        subsegment = parent?.addNewSubsegment(`## ${process.env._HANDLER ?? 'handler'}`);
        if (subsegment) tracer.setSegment(subsegment);
        tracer.annotateColdStart();
        tracer.addServiceNameAnnotation();
      });
      // The handler runs once, outside every tracing step.
      try {
        return await handler(event, context);
      } catch (error) {
        if (subsegment) safely(() => tracer.addErrorAsMetadata(error as Error));
        throw error;
      } finally {
        safely(() => {
          subsegment?.close();
          if (parent) tracer.setSegment(parent);
        });
      }
    },
  };
}

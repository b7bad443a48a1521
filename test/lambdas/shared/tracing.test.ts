import { Tracer } from '@aws-lambda-powertools/tracer';
import * as AWSXRay from 'aws-xray-sdk-core';
import { Segment, Subsegment } from 'aws-xray-sdk-core';
import { createObservability } from '../../../lambdas/shared/observability';
import { traced } from '../../../lambdas/shared/tracing';
import { captureLogs } from '../support/aws';

const executionEnv = process.env.AWS_EXECUTION_ENV;
beforeEach(() => {
  captureLogs();
  // Tracer turns itself off outside Lambda; this is how it knows it is inside.
  process.env.AWS_EXECUTION_ENV = 'AWS_Lambda_nodejs22.x';
});
afterEach(() => {
  jest.restoreAllMocks();
  if (executionEnv === undefined) delete process.env.AWS_EXECUTION_ENV;
  else process.env.AWS_EXECUTION_ENV = executionEnv;
});

/** Runs `body` inside an X-Ray context, as the Lambda runtime provides one. */
function inXRayContext<T>(body: () => Promise<T>): Promise<T> {
  return AWSXRay.getNamespace().runPromise(body);
}

/** A tracer with tracing on and a root segment standing in for Lambda's, recording its subsegments. */
function tracerWithSegment(): { tracer: Tracer; root: Segment } {
  const tracer = new Tracer({ serviceName: 'tracing-test', enabled: true });
  const root = new Segment('tracing-test-root');
  // The X-Ray daemon is not here: keep closed subsegments from being streamed to it.
  jest.spyOn(Subsegment.prototype, 'close').mockImplementation(function (this: Subsegment) {
    (this as unknown as { in_progress: boolean }).in_progress = false;
  });
  return { tracer, root };
}

test('each invocation runs in its own subsegment, annotated with the tenant, app, correlation id and service', async () => {
  // GIVEN
  const { tracer, root } = tracerWithSegment();
  const { startRequest, identifyCaller, endRequest } = createObservability('tracing-test', tracer);
  const handler = traced(tracer, async (event: { tenantId: string }) => {
    startRequest('request-0001');
    identifyCaller({ tenantId: event.tenantId, appId: 'acme-notes' });
    endRequest('served');
    return 'done';
  });
  // WHEN
  const result = await inXRayContext(async () => {
    tracer.setSegment(root);
    const answer = await handler({ tenantId: 'acme' });
    // AND the root segment is current again for the next invocation
    expect(tracer.getSegment()).toBe(root);
    return answer;
  });
  // THEN
  expect(result).toBe('done');
  const [subsegment] = root.subsegments as Subsegment[];
  // The SDK's typings leave the recorded annotations out.
  const { annotations } = subsegment as unknown as { annotations: Record<string, unknown> };
  expect(subsegment.name).toMatch(/^## /);
  expect(annotations).toMatchObject({ tenantId: 'acme', appId: 'acme-notes', correlationId: 'request-0001', Service: 'tracing-test' });
  expect(annotations).toHaveProperty('ColdStart');
});

test('an error is recorded on the subsegment and still thrown', async () => {
  const { tracer, root } = tracerWithSegment();
  const handler = traced(tracer, async () => {
    throw new Error('boom');
  });
  await inXRayContext(async () => {
    tracer.setSegment(root);
    await expect(handler(undefined)).rejects.toThrow('boom');
    expect(tracer.getSegment()).toBe(root);
  });
  const [subsegment] = root.subsegments as Subsegment[];
  expect(JSON.stringify(subsegment)).toContain('boom');
});

test('with tracing off the handler is called as is', async () => {
  delete process.env.AWS_EXECUTION_ENV;
  const tracer = new Tracer({ serviceName: 'tracing-test', enabled: false });
  const handler = traced(tracer, async (event: number) => event * 2);
  await expect(handler(21)).resolves.toBe(42);
});

import { createObservability, METRICS_NAMESPACE } from '../../../lambdas/shared/observability';
import { captureLogs } from '../support/aws';

let logs: ReturnType<typeof captureLogs>;
beforeEach(() => {
  logs = captureLogs();
});
afterEach(() => jest.restoreAllMocks());

interface EmfDocument {
  _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string }[] }[] };
  [key: string]: unknown;
}

function emfDocuments(): EmfDocument[] {
  return logs.lines().filter((line) => '_aws' in line) as unknown as EmfDocument[];
}

test('a log line during a request carries the tenant, the app and the correlation id', () => {
  // GIVEN
  const { logger, startRequest, identifyCaller } = createObservability('observability-test');
  // WHEN
  startRequest('request-0001');
  identifyCaller({ tenantId: 'acme', appId: 'acme-notes' });
  logger.info('Something happened');
  // THEN
  expect(logs.lines()).toContainEqual(
    expect.objectContaining({ message: 'Something happened', tenantId: 'acme', appId: 'acme-notes', correlation_id: 'request-0001' }),
  );
});

test('the metrics of a request have tenant and app dimensions', () => {
  const { startRequest, endRequest } = createObservability('observability-test');
  startRequest('request-0002', { tenantId: 'acme', appId: 'acme-notes' });
  endRequest('served');
  const [document] = emfDocuments();
  const [directive] = document._aws.CloudWatchMetrics;
  expect(directive.Namespace).toBe(METRICS_NAMESPACE);
  expect(directive.Dimensions).toEqual([expect.arrayContaining(['service', 'tenantId', 'appId'])]);
  expect(document).toMatchObject({ service: 'observability-test', tenantId: 'acme', appId: 'acme-notes', Requests: 1 });
  expect(document.Latency).toEqual(expect.any(Number));
  expect(document.Latency as number).toBeGreaterThanOrEqual(0);
  expect(directive.Metrics).toEqual(expect.arrayContaining([{ Name: 'Latency', Unit: 'Milliseconds' }]));
});

test('a denial and an error are counted besides the request', () => {
  const { startRequest, endRequest } = createObservability('observability-test');
  startRequest('request-0003', { tenantId: 'acme', appId: 'acme-notes' });
  endRequest('denied');
  startRequest('request-0004', { tenantId: 'globex', appId: 'globex-hr' });
  endRequest('error');
  const [denied, failed] = emfDocuments();
  expect(denied).toMatchObject({ tenantId: 'acme', Requests: 1, Denials: 1 });
  expect(failed).toMatchObject({ tenantId: 'globex', appId: 'globex-hr', Requests: 1, Errors: 1 });
  expect(failed).not.toHaveProperty('Denials');
});

test('an unknown caller is counted as unknown, and the next request starts without the last caller', () => {
  const { logger, startRequest, endRequest } = createObservability('observability-test');
  startRequest('request-0005', { tenantId: 'acme', appId: 'acme-notes' });
  endRequest('served');
  startRequest('request-0006');
  logger.info('Anonymous');
  endRequest('denied');
  const anonymous = logs.lines().find((line) => line.message === 'Anonymous');
  expect(anonymous).toMatchObject({ correlation_id: 'request-0006' });
  expect(anonymous).not.toHaveProperty('tenantId');
  expect(emfDocuments()[1]).toMatchObject({ tenantId: 'unknown', appId: 'unknown', Denials: 1 });
});

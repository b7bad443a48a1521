import type { APIGatewayProxyEvent } from 'aws-lambda';
import { handler } from '../../../lambdas/whoami/handler';
import { captureLogs } from '../support/aws';

function whoamiEvent(authorizer: Record<string, string> | undefined): APIGatewayProxyEvent {
  return { httpMethod: 'GET', path: '/v1/whoami', requestContext: { requestId: 'request-0001', authorizer } } as unknown as APIGatewayProxyEvent;
}

let logs: ReturnType<typeof captureLogs>;
beforeEach(() => {
  logs = captureLogs();
});
afterEach(() => jest.restoreAllMocks());

const ACME = { tenantId: 'acme', appId: 'acme-notes', scopes: 'whoami.read', subject: 'user-0001' };

/** The EMF documents Powertools Metrics printed. */
function emfDocuments(): Record<string, unknown>[] {
  return logs.lines().filter((line) => '_aws' in line);
}

test('returns the tenant, app, scopes and subject the authorizer established', async () => {
  // GIVEN
  const event = whoamiEvent({
    principalId: 'user-0001',
    tenantId: 'acme',
    appId: 'acme-notes',
    scopes: 'whoami.read notes.read',
    subject: 'user-0001',
    tokenId: 'token-1',
  });
  // WHEN
  const response = await handler(event);
  // THEN
  expect(response.statusCode).toBe(200);
  expect(JSON.parse(response.body)).toEqual({ tenantId: 'acme', appId: 'acme-notes', scopes: ['whoami.read', 'notes.read'], subject: 'user-0001' });
});

test('answers with no-store and the security headers', async () => {
  const event = whoamiEvent({ tenantId: 'acme', appId: 'acme-notes', scopes: 'whoami.read', subject: 'user-0001' });
  expect((await handler(event)).headers).toMatchObject({ 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' });
});

test('answers 401 with the house envelope when there is no authorizer context', async () => {
  const response = await handler(whoamiEvent(undefined));
  expect(response.statusCode).toBe(401);
  expect(JSON.parse(response.body)).toEqual({ code: 'unauthorized', message: 'The request is not authenticated.', details: {} });
});

test('answers 401 when the authorizer context lacks the tenant', async () => {
  const response = await handler(whoamiEvent({ appId: 'acme-notes', scopes: 'whoami.read', subject: 'user-0001' }));
  expect(response.statusCode).toBe(401);
});

test('logs the tenant, the app and the request id as correlation id', async () => {
  await handler(whoamiEvent(ACME));
  expect(logs.lines()).toContainEqual(
    expect.objectContaining({ message: 'Request served', tenantId: 'acme', appId: 'acme-notes', correlation_id: 'request-0001' }),
  );
});

test('counts a served request per tenant and app', async () => {
  await handler(whoamiEvent(ACME));
  const [document] = emfDocuments();
  expect(document).toMatchObject({ service: 'whoami', tenantId: 'acme', appId: 'acme-notes', Requests: 1 });
  expect(document).not.toHaveProperty('Denials');
});

test('counts a request without authorizer context as a denial', async () => {
  await handler(whoamiEvent(undefined));
  expect(emfDocuments()).toEqual([expect.objectContaining({ tenantId: 'unknown', appId: 'unknown', Requests: 1, Denials: 1 })]);
});

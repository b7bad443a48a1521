import type { Context, PreTokenGenerationV2TriggerEvent } from 'aws-lambda';
import { captureLogs } from '../support/aws';
import { handler } from '../../../lambdas/pre-token-generation/handler';

function triggerEvent(userAttributes: Record<string, string>): PreTokenGenerationV2TriggerEvent {
  return {
    version: '2',
    region: 'eu-west-1',
    userPoolId: 'eu-west-1_TestPool1',
    triggerSource: 'TokenGeneration_HostedAuth',
    userName: 'alice',
    callerContext: { awsSdkVersion: 'aws-sdk-unknown-unknown', clientId: 'client-acme-notes' },
    request: { userAttributes, groupConfiguration: {}, scopes: ['openid'] },
    // Cognito sends null; the type says otherwise.
    response: { claimsAndScopeOverrideDetails: null as never },
  };
}

beforeEach(() => captureLogs());
afterEach(() => jest.restoreAllMocks());

test('adds the user tenant as tenant_id to the access token', async () => {
  const result = await handler(triggerEvent({ sub: 'user-0001', 'custom:tenant_id': 'acme' }));
  expect(result.response.claimsAndScopeOverrideDetails.accessTokenGeneration?.claimsToAddOrOverride).toEqual({ tenant_id: 'acme' });
});

test('adds the user tenant as tenant_id to the ID token', async () => {
  const result = await handler(triggerEvent({ sub: 'user-0001', 'custom:tenant_id': 'acme' }));
  expect(result.response.claimsAndScopeOverrideDetails.idTokenGeneration?.claimsToAddOrOverride).toEqual({ tenant_id: 'acme' });
});

test('adds no claim for a user without a tenant', async () => {
  const result = await handler(triggerEvent({ sub: 'user-0002' }));
  expect(result.response.claimsAndScopeOverrideDetails).toBeNull();
});

test('adds no claim for a tenant attribute that is not a tenant id', async () => {
  const result = await handler(triggerEvent({ sub: 'user-0003', 'custom:tenant_id': 'Acme Corp' }));
  expect(result.response.claimsAndScopeOverrideDetails).toBeNull();
});

test('keeps claims and scope changes already in the response', async () => {
  // GIVEN
  const event = triggerEvent({ sub: 'user-0001', 'custom:tenant_id': 'acme' });
  event.response.claimsAndScopeOverrideDetails = {
    accessTokenGeneration: { claimsToAddOrOverride: { team: 'blue' }, scopesToAdd: ['microplane/whoami.read'] },
  };
  // WHEN
  const result = await handler(event);
  // THEN
  expect(result.response.claimsAndScopeOverrideDetails.accessTokenGeneration).toEqual({
    claimsToAddOrOverride: { team: 'blue', tenant_id: 'acme' },
    scopesToAdd: ['microplane/whoami.read'],
  });
});

const CONTEXT = { awsRequestId: 'trigger-0001' } as Context;

/** The EMF documents Powertools Metrics printed. */
function emfDocuments(lines: Record<string, unknown>[]): Record<string, unknown>[] {
  return lines.filter((line) => '_aws' in line);
}

test('logs the tenant and the correlation id of the trigger invocation', async () => {
  const logs = captureLogs();
  await handler(triggerEvent({ sub: 'user-0001', 'custom:tenant_id': 'acme' }), CONTEXT);
  expect(logs.lines()).toContainEqual(
    expect.objectContaining({ message: 'Tenant claim added', tenantId: 'acme', correlation_id: 'trigger-0001' }),
  );
});

test('counts a user without a tenant as a denial under tenant unknown', async () => {
  const logs = captureLogs();
  await handler(triggerEvent({ sub: 'user-0002' }), CONTEXT);
  expect(emfDocuments(logs.lines())).toEqual([expect.objectContaining({ tenantId: 'unknown', Requests: 1, Denials: 1 })]);
});

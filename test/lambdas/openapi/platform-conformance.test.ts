import { KMSClient } from '@aws-sdk/client-kms';
import { SSMClient } from '@aws-sdk/client-ssm';
import { clearCaches } from '@aws-lambda-powertools/parameters';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { SimpleFetcher } from 'aws-jwt-verify/https';
import { mockClient } from 'aws-sdk-client-mock';
import { captureLogs, fakeKms, fakeRegistry } from '../support/aws';
import { appRecord, cognitoAccessClaims, exchangeForm, PLATFORM_ENV, SIGNING_KEY_ID, tokenRequest } from '../support/fixtures';
import { ecKey, rsaKey, signToken } from '../support/tokens';
import { Contract, expectConforms } from './support/contract';

// The token endpoint, JWKS and whoami, answering for real (AWS faked at the SDK), checked against the
// OpenAPI document: the document describes the shapes these functions actually return.

Object.assign(process.env, PLATFORM_ENV);

type Handler = (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;
const kms = mockClient(KMSClient);
const ssm = mockClient(SSMClient);
const cognitoKey = rsaKey('cognito-key-1');
const contract = new Contract();
let exchange: Handler;
let jwks: Handler;
let whoami: Handler;

beforeAll(() => {
  ({ handler: exchange } = require('../../../lambdas/token-exchange/handler') as { handler: Handler });
  ({ handler: jwks } = require('../../../lambdas/jwks/handler') as { handler: Handler });
  ({ handler: whoami } = require('../../../lambdas/whoami/handler') as { handler: Handler });
  const { subjectTokenVerifier } = require('../../../lambdas/token-exchange/subject-token') as typeof import('../../../lambdas/token-exchange/subject-token');
  subjectTokenVerifier.cacheJwks({ keys: [cognitoKey.jwk] });
});

beforeEach(() => {
  kms.reset();
  ssm.reset();
  clearCaches();
  fakeKms(kms, ecKey(SIGNING_KEY_ID));
  fakeRegistry(ssm, [appRecord()]);
  jest.spyOn(SimpleFetcher.prototype, 'fetch').mockRejectedValue(new Error('tests never reach the network'));
  captureLogs();
});

afterEach(() => jest.restoreAllMocks());

const accessToken = (claims = {}) => signToken(cognitoAccessClaims(claims), cognitoKey);

test('a token exchange answers 200 with the documented token response', async () => {
  const response = await exchange(tokenRequest(exchangeForm(accessToken(), { scope: 'notes.read' })));
  expect(response.statusCode).toBe(200);
  expectConforms(contract, 'POST', '/oauth2/token', response);
});

test.each<[string, Record<string, string>, number]>([
  ['a wrong grant type', { grant_type: 'password' }, 400],
  ['a resource indicator', { resource: 'https://api.example.com/' }, 400],
  ['an unknown audience', { audience: 'acme-unknown' }, 400],
  ['a scope the app lacks', { scope: 'admin.write' }, 400],
])('a token exchange with %s answers the documented OAuth error', async (_, overrides, status) => {
  const response = await exchange(tokenRequest(exchangeForm(accessToken(), overrides)));
  expect(response.statusCode).toBe(status);
  expectConforms(contract, 'POST', '/oauth2/token', response);
});

test('a token exchange with a bad subject token answers the documented 401', async () => {
  const response = await exchange(tokenRequest(exchangeForm(accessToken({ exp: 1 }))));
  expect(response.statusCode).toBe(401);
  expectConforms(contract, 'POST', '/oauth2/token', response);
});

test('the JWKS answers the documented key set', async () => {
  const response = await jwks({ httpMethod: 'GET', path: '/.well-known/jwks.json', requestContext: { requestId: 'r-1' } } as unknown as APIGatewayProxyEvent);
  expect(response.statusCode).toBe(200);
  expectConforms(contract, 'GET', '/.well-known/jwks.json', response);
});

test('the OIDC discovery document answers as documented', async () => {
  const path = '/.well-known/openid-configuration';
  const response = await jwks({ httpMethod: 'GET', path, resource: path, requestContext: { requestId: 'r-3' } } as unknown as APIGatewayProxyEvent);
  expect(response.statusCode).toBe(200);
  expectConforms(contract, 'GET', path, response);
});

test('a 401 without WWW-Authenticate departs from the document', () => {
  const refused = { statusCode: 401, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ code: 'unauthorized', message: 'm', details: {} }) };
  expect(contract.problems('GET', '/v1/whoami', refused)).toEqual(['required header WWW-Authenticate is missing']);
});

test('whoami answers the documented caller and 401 envelope', async () => {
  const event = (authorizer?: Record<string, string>) =>
    ({ httpMethod: 'GET', path: '/v1/whoami', requestContext: { requestId: 'r-2', authorizer } }) as unknown as APIGatewayProxyEvent;
  const ok = await whoami(event({ tenantId: 'acme', appId: 'acme-notes', scopes: 'whoami.read', subject: 'user-0001' }));
  expect(ok.statusCode).toBe(200);
  expectConforms(contract, 'GET', '/v1/whoami', ok);
  const refused = await whoami(event());
  expect(refused.statusCode).toBe(401);
  expectConforms(contract, 'GET', '/v1/whoami', refused);
});

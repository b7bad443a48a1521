import { KMSClient } from '@aws-sdk/client-kms';
import { SSMClient } from '@aws-sdk/client-ssm';
import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { captureLogs, fakeKms, fakeRegistry } from './support/aws';
import { appRecord, cognitoAccessClaims, exchangeForm, PLATFORM_ENV, SIGNING_KEY_ID, tokenRequest } from './support/fixtures';
import { createPublicKey } from 'node:crypto';
import { decodeToken, ecKey, rsaKey, signToken, verifyEs256 } from './support/tokens';

Object.assign(process.env, PLATFORM_ENV);

const kms = mockClient(KMSClient);
const ssm = mockClient(SSMClient);
const cognitoKey = rsaKey('cognito-key-1');
const signingKey = ecKey(SIGNING_KEY_ID);
const STAGE_ARN = 'arn:aws:execute-api:eu-west-1:123456789012:abcdef1234/prod/';

beforeEach(() => {
  captureLogs();
  fakeKms(kms, signingKey);
  fakeRegistry(ssm, [appRecord()]);
});

afterEach(() => jest.restoreAllMocks());

test('a signed-in user reaches whoami through the token exchange and the authorizer', async () => {
  // GIVEN the three functions as deployed
  const tokenEndpoint = require('../../lambdas/token-exchange/handler') as typeof import('../../lambdas/token-exchange/handler');
  const { subjectTokenVerifier } = require('../../lambdas/token-exchange/subject-token') as typeof import('../../lambdas/token-exchange/subject-token');
  const authorizer = require('../../lambdas/authorizer/handler') as typeof import('../../lambdas/authorizer/handler');
  const whoami = require('../../lambdas/whoami/handler') as typeof import('../../lambdas/whoami/handler');
  subjectTokenVerifier.cacheJwks({ keys: [cognitoKey.jwk] });
  const userToken = signToken(cognitoAccessClaims(), cognitoKey);

  // WHEN the app exchanges the user's token and calls GET /v1/whoami with the service token
  const exchanged = await tokenEndpoint.handler(tokenRequest(exchangeForm(userToken, { scope: 'whoami.read' })));
  const serviceToken = JSON.parse(exchanged.body).access_token as string;
  const authorization = await authorizer.handler(
    { type: 'TOKEN', authorizationToken: `Bearer ${serviceToken}`, methodArn: `${STAGE_ARN}GET/v1/whoami` },
    { awsRequestId: 'request-0002' } as Context,
  );
  const response = await whoami.handler({ requestContext: { authorizer: authorization.context } } as unknown as APIGatewayProxyEvent);

  // THEN
  expect(authorization.policyDocument.Statement).toEqual([
    { Effect: 'Allow', Action: 'execute-api:Invoke', Resource: [`${STAGE_ARN}GET/v1/whoami`] },
  ]);
  expect(authorization.usageIdentifierKey).toBe('usage-key-acme-notes');
  expect(JSON.parse(response.body)).toEqual({ tenantId: 'acme', appId: 'acme-notes', scopes: ['whoami.read'], subject: 'user-0001' });
});

test('a relying party such as STS finds, through OIDC discovery, the key that verifies an exchanged token', async () => {
  // GIVEN a service token from the exchange
  const tokenEndpoint = require('../../lambdas/token-exchange/handler') as typeof import('../../lambdas/token-exchange/handler');
  const { subjectTokenVerifier } = require('../../lambdas/token-exchange/subject-token') as typeof import('../../lambdas/token-exchange/subject-token');
  const wellKnown = require('../../lambdas/jwks/handler') as typeof import('../../lambdas/jwks/handler');
  subjectTokenVerifier.cacheJwks({ keys: [cognitoKey.jwk] });
  const exchanged = await tokenEndpoint.handler(tokenRequest(exchangeForm(signToken(cognitoAccessClaims(), cognitoKey))));
  const serviceToken = JSON.parse(exchanged.body).access_token as string;
  const get = (path: string) => wellKnown.handler({ httpMethod: 'GET', path, resource: path, requestContext: { requestId: 'r' } } as unknown as APIGatewayProxyEvent);

  // WHEN it reads the discovery document of the token's issuer, then the key set it names
  const { payload, header } = decodeToken(serviceToken);
  const discovery = JSON.parse((await get('/.well-known/openid-configuration')).body);
  const jwksPath = new URL(discovery.jwks_uri).pathname.replace(new URL(discovery.issuer).pathname, '');
  const { keys } = JSON.parse((await get(jwksPath)).body);

  // THEN the issuer matches, a key of the set verifies the token, and the token names its tenant as session tag
  expect(discovery.issuer).toBe(payload.iss);
  expect(discovery.id_token_signing_alg_values_supported).toContain(header.alg);
  const jwk = keys.find((key: { kid: string }) => key.kid === header.kid);
  expect(verifyEs256(serviceToken, createPublicKey({ key: jwk, format: 'jwk' }))).toBe(true);
  expect(payload['https://aws.amazon.com/tags']).toEqual({ principal_tags: { TenantId: ['acme'] }, transitive_tag_keys: ['TenantId'] });
});

import { KMSClient } from '@aws-sdk/client-kms';
import { SSMClient } from '@aws-sdk/client-ssm';
import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { captureLogs, fakeKms, fakeRegistry } from './support/aws';
import { appRecord, cognitoAccessClaims, exchangeForm, PLATFORM_ENV, SIGNING_KEY_ID, tokenRequest } from './support/fixtures';
import { ecKey, rsaKey, signToken } from './support/tokens';

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

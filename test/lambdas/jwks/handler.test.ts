import { createPublicKey } from 'node:crypto';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';
import { PLATFORM_ENV, SERVICE_TOKEN_ISSUER, serviceClaims, SIGNING_KEY_ARN, SIGNING_KEY_ID } from '../support/fixtures';
import { decodeToken, ecKey, verifyEs256 } from '../support/tokens';

Object.assign(process.env, PLATFORM_ENV);

const signingKey = ecKey(SIGNING_KEY_ID);
const get = (path: string) => ({ httpMethod: 'GET', path, resource: path, requestContext: { requestId: 'request-0001' } }) as unknown as APIGatewayProxyEvent;
const event = get('/.well-known/jwks.json');
const discovery = get('/.well-known/openid-configuration');
let sdk: typeof import('@aws-sdk/client-kms');
let kms: AwsClientStub<InstanceType<typeof sdk.KMSClient>>;
let aws: typeof import('../support/aws');
let handler: (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;

beforeEach(() => {
  // A cold container per test: fresh modules, so the SDK and the fakes are loaded from the new registry too.
  jest.resetModules();
  sdk = require('@aws-sdk/client-kms') as typeof import('@aws-sdk/client-kms');
  kms = mockClient(sdk.KMSClient);
  aws = require('../support/aws') as typeof import('../support/aws');
  aws.fakeKms(kms, signingKey);
  aws.captureLogs();
  ({ handler } = require('../../../lambdas/jwks/handler') as typeof import('../../../lambdas/jwks/handler'));
});

afterEach(() => {
  kms.restore();
  jest.restoreAllMocks();
});

test('publishes the KMS signing key as an ES256 JWK named by the key id', async () => {
  // WHEN
  const response = await handler(event);
  // THEN
  const { x, y } = signingKey.publicKey.export({ format: 'jwk' });
  expect(response.statusCode).toBe(200);
  expect(JSON.parse(response.body)).toEqual({ keys: [{ kty: 'EC', crv: 'P-256', x, y, kid: SIGNING_KEY_ID, alg: 'ES256', use: 'sig' }] });
  expect(kms.commandCalls(sdk.GetPublicKeyCommand)[0].args[0].input).toEqual({ KeyId: SIGNING_KEY_ARN });
});

test('lets clients and CDNs cache the key set for five minutes', async () => {
  const response = await handler(event);
  expect(response.headers).toMatchObject({ 'Cache-Control': 'public, max-age=300', 'X-Content-Type-Options': 'nosniff' });
});

test('publishes a key that verifies a token signed through KMS', async () => {
  // GIVEN a service token signed by the platform's KMS signing code
  const { signJwtWithKms } = require('../../../lambdas/shared/es256') as typeof import('../../../lambdas/shared/es256');
  const token = await signJwtWithKms(new sdk.KMSClient({}), SIGNING_KEY_ARN, serviceClaims());
  // WHEN
  const [jwk] = JSON.parse((await handler(event)).body).keys;
  // THEN
  expect(decodeToken(token).header.kid).toBe(jwk.kid);
  expect(verifyEs256(token, createPublicKey({ key: jwk, format: 'jwk' }))).toBe(true);
});

test('reads KMS once per container', async () => {
  await handler(event);
  await handler(event);
  expect(kms.commandCalls(sdk.GetPublicKeyCommand)).toHaveLength(1);
});

test('answers 500 without internals when KMS fails, and retries on the next request', async () => {
  // GIVEN
  kms.on(sdk.GetPublicKeyCommand).rejectsOnce(new Error('AccessDeniedException: secret detail')).resolves(aws.publicKeyResponse(signingKey));
  // WHEN
  const failed = await handler(event);
  const retried = await handler(event);
  // THEN
  expect(failed.statusCode).toBe(500);
  expect(JSON.parse(failed.body)).toEqual({ code: 'internal_error', message: 'The server could not complete the request.', details: {} });
  expect(retried.statusCode).toBe(200);
});

test('refuses to publish a key that is not a P-256 signing key', async () => {
  kms.on(sdk.GetPublicKeyCommand).resolves({ KeyId: SIGNING_KEY_ARN, PublicKey: new Uint8Array([1]), KeySpec: 'RSA_2048', KeyUsage: 'SIGN_VERIFY' });
  expect((await handler(event)).statusCode).toBe(500);
});

describe('GET /.well-known/openid-configuration', () => {
  test('is the OIDC discovery document STS reads: the issuer, its key set and ES256', async () => {
    // WHEN
    const response = await handler(discovery);
    // THEN
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body)).toEqual({
      issuer: SERVICE_TOKEN_ISSUER,
      jwks_uri: `${SERVICE_TOKEN_ISSUER}/.well-known/jwks.json`,
      response_types_supported: ['id_token'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['ES256'],
      claims_supported: expect.arrayContaining(['iss', 'sub', 'aud', 'exp', 'iat', 'tenant_id', 'app_id', 'https://aws.amazon.com/tags']),
    });
  });

  test('names an issuer without a trailing slash, so iss and jwks_uri join cleanly', async () => {
    const { issuer, jwks_uri: jwksUri } = JSON.parse((await handler(discovery)).body);
    expect(issuer).not.toMatch(/\/$/);
    expect(jwksUri).not.toContain('//.well-known');
  });

  test('is served without reading KMS, cacheable for five minutes', async () => {
    const response = await handler(discovery);
    expect(kms.commandCalls(sdk.GetPublicKeyCommand)).toHaveLength(0);
    expect(response.headers).toMatchObject({ 'Cache-Control': 'public, max-age=300' });
  });
});

test('counts each request per tenant and app in metrics', async () => {
  const logs = aws.captureLogs();
  await handler(event);
  expect(logs.lines()).toContainEqual(expect.objectContaining({ Requests: 1, tenantId: 'unknown', service: 'jwks' }));
});

import { GetPublicKeyCommand, KMSClient, SignCommand } from '@aws-sdk/client-kms';
import { SSMClient } from '@aws-sdk/client-ssm';
import { clearCaches } from '@aws-lambda-powertools/parameters';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { SimpleFetcher } from 'aws-jwt-verify/https';
import { mockClient } from 'aws-sdk-client-mock';
import { captureLogs, fakeKms, fakeRegistry } from '../support/aws';
import {
  appRecord,
  COGNITO_ISSUER,
  cognitoAccessClaims,
  exchangeForm,
  isoDay,
  PLATFORM_ENV,
  SERVICE_TOKEN_AUDIENCE,
  SERVICE_TOKEN_ISSUER,
  SERVICE_TOKEN_TTL_SECONDS,
  sessionTagsClaim,
  SIGNING_KEY_ARN,
  SIGNING_KEY_ID,
  tokenRequest,
} from '../support/fixtures';
import {
  decodeToken,
  ecKey,
  hs256Token,
  nowSeconds,
  rsaKey,
  signToken,
  tamperPayload,
  unsignedToken,
  verifyEs256,
  type Claims,
} from '../support/tokens';

Object.assign(process.env, PLATFORM_ENV);

const kms = mockClient(KMSClient);
const ssm = mockClient(SSMClient);
const cognitoKey = rsaKey('cognito-key-1');
const signingKey = ecKey(SIGNING_KEY_ID);
let handler: (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;
let logs: ReturnType<typeof captureLogs>;

// Loaded after the environment is set, as Lambda does.
beforeAll(() => {
  ({ handler } = require('../../../lambdas/token-exchange/handler') as typeof import('../../../lambdas/token-exchange/handler'));
  // The test seam: the handler's own verifier, given the local Cognito key instead of reaching Cognito.
  const { subjectTokenVerifier } = require('../../../lambdas/token-exchange/subject-token') as typeof import('../../../lambdas/token-exchange/subject-token');
  subjectTokenVerifier.cacheJwks({ keys: [cognitoKey.jwk] });
});

beforeEach(() => {
  kms.reset();
  ssm.reset();
  clearCaches();
  fakeKms(kms, signingKey);
  fakeRegistry(ssm, [
    appRecord(),
    appRecord({ appId: 'acme-crm', clientId: 'client-acme-crm', scopes: ['whoami.read'] }),
    appRecord({ tenantId: 'globex', appId: 'globex-notes', clientId: 'client-acme-notes' }),
    appRecord({ appId: 'acme-old', enabled: false }),
    appRecord({ appId: 'acme-legacy', expires: isoDay(-1) }),
    appRecord({ appId: 'acme-lastday', expires: isoDay(0) }),
  ]);
  jest.spyOn(SimpleFetcher.prototype, 'fetch').mockRejectedValue(new Error('tests never reach the network'));
  logs = captureLogs();
});

afterEach(() => jest.restoreAllMocks());

const accessToken = (claims: Claims = {}): string => signToken(cognitoAccessClaims(claims), cognitoKey);
const exchange = (subjectToken: string, params: Record<string, string> = {}): Promise<APIGatewayProxyResult> =>
  handler(tokenRequest(exchangeForm(subjectToken, params)));
const bodyOf = (response: APIGatewayProxyResult): Record<string, any> => JSON.parse(response.body);

function expectRefusal(response: APIGatewayProxyResult, status: number, error: string): void {
  expect({ status: response.statusCode, error: bodyOf(response).error }).toEqual({ status, error });
  expect(kms.commandCalls(SignCommand)).toHaveLength(0);
}

describe('a successful exchange', () => {
  test('returns a bearer service token for the app with its lifetime and scopes', async () => {
    // WHEN
    const response = await exchange(accessToken());
    // THEN
    expect(response.statusCode).toBe(200);
    expect(bodyOf(response)).toEqual({
      access_token: expect.any(String),
      issued_token_type: 'urn:ietf:params:oauth:token-type:access_token',
      token_type: 'Bearer',
      expires_in: SERVICE_TOKEN_TTL_SECONDS,
      scope: 'whoami.read notes.read notes.write',
    });
  });

  test('forbids caching the response and carries the security headers', async () => {
    const response = await exchange(accessToken());
    expect(response.headers).toMatchObject({
      'Cache-Control': 'no-store',
      'Content-Type': 'application/json; charset=utf-8',
      'X-Content-Type-Options': 'nosniff',
      'Strict-Transport-Security': expect.stringContaining('max-age='),
    });
  });

  test('signs the raw signing input with the platform KMS key as ECDSA_SHA_256', async () => {
    // WHEN
    const token = bodyOf(await exchange(accessToken())).access_token as string;
    // THEN
    const [header, payload] = token.split('.');
    const calls = kms.commandCalls(SignCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0].args[0].input).toEqual({
      KeyId: SIGNING_KEY_ARN,
      MessageType: 'RAW',
      SigningAlgorithm: 'ECDSA_SHA_256',
      Message: Buffer.from(`${header}.${payload}`),
    });
  });

  test('issues a token whose 64-byte R||S signature verifies with the public key', async () => {
    const token = bodyOf(await exchange(accessToken())).access_token as string;
    expect(Buffer.from(token.split('.')[2], 'base64url')).toHaveLength(64);
    expect(verifyEs256(token, signingKey.publicKey)).toBe(true);
  });

  test('issues a token with the ES256 header naming the key id', async () => {
    const token = bodyOf(await exchange(accessToken())).access_token as string;
    expect(decodeToken(token).header).toEqual({ alg: 'ES256', typ: 'JWT', kid: SIGNING_KEY_ID });
  });

  test('issues a token carrying the user, tenant, app, scopes and a short lifetime', async () => {
    // GIVEN
    const before = nowSeconds();
    // WHEN
    const token = bodyOf(await exchange(accessToken())).access_token as string;
    // THEN
    const { payload } = decodeToken(token);
    expect(payload).toEqual({
      iss: SERVICE_TOKEN_ISSUER,
      sub: 'user-0001',
      aud: SERVICE_TOKEN_AUDIENCE,
      tenant_id: 'acme',
      'https://aws.amazon.com/tags': sessionTagsClaim('acme'),
      app_id: 'acme-notes',
      scope: 'whoami.read notes.read notes.write',
      client_id: 'client-acme-notes',
      token_use: 'service',
      jti: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/),
      iat: expect.any(Number),
      nbf: payload.iat,
      exp: (payload.iat as number) + SERVICE_TOKEN_TTL_SECONDS,
    });
    expect(payload.iat).toBeGreaterThanOrEqual(before);
    expect(payload.iat).toBeLessThanOrEqual(nowSeconds());
  });

  test('names the platform API as audience and the tenant as the TenantId session tag STS reads', async () => {
    const { payload } = decodeToken(bodyOf(await exchange(accessToken())).access_token);
    expect(payload.aud).toBe('microplane-dev-api');
    expect(payload['https://aws.amazon.com/tags']).toEqual({ principal_tags: { TenantId: ['acme'] }, transitive_tag_keys: ['TenantId'] });
  });

  test('gives every service token its own id', async () => {
    const first = decodeToken(bodyOf(await exchange(accessToken())).access_token).payload.jti;
    const second = decodeToken(bodyOf(await exchange(accessToken())).access_token).payload.jti;
    expect(first).not.toEqual(second);
  });

  test('grants only the scopes asked for', async () => {
    const response = await exchange(accessToken(), { scope: 'whoami.read notes.read' });
    expect(bodyOf(response).scope).toBe('whoami.read notes.read');
    expect(decodeToken(bodyOf(response).access_token).payload.scope).toBe('whoami.read notes.read');
  });

  test('accepts a base64-encoded body', async () => {
    const response = await handler(tokenRequest(exchangeForm(accessToken()), { base64: true }));
    expect(response.statusCode).toBe(200);
  });

  test('accepts a JWT as requested token type', async () => {
    const response = await exchange(accessToken(), { requested_token_type: 'urn:ietf:params:oauth:token-type:jwt' });
    expect(response.statusCode).toBe(200);
  });

  test('accepts an app on the last day before it expires', async () => {
    const response = await exchange(accessToken(), { audience: 'acme-lastday' });
    expect(response.statusCode).toBe(200);
  });

  test('looks the app up under the registry prefix', async () => {
    await exchange(accessToken());
    expect(ssm.call(0).args[0].input).toMatchObject({ Name: '/microplane/dev/apps/acme-notes' });
  });

  test('logs the tenant, app and request id but never a token', async () => {
    // GIVEN
    const subjectToken = accessToken();
    // WHEN
    const serviceToken = bodyOf(await exchange(subjectToken)).access_token as string;
    // THEN
    expect(logs.lines()).toContainEqual(
      expect.objectContaining({ message: 'Service token issued', tenantId: 'acme', appId: 'acme-notes', correlation_id: 'request-0001' }),
    );
    expect(logs.text()).not.toContain(subjectToken.split('.')[2]);
    expect(logs.text()).not.toContain(serviceToken.split('.')[2]);
  });
});

describe('a bad subject token is invalid_grant (401)', () => {
  test('an expired access token is refused', async () => {
    const now = nowSeconds();
    const response = await exchange(accessToken({ iat: now - 7200, exp: now - 60 }));
    expectRefusal(response, 401, 'invalid_grant');
    expect(bodyOf(response).error_description).toBe('The subject token has expired.');
  });

  test('an access token that is not yet valid is refused', async () => {
    expectRefusal(await exchange(accessToken({ nbf: nowSeconds() + 600 })), 401, 'invalid_grant');
  });

  test('an access token of another issuer is refused', async () => {
    const token = accessToken({ iss: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_OtherPool' });
    expectRefusal(await exchange(token), 401, 'invalid_grant');
  });

  test('an unsigned token (alg none) is refused', async () => {
    const token = unsignedToken(cognitoAccessClaims(), { kid: cognitoKey.kid });
    expectRefusal(await exchange(token), 401, 'invalid_grant');
  });

  test('a token signed with HS256 using the public key as secret is refused', async () => {
    const publicPem = cognitoKey.publicKey.export({ format: 'pem', type: 'spki' });
    const token = hs256Token(cognitoAccessClaims(), publicPem, { kid: cognitoKey.kid });
    expectRefusal(await exchange(token), 401, 'invalid_grant');
  });

  test('a token whose payload was altered after signing is refused', async () => {
    const token = tamperPayload(accessToken({ tenant_id: 'globex' }), { tenant_id: 'acme' });
    expectRefusal(await exchange(token), 401, 'invalid_grant');
  });

  test('a token signed by a key the user pool does not publish is refused', async () => {
    // GIVEN the pool's JWKS, re-read from Cognito for an unknown kid, still lacks it
    const fetch = jest
      .spyOn(SimpleFetcher.prototype, 'fetch')
      .mockResolvedValue(new TextEncoder().encode(JSON.stringify({ keys: [cognitoKey.jwk] })).buffer as ArrayBuffer);
    const token = signToken(cognitoAccessClaims(), rsaKey('attacker-key'));
    // WHEN
    const response = await exchange(token);
    // THEN
    expectRefusal(response, 401, 'invalid_grant');
    expect(fetch).toHaveBeenCalledWith(`${COGNITO_ISSUER}/.well-known/jwks.json`);
  });

  test('a Cognito ID token is refused where an access token is required', async () => {
    const idToken = signToken(
      cognitoAccessClaims({ token_use: 'id', aud: 'client-acme-notes', client_id: undefined, 'custom:tenant_id': 'acme' }),
      cognitoKey,
    );
    expectRefusal(await exchange(idToken), 401, 'invalid_grant');
  });

  test('an access token without a tenant is refused', async () => {
    const response = await exchange(accessToken({ tenant_id: undefined }));
    expectRefusal(response, 401, 'invalid_grant');
    expect(bodyOf(response).error_description).toBe('The subject token carries no tenant.');
  });

  test('an access token issued to another app of the tenant cannot be swapped for this app', async () => {
    // GIVEN a token the user obtained through the acme CRM app
    const crmToken = accessToken({ client_id: 'client-acme-crm' });
    // WHEN the CRM app asks for a service token of the notes app
    const response = await exchange(crmToken, { audience: 'acme-notes' });
    // THEN
    expectRefusal(response, 401, 'invalid_grant');
    expect(bodyOf(response).details).toEqual({ parameter: 'subject_token' });
  });

  test('a refusal carries both the OAuth error and the house envelope', async () => {
    const response = await exchange(unsignedToken(cognitoAccessClaims()));
    expect(bodyOf(response)).toEqual({
      error: 'invalid_grant',
      error_description: 'The subject token is not valid.',
      code: 'invalid_grant',
      message: 'The subject token is not valid.',
      details: { parameter: 'subject_token' },
    });
  });
});

describe('an app the user may not use is invalid_target (400)', () => {
  test('a tenant-A user cannot get a token for a tenant-B app', async () => {
    expectRefusal(await exchange(accessToken(), { audience: 'globex-notes' }), 400, 'invalid_target');
  });

  test('an app of another tenant looks exactly like an app that does not exist', async () => {
    const otherTenant = await exchange(accessToken(), { audience: 'globex-notes' });
    const unknown = await exchange(accessToken(), { audience: 'nobody-app' });
    expect(otherTenant.body).toEqual(unknown.body);
  });

  test('an unknown app is refused', async () => {
    expectRefusal(await exchange(accessToken(), { audience: 'nobody-app' }), 400, 'invalid_target');
  });

  test('an audience that is not an app id is refused without a registry lookup', async () => {
    expectRefusal(await exchange(accessToken(), { audience: '../tenants/acme' }), 400, 'invalid_target');
    expect(ssm.calls()).toHaveLength(0);
  });

  test('an expired app is refused', async () => {
    expectRefusal(await exchange(accessToken(), { audience: 'acme-legacy' }), 400, 'invalid_target');
  });

  test('a disabled app is refused', async () => {
    expectRefusal(await exchange(accessToken(), { audience: 'acme-old' }), 400, 'invalid_target');
  });
});

describe('scopes', () => {
  test('asking for a scope the app was not granted is invalid_scope (400)', async () => {
    const crmToken = accessToken({ client_id: 'client-acme-crm' });
    const response = await exchange(crmToken, { audience: 'acme-crm', scope: 'whoami.read notes.write' });
    expectRefusal(response, 400, 'invalid_scope');
    expect(bodyOf(response).details).toEqual({ scopes: ['notes.write'] });
  });

  test('a malformed scope parameter is invalid_scope (400)', async () => {
    expectRefusal(await exchange(accessToken(), { scope: 'whoami.read "x"' }), 400, 'invalid_scope');
  });
});

describe('a malformed request is invalid_request (400)', () => {
  test('a repeated subject token is refused', async () => {
    const body = `${new URLSearchParams(exchangeForm(accessToken())).toString()}&subject_token=${accessToken()}`;
    const response = await handler(tokenRequest(body));
    expectRefusal(response, 400, 'invalid_request');
    expect(bodyOf(response).details).toEqual({ parameter: 'subject_token' });
  });

  test('a request without audience is refused', async () => {
    const form = exchangeForm(accessToken());
    delete (form as Partial<typeof form>).audience;
    const response = await handler(tokenRequest(form));
    expectRefusal(response, 400, 'invalid_request');
    expect(bodyOf(response).details).toEqual({ parameter: 'audience' });
  });

  test('a request without subject token is refused', async () => {
    expectRefusal(await exchange('', {}), 400, 'invalid_request');
  });

  test('a subject token type other than access token is refused', async () => {
    const response = await exchange(accessToken(), { subject_token_type: 'urn:ietf:params:oauth:token-type:id_token' });
    expectRefusal(response, 400, 'invalid_request');
  });

  test('an unsupported requested token type is refused', async () => {
    const response = await exchange(accessToken(), { requested_token_type: 'urn:ietf:params:oauth:token-type:saml2' });
    expectRefusal(response, 400, 'invalid_request');
  });

  test('a JSON body is refused', async () => {
    const event = tokenRequest(JSON.stringify(exchangeForm(accessToken())), { contentType: 'application/json' });
    const response = await handler(event);
    expectRefusal(response, 400, 'invalid_request');
    expect(bodyOf(response).details).toEqual({ parameter: 'content-type' });
  });

  test('a repeated parameter is refused', async () => {
    const body = `${new URLSearchParams(exchangeForm(accessToken())).toString()}&audience=globex-notes`;
    const response = await handler(tokenRequest(body));
    expectRefusal(response, 400, 'invalid_request');
    expect(bodyOf(response).details).toEqual({ parameter: 'audience' });
  });

  test('a body over 16 KiB is refused', async () => {
    const response = await exchange(accessToken(), { padding: 'x'.repeat(16 * 1024) });
    expectRefusal(response, 400, 'invalid_request');
    expect(bodyOf(response).details).toEqual({ parameter: 'body' });
  });

  test('a delegation request with an actor token is refused', async () => {
    expectRefusal(await exchange(accessToken(), { actor_token: accessToken() }), 400, 'invalid_request');
  });
});

describe('other refusals of RFC 6749 and RFC 8693', () => {
  test('a grant type other than token exchange is unsupported_grant_type (400)', async () => {
    const response = await exchange(accessToken(), { grant_type: 'client_credentials' });
    expectRefusal(response, 400, 'unsupported_grant_type');
    expect(bodyOf(response)).toMatchObject({ code: 'unsupported_grant_type', details: { parameter: 'grant_type' } });
  });

  test('a resource indicator is invalid_target (400): the app is named by audience alone', async () => {
    const response = await exchange(accessToken(), { resource: 'https://api.example.com/' });
    expectRefusal(response, 400, 'invalid_target');
    expect(bodyOf(response).details).toEqual({ parameter: 'resource' });
  });

  test('an invalid_grant 401 names the Bearer scheme and invalid_token in WWW-Authenticate', async () => {
    const response = await exchange(unsignedToken(cognitoAccessClaims()));
    expect(response.statusCode).toBe(401);
    expect(response.headers).toMatchObject({ 'WWW-Authenticate': 'Bearer realm="microplane", error="invalid_token"' });
  });

  test('a 400 carries no WWW-Authenticate', async () => {
    const response = await exchange(accessToken(), { audience: 'nobody-app' });
    expect(response.headers).not.toHaveProperty('WWW-Authenticate');
  });
});

describe('metrics', () => {
  const metricLines = () => logs.lines().filter((line) => '_aws' in line);

  test('an issued token is counted as a request of its tenant and app', async () => {
    await exchange(accessToken());
    expect(metricLines()).toEqual([expect.objectContaining({ tenantId: 'acme', appId: 'acme-notes', Requests: 1 })]);
  });

  test('a refusal is counted as a denial, never under an app id the caller chose', async () => {
    await exchange(accessToken(), { audience: 'globex-notes' });
    expect(metricLines()).toEqual([expect.objectContaining({ tenantId: 'acme', appId: 'unknown', Denials: 1 })]);
  });
});

describe('failures of the platform are server_error (500)', () => {
  test('a KMS failure is reported without internals', async () => {
    // GIVEN
    kms.on(SignCommand).rejects(new Error('AccessDeniedException: kms:Sign on arn:aws:kms:secret'));
    // WHEN
    const response = await exchange(accessToken());
    // THEN
    expect(response.statusCode).toBe(500);
    expect(bodyOf(response)).toEqual({
      error: 'server_error',
      error_description: 'The server could not complete the request.',
      code: 'server_error',
      message: 'The server could not complete the request.',
      details: {},
    });
  });

  test('a malformed registry entry is a server error, not a refusal', async () => {
    fakeRegistry(ssm, [{ ...appRecord(), scopes: 'all' as unknown as string[] }]);
    expect((await exchange(accessToken())).statusCode).toBe(500);
  });

  test('the token endpoint never reads the public key', async () => {
    await exchange(accessToken());
    expect(kms.commandCalls(GetPublicKeyCommand)).toHaveLength(0);
  });
});

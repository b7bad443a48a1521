import { GetPublicKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { clearCaches } from '@aws-lambda-powertools/parameters';
import { Tracer } from '@aws-lambda-powertools/tracer';
import type { APIGatewayAuthorizerResult, APIGatewayTokenAuthorizerEvent, Context, Statement } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { captureLogs, fakeKms, fakeRegistry } from '../support/aws';
import {
  appRecord,
  COGNITO_ISSUER,
  cognitoAccessClaims,
  isoDay,
  PLATFORM_ENV,
  serviceClaims,
  SERVICE_TOKEN_AUDIENCE,
  sessionTagsClaim,
  SIGNING_KEY_ID,
} from '../support/fixtures';
import { sign } from 'node:crypto';
import { ecKey, hs256Token, nowSeconds, rsaKey, signToken, tamperPayload, unsignedToken, type Claims, type Header } from '../support/tokens';

Object.assign(process.env, PLATFORM_ENV);

const STAGE_ARN = 'arn:aws:execute-api:eu-west-1:123456789012:abcdef1234/prod/';
const WHOAMI_ARN = `${STAGE_ARN}GET/v1/whoami`;

const kms = mockClient(KMSClient);
const ssm = mockClient(SSMClient);
const signingKey = ecKey(SIGNING_KEY_ID);
const apps = [
  appRecord(),
  appRecord({ appId: 'acme-crm', clientId: 'client-acme-crm', scopes: ['whoami.read'], usageKey: 'usage-key-acme-crm' }),
  appRecord({ tenantId: 'globex', appId: 'globex-notes', clientId: 'client-globex-notes' }),
  appRecord({ appId: 'acme-old', enabled: false }),
  appRecord({ appId: 'acme-legacy', expires: isoDay(-1) }),
];
let handler: (event: APIGatewayTokenAuthorizerEvent, context?: Context) => Promise<APIGatewayAuthorizerResult>;

function useFakeAws(): void {
  kms.reset();
  ssm.reset();
  clearCaches();
  fakeKms(kms, signingKey);
  fakeRegistry(ssm, apps);
}

const authorize = (authorizationToken: string, methodArn = WHOAMI_ARN): Promise<APIGatewayAuthorizerResult> =>
  handler({ type: 'TOKEN', authorizationToken, methodArn }, { awsRequestId: 'request-0001' } as Context);
const serviceToken = (claims: Claims = {}): string => signToken(serviceClaims(claims), signingKey);
const bearer = (claims: Claims = {}): string => `Bearer ${serviceToken(claims)}`;

function statements(result: APIGatewayAuthorizerResult): Statement[] {
  return result.policyDocument.Statement;
}
function allowedResources(result: APIGatewayAuthorizerResult): string[] {
  return statements(result)
    .filter((statement) => statement.Effect === 'Allow')
    .flatMap((statement) => ('Resource' in statement && statement.Resource ? [statement.Resource].flat() : []));
}
function expectDenyAll(result: APIGatewayAuthorizerResult): void {
  expect(statements(result)).toEqual([{ Effect: 'Deny', Action: 'execute-api:Invoke', Resource: `${STAGE_ARN}*` }]);
}

// Loaded after the environment is set, as Lambda does.
beforeAll(async () => {
  captureLogs();
  useFakeAws();
  ({ handler } = require('../../../lambdas/authorizer/handler') as typeof import('../../../lambdas/authorizer/handler'));
  await authorize(bearer()); // a warm container: the signing key is loaded
});

let logs: ReturnType<typeof captureLogs>;

beforeEach(() => {
  useFakeAws();
  logs = captureLogs();
});

afterEach(() => jest.restoreAllMocks());

describe('a valid service token', () => {
  test('is allowed exactly the routes whose scope it carries', async () => {
    // GIVEN a token with whoami.read and notes.read, but not notes.write
    const token = bearer({ scope: 'whoami.read notes.read' });
    // WHEN
    const result = await authorize(token);
    // THEN
    expect(statements(result)).toEqual([
      {
        Effect: 'Allow',
        Action: 'execute-api:Invoke',
        Resource: [`${STAGE_ARN}GET/v1/whoami`, `${STAGE_ARN}GET/v1/notes`, `${STAGE_ARN}GET/v1/notes/*`],
      },
      // An IAM * also matches /, so the {noteId} wildcard must not reach deeper paths.
      { Effect: 'Deny', Action: 'execute-api:Invoke', Resource: [`${STAGE_ARN}GET/v1/notes/*/*`] },
    ]);
  });

  test('gets the same policy whichever route it calls first, so the policy cache is correct', async () => {
    const token = bearer({ scope: 'whoami.read notes.read' });
    const viaWhoami = await authorize(token, WHOAMI_ARN);
    const viaNote = await authorize(token, `${STAGE_ARN}GET/v1/notes/note-42`);
    expect(viaNote.policyDocument).toEqual(viaWhoami.policyDocument);
  });

  test('passes the tenant, app, scopes, subject and token id to the integration', async () => {
    // GIVEN
    const claims = serviceClaims({ scope: 'whoami.read notes.read' });
    // WHEN
    const result = await authorize(`Bearer ${signToken(claims, signingKey)}`);
    // THEN
    expect(result.principalId).toBe('user-0001');
    expect(result.context).toEqual({
      tenantId: 'acme',
      appId: 'acme-notes',
      scopes: 'whoami.read notes.read',
      subject: 'user-0001',
      tokenId: claims.jti,
    });
  });

  test('carries the usage key of its app so the app is metered on its usage plan', async () => {
    const result = await authorize(bearer({ app_id: 'acme-crm', scope: 'whoami.read' }));
    expect(result.usageIdentifierKey).toBe('usage-key-acme-crm');
  });

  test('is checked against the app registry entry of its app', async () => {
    await authorize(bearer());
    expect(ssm.commandCalls(GetParameterCommand)[0].args[0].input).toMatchObject({ Name: '/microplane/dev/apps/acme-notes' });
  });

  test('is verified without reading KMS again once the key is loaded', async () => {
    await authorize(bearer());
    await authorize(bearer({ scope: 'notes.read' }));
    expect(kms.commandCalls(GetPublicKeyCommand)).toHaveLength(0);
  });

  test('loses the scopes its app no longer has', async () => {
    // GIVEN the CRM app now has only whoami.read
    const token = bearer({ app_id: 'acme-crm', scope: 'whoami.read notes.read' });
    // WHEN
    const result = await authorize(token);
    // THEN
    expect(allowedResources(result)).toEqual([`${STAGE_ARN}GET/v1/whoami`]);
    expect(result.context?.scopes).toBe('whoami.read');
  });
});

describe('a route whose scope the token lacks is not allowed (API Gateway answers 403)', () => {
  test('a token without whoami.read is not allowed GET /v1/whoami', async () => {
    const result = await authorize(bearer({ scope: 'notes.read' }));
    expect(allowedResources(result)).not.toContain(WHOAMI_ARN);
    expect(allowedResources(result)).toEqual([`${STAGE_ARN}GET/v1/notes`, `${STAGE_ARN}GET/v1/notes/*`]);
  });

  test('a token without any route scope is denied everything', async () => {
    expectDenyAll(await authorize(bearer({ scope: 'profile.read' })));
  });
});

describe('an app that may not call is denied everything (403)', () => {
  test('a tenant-A token naming a tenant-B app is denied', async () => {
    expectDenyAll(await authorize(bearer({ tenant_id: 'acme', app_id: 'globex-notes' })));
  });

  test('a denied app gets no usage key and no context', async () => {
    const result = await authorize(bearer({ app_id: 'acme-old' }));
    expect(result.usageIdentifierKey).toBeUndefined();
    expect(result.context).toBeUndefined();
  });

  test('a token of an expired app is denied', async () => {
    expectDenyAll(await authorize(bearer({ app_id: 'acme-legacy' })));
  });

  test('a token of a disabled app is denied', async () => {
    expectDenyAll(await authorize(bearer({ app_id: 'acme-old' })));
  });

  test('a token of an app no longer in the registry is denied', async () => {
    expectDenyAll(await authorize(bearer({ app_id: 'acme-gone' })));
  });
});

describe('a bad token is Unauthorized (401)', () => {
  test('an expired token is refused', async () => {
    const now = nowSeconds();
    await expect(authorize(bearer({ iat: now - 1200, nbf: now - 1200, exp: now - 60 }))).rejects.toThrow(/^Unauthorized$/);
  });

  test('a token that is not yet valid is refused', async () => {
    await expect(authorize(bearer({ nbf: nowSeconds() + 300 }))).rejects.toThrow(/^Unauthorized$/);
  });

  test('a token of another issuer is refused', async () => {
    await expect(authorize(bearer({ iss: 'https://evil.example' }))).rejects.toThrow(/^Unauthorized$/);
  });

  test('a token whose audience is its app rather than the platform API is refused', async () => {
    await expect(authorize(bearer({ aud: 'acme-notes' }))).rejects.toThrow(/^Unauthorized$/);
  });

  test('a token with several audiences is refused', async () => {
    await expect(authorize(bearer({ aud: [SERVICE_TOKEN_AUDIENCE, 'acme-notes'] }))).rejects.toThrow(/^Unauthorized$/);
  });

  test('an unsigned token (alg none) is refused', async () => {
    const token = unsignedToken(serviceClaims(), { kid: SIGNING_KEY_ID });
    await expect(authorize(`Bearer ${token}`)).rejects.toThrow(/^Unauthorized$/);
  });

  test('a token claiming alg none but carrying a real signature is refused', async () => {
    const [, payload, signature] = serviceToken().split('.');
    const header = Buffer.from(JSON.stringify({ alg: 'none', kid: SIGNING_KEY_ID })).toString('base64url');
    await expect(authorize(`Bearer ${header}.${payload}.${signature}`)).rejects.toThrow(/^Unauthorized$/);
  });

  test('a token signed with HS256 using the public key as secret is refused', async () => {
    const publicPem = signingKey.publicKey.export({ format: 'pem', type: 'spki' });
    const token = hs256Token(serviceClaims(), publicPem, { kid: SIGNING_KEY_ID });
    await expect(authorize(`Bearer ${token}`)).rejects.toThrow(/^Unauthorized$/);
  });

  test('a token whose scopes were raised after signing is refused', async () => {
    const token = tamperPayload(serviceToken({ scope: 'whoami.read' }), { scope: 'whoami.read notes.write' });
    await expect(authorize(`Bearer ${token}`)).rejects.toThrow(/^Unauthorized$/);
  });

  test('a token naming an unknown key is refused without reading KMS again', async () => {
    // GIVEN a token signed by someone else's key
    const token = signToken(serviceClaims(), ecKey('attacker-key'));
    // WHEN / THEN
    await expect(authorize(`Bearer ${token}`)).rejects.toThrow(/^Unauthorized$/);
    expect(kms.commandCalls(GetPublicKeyCommand)).toHaveLength(0);
  });

  test('a token signed by another key under the platform key id is refused', async () => {
    const token = signToken(serviceClaims(), ecKey(SIGNING_KEY_ID));
    await expect(authorize(`Bearer ${token}`)).rejects.toThrow(/^Unauthorized$/);
  });

  test('a Cognito access token is refused where a service token is required', async () => {
    const cognitoToken = signToken(cognitoAccessClaims({ iss: COGNITO_ISSUER }), rsaKey('cognito-key-1'));
    await expect(authorize(`Bearer ${cognitoToken}`)).rejects.toThrow(/^Unauthorized$/);
  });

  test('a platform-signed token that is not a service token is refused', async () => {
    await expect(authorize(bearer({ token_use: 'access' }))).rejects.toThrow(/^Unauthorized$/);
  });

  test('a token without expiry is refused', async () => {
    await expect(authorize(bearer({ exp: undefined }))).rejects.toThrow(/^Unauthorized$/);
  });

  test('a token without the Bearer scheme is refused', async () => {
    await expect(authorize(serviceToken())).rejects.toThrow(/^Unauthorized$/);
  });

  test('a refused token is never looked up in the registry', async () => {
    await expect(authorize(bearer({ iss: 'https://evil.example' }))).rejects.toThrow(/^Unauthorized$/);
    expect(ssm.calls()).toHaveLength(0);
  });
});

describe('platform failures', () => {
  test('a registry outage is not mistaken for a bad token', async () => {
    ssm.on(GetParameterCommand).rejects(new Error('ThrottlingException'));
    await expect(authorize(bearer())).rejects.toThrow(expect.objectContaining({ message: expect.not.stringMatching(/^Unauthorized$/) }));
  });
});

const b64 = (value: unknown): string => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
/** A platform-signed token whose signature part is replaced. */
function withSignature(signature: Buffer): string {
  const [header, payload] = serviceToken().split('.');
  return `${header}.${payload}.${signature.toString('base64url')}`;
}
/** A token with the platform's real signature but another header. */
function withHeader(header: Header | string | unknown[]): string {
  const [, payload, signature] = serviceToken().split('.');
  return `${typeof header === 'string' ? header : b64(header)}.${payload}.${signature}`;
}
function derSigned(): string {
  const [header, payload] = serviceToken().split('.');
  return withSignature(sign('sha256', Buffer.from(`${header}.${payload}`), signingKey.privateKey)); // DER, as KMS returns it
}

describe('a malformed token is a 401 logged at WARN, never a 500, and never logged', () => {
  const now = nowSeconds();
  test.each<[string, () => string]>([
    ['a DER-encoded signature', derSigned],
    ['a 63-byte signature', () => withSignature(Buffer.alloc(63, 1))],
    ['a 65-byte signature', () => withSignature(Buffer.alloc(65, 1))],
    ['an empty signature', () => withSignature(Buffer.alloc(0))],
    ['a header that is not base64url of anything', () => withHeader('A')],
    ['a header that is not JSON', () => withHeader(b64('not json'))],
    ['a header that is a JSON array', () => withHeader(['ES256'])],
    ['a payload that is not JSON', () => `${serviceToken().split('.')[0]}.${b64('{')}.${serviceToken().split('.')[2]}`],
    ['a wrong alg', () => withHeader({ alg: 'ES384', typ: 'JWT', kid: SIGNING_KEY_ID })],
    ['alg none with a real signature', () => withHeader({ alg: 'none', kid: SIGNING_KEY_ID })],
    ['no kid', () => withHeader({ alg: 'ES256', typ: 'JWT' })],
    ['an unknown kid', () => withHeader({ alg: 'ES256', typ: 'JWT', kid: 'unknown-key' })],
    ['a crit header', () => signToken(serviceClaims(), signingKey, { crit: ['exp'], exp: 1 })],
    ['a lifetime over 15 minutes', () => serviceToken({ iat: now, nbf: now, exp: now + 901 })],
    ['an iat more than 60 s in the future', () => serviceToken({ iat: now + 120, nbf: now, exp: now + 600 })],
    ['no iat', () => serviceToken({ iat: undefined })],
    ['a session-tags tenant other than tenant_id', () => serviceToken({ 'https://aws.amazon.com/tags': sessionTagsClaim('globex') })],
    ['no session-tags claim', () => serviceToken({ 'https://aws.amazon.com/tags': undefined })],
    ['two session-tags tenants', () => serviceToken({ 'https://aws.amazon.com/tags': { principal_tags: { TenantId: ['acme', 'globex'] } } })],
  ])('%s', async (_, token) => {
    // GIVEN
    const value = token();
    // WHEN / THEN
    await expect(authorize(`Bearer ${value}`)).rejects.toThrow(/^Unauthorized$/);
    expect(logs.lines()).toContainEqual(expect.objectContaining({ level: 'WARN', message: 'Service token refused', correlation_id: 'request-0001' }));
    expect(logs.lines().filter((line) => line.level === 'ERROR')).toEqual([]);
    expect(logs.text()).not.toContain(value.split('.')[2] || value);
  });

  test('a token issued 30 s ahead of our clock is accepted: the allowed skew is 60 s', async () => {
    const result = await authorize(bearer({ iat: now + 30, nbf: now, exp: now + 600 }));
    expect(allowedResources(result)).toContain(WHOAMI_ARN);
  });
});

describe('the Bearer scheme is case-insensitive', () => {
  test.each(['bearer', 'BEARER', 'bEaReR'])('%s is accepted', async (scheme) => {
    const result = await authorize(`${scheme} ${serviceToken()}`);
    expect(allowedResources(result)).toContain(WHOAMI_ARN);
  });
});

describe('metrics count requests and denials per tenant and app', () => {
  const metricLines = () => logs.lines().filter((line) => '_aws' in line);

  test('an allowed call is counted as a request of its tenant and app', async () => {
    await authorize(bearer());
    expect(metricLines()).toContainEqual(expect.objectContaining({ tenantId: 'acme', appId: 'acme-notes', Requests: 1 }));
    expect(metricLines()[0]).not.toHaveProperty('Denials');
  });

  test('a route the token lacks the scope for (403) is counted as a denial', async () => {
    await authorize(bearer({ scope: 'notes.read' }));
    expect(metricLines()).toContainEqual(expect.objectContaining({ tenantId: 'acme', appId: 'acme-notes', Denials: 1 }));
  });

  test('a refused token (401) is counted as a denial of an unknown caller', async () => {
    await expect(authorize(bearer({ iss: 'https://evil.example' }))).rejects.toThrow(/^Unauthorized$/);
    expect(metricLines()).toContainEqual(expect.objectContaining({ tenantId: 'unknown', Denials: 1 }));
  });

  test('every log line of a call carries the tenant, the app and the correlation id', async () => {
    await authorize(bearer({ app_id: 'acme-old' }));
    expect(logs.lines()).toContainEqual(
      expect.objectContaining({ message: 'App may not call the API', tenantId: 'acme', appId: 'acme-old', correlation_id: 'request-0001' }),
    );
  });
});

// The Tracer (from the Powertools layer in Lambda, node_modules here) is off outside Lambda; traced
// subsegments are tested in tracing.test.ts.
describe('the Powertools Tracer', () => {
  test('annotates the trace with the correlation id, the tenant and the app of the call', async () => {
    const putAnnotation = jest.spyOn(Tracer.prototype, 'putAnnotation');
    await authorize(bearer());
    expect(putAnnotation.mock.calls).toEqual([
      ['correlationId', 'request-0001'],
      ['tenantId', 'acme'],
      ['appId', 'acme-notes'],
    ]);
  });

  test('annotates a refused token with the correlation id only: its claims are not trusted', async () => {
    const putAnnotation = jest.spyOn(Tracer.prototype, 'putAnnotation');
    await expect(authorize(bearer({ iss: 'https://evil.example' }))).rejects.toThrow(/^Unauthorized$/);
    expect(putAnnotation.mock.calls).toEqual([['correlationId', 'request-0001']]);
  });
});

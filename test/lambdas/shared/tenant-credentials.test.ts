import { AssumeRoleCommand, AssumeRoleWithWebIdentityCommand, IDPCommunicationErrorException, STSClient, STSServiceException } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { ApiError } from '../../../lambdas/shared/errors';
import { TenantCredentials } from '../../../lambdas/shared/tenant-credentials';

const sts = mockClient(STSClient);
const ROLE_TEMPLATE = 'arn:aws:iam::123456789012:role/microplane-dev-tenant-{tenantId}';
const START = Date.parse('2025-03-10T12:00:00Z');
const ACME_TOKEN = 'eyJhbGciOiJFUzI1NiJ9.eyJ0ZW5hbnRfaWQiOiJhY21lIn0.c2lnbmF0dXJl';
const OTHER_ACME_TOKEN = 'eyJhbGciOiJFUzI1NiJ9.eyJ0ZW5hbnRfaWQiOiJhY21lIiwianRpIjoiMiJ9.c2lnbmF0dXJl';
const GLOBEX_TOKEN = 'eyJhbGciOiJFUzI1NiJ9.eyJ0ZW5hbnRfaWQiOiJnbG9iZXgifQ.c2lnbmF0dXJl';
let clock: number;
let credentials: TenantCredentials;
let issued: number;

beforeEach(() => {
  sts.reset();
  issued = 0;
  sts.on(AssumeRoleWithWebIdentityCommand).callsFake(async () => {
    issued += 1;
    return {
      Credentials: {
        AccessKeyId: `ASIA${issued}`,
        SecretAccessKey: 'secret',
        SessionToken: 'session',
        Expiration: new Date(clock + 900_000),
      },
    };
  });
  clock = START;
  credentials = new TenantCredentials({ roleArnTemplate: ROLE_TEMPLATE, sts: new STSClient({ region: 'eu-west-1' }), now: () => clock });
});

const webIdentityCalls = () => sts.commandCalls(AssumeRoleWithWebIdentityCommand).map((call) => call.args[0].input);

function stsError(name: string): STSServiceException {
  return new STSServiceException({ name, $fault: 'client', $metadata: {}, message: name });
}

test('exchanges the caller\'s own service token for the tenant role, for 15 minutes, with no AssumeRole', async () => {
  await credentials.forCaller('acme', ACME_TOKEN);
  expect(webIdentityCalls()).toEqual([
    {
      RoleArn: 'arn:aws:iam::123456789012:role/microplane-dev-tenant-acme',
      RoleSessionName: 'tenant-acme',
      WebIdentityToken: ACME_TOKEN,
      DurationSeconds: 900,
    },
  ]);
  // The tag comes from the signed token, never from the function: no Tags parameter, no AssumeRole.
  expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(0);
});

test('names the session after the tenant within the STS limits', async () => {
  const tenantId = `t${'a'.repeat(30)}z`; // the longest tenant id
  await credentials.forCaller(tenantId, ACME_TOKEN);
  const [{ RoleSessionName }] = webIdentityCalls();
  expect(RoleSessionName).toContain(tenantId);
  expect(RoleSessionName).toMatch(/^[\w+=,.@-]{2,64}$/);
});

test('returns credentials an AWS SDK v3 client accepts', async () => {
  await expect(credentials.forCaller('acme', ACME_TOKEN)).resolves.toEqual({
    accessKeyId: 'ASIA1',
    secretAccessKey: 'secret',
    sessionToken: 'session',
    expiration: new Date(START + 900_000),
  });
});

test('two calls with the same token make one STS call', async () => {
  const first = await credentials.forCaller('acme', ACME_TOKEN);
  clock += 60_000;
  const second = await credentials.forCaller('acme', ACME_TOKEN);
  expect(second).toBe(first);
  expect(webIdentityCalls()).toHaveLength(1);
});

test('a cached session is never handed to another token, even of the same tenant', async () => {
  const first = await credentials.forCaller('acme', ACME_TOKEN);
  const second = await credentials.forCaller('acme', OTHER_ACME_TOKEN);
  expect(second).not.toBe(first);
  expect(webIdentityCalls().map((input) => input.WebIdentityToken)).toEqual([ACME_TOKEN, OTHER_ACME_TOKEN]);
});

test('a forged tenant id with a cached session of that tenant still goes to STS with the caller\'s token', async () => {
  // GIVEN a container that already served globex
  await credentials.forCaller('globex', GLOBEX_TOKEN);
  sts.on(AssumeRoleWithWebIdentityCommand, { RoleArn: 'arn:aws:iam::123456789012:role/microplane-dev-tenant-globex', WebIdentityToken: ACME_TOKEN }).rejects(stsError('AccessDenied'));
  // WHEN an acme caller's event claims to be globex
  const attempt = credentials.forCaller('globex', ACME_TOKEN);
  // THEN STS decides, and refuses: a 403, not globex's cached session
  await expect(attempt).rejects.toMatchObject({ status: 403, code: 'forbidden' });
});

test('credentials are renewed a minute before they expire', async () => {
  // GIVEN
  await credentials.forCaller('acme', ACME_TOKEN);
  clock = START + 900_000 - 60_000;
  // WHEN
  const renewed = await credentials.forCaller('acme', ACME_TOKEN);
  // THEN
  expect(renewed.accessKeyId).toBe('ASIA2');
  expect(webIdentityCalls()).toHaveLength(2);
});

test('concurrent calls with a token share one STS request', async () => {
  const all = await Promise.all([1, 2, 3].map(() => credentials.forCaller('acme', ACME_TOKEN)));
  expect(new Set(all).size).toBe(1);
  expect(webIdentityCalls()).toHaveLength(1);
});

test('the cache is bounded: the oldest session is dropped first', async () => {
  const small = new TenantCredentials({ roleArnTemplate: ROLE_TEMPLATE, sts: new STSClient({ region: 'eu-west-1' }), now: () => clock, maxCachedSessions: 2 });
  await small.forCaller('acme', ACME_TOKEN);
  await small.forCaller('acme', OTHER_ACME_TOKEN);
  await small.forCaller('globex', GLOBEX_TOKEN);
  await small.forCaller('acme', OTHER_ACME_TOKEN); // still cached
  await small.forCaller('acme', ACME_TOKEN); // dropped: asks again
  expect(webIdentityCalls().map((input) => input.WebIdentityToken)).toEqual([ACME_TOKEN, OTHER_ACME_TOKEN, GLOBEX_TOKEN, ACME_TOKEN]);
});

test.each(['', 'Acme', 'acme/../admin', 'a', 'acme--corp', `a${'b'.repeat(40)}`, '*'])(
  'the invalid tenant id %p is refused without calling STS',
  async (tenantId) => {
    await expect(credentials.forCaller(tenantId, ACME_TOKEN)).rejects.toThrow('Invalid tenant id');
    expect(webIdentityCalls()).toHaveLength(0);
  },
);

test('a call without a token is a 403 without calling STS', async () => {
  await expect(credentials.forCaller('acme', '')).rejects.toMatchObject({ status: 403 });
  expect(webIdentityCalls()).toHaveLength(0);
});

test.each(['AccessDenied', 'ExpiredTokenException', 'InvalidIdentityTokenException', 'IDPRejectedClaimException'])(
  'STS refusing the token (%s) is a 403 ApiError, never a 500',
  async (name) => {
    sts.on(AssumeRoleWithWebIdentityCommand).rejects(stsError(name));
    const refusal = await credentials.forCaller('acme', ACME_TOKEN).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(ApiError);
    expect(refusal).toMatchObject({ status: 403, code: 'forbidden' });
  },
);

test('STS failing to reach the issuer is an outage, not the caller\'s fault', async () => {
  sts.on(AssumeRoleWithWebIdentityCommand).rejects(new IDPCommunicationErrorException({ $metadata: {}, message: 'timeout' }));
  const failure = await credentials.forCaller('acme', ACME_TOKEN).catch((error: unknown) => error);
  expect(failure).not.toBeInstanceOf(ApiError);
});

test('a failed STS call is retried on the next call', async () => {
  sts.on(AssumeRoleWithWebIdentityCommand).rejectsOnce(stsError('AccessDenied')).resolves({
    Credentials: { AccessKeyId: 'ASIA9', SecretAccessKey: 's', SessionToken: 't', Expiration: new Date(START + 900_000) },
  });
  await expect(credentials.forCaller('acme', ACME_TOKEN)).rejects.toMatchObject({ status: 403 });
  await expect(credentials.forCaller('acme', ACME_TOKEN)).resolves.toMatchObject({ accessKeyId: 'ASIA9' });
});

test('the role ARN template comes from TENANT_ROLE_ARN_TEMPLATE by default', async () => {
  process.env.TENANT_ROLE_ARN_TEMPLATE = 'arn:aws:iam::210987654321:role/microplane-prod-tenant-{tenantId}';
  try {
    await new TenantCredentials({ sts: new STSClient({ region: 'eu-west-1' }) }).forCaller('acme', ACME_TOKEN);
  } finally {
    delete process.env.TENANT_ROLE_ARN_TEMPLATE;
  }
  expect(webIdentityCalls()[0].RoleArn).toBe('arn:aws:iam::210987654321:role/microplane-prod-tenant-acme');
});

test('a role ARN template without {tenantId} is refused', () => {
  expect(() => new TenantCredentials({ roleArnTemplate: 'arn:aws:iam::123456789012:role/shared' })).toThrow('{tenantId}');
});

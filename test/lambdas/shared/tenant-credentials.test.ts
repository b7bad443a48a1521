import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { TenantCredentials } from '../../../lambdas/shared/tenant-credentials';

const sts = mockClient(STSClient);
const ROLE_TEMPLATE = 'arn:aws:iam::123456789012:role/microplane-dev-tenant-{tenantId}';
const START = Date.parse('2025-03-10T12:00:00Z');
let clock: number;
let credentials: TenantCredentials;
let issued: number;

beforeEach(() => {
  sts.reset();
  issued = 0;
  sts.on(AssumeRoleCommand).callsFake(async () => {
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

const assumeRoleCalls = () => sts.commandCalls(AssumeRoleCommand).map((call) => call.args[0].input);

test('assumes the tenant role with the TenantId session tag for 15 minutes', async () => {
  await credentials.forTenant('acme');
  expect(assumeRoleCalls()).toEqual([
    {
      RoleArn: 'arn:aws:iam::123456789012:role/microplane-dev-tenant-acme',
      RoleSessionName: 'tenant-acme',
      DurationSeconds: 900,
      Tags: [{ Key: 'TenantId', Value: 'acme' }],
    },
  ]);
});

test('names the session after the tenant within the STS limits', async () => {
  const tenantId = `t${'a'.repeat(30)}z`; // the longest tenant id
  await credentials.forTenant(tenantId);
  const [{ RoleSessionName }] = assumeRoleCalls();
  expect(RoleSessionName).toContain(tenantId);
  expect(RoleSessionName).toMatch(/^[\w+=,.@-]{2,64}$/);
});

test('returns credentials an AWS SDK v3 client accepts', async () => {
  await expect(credentials.forTenant('acme')).resolves.toEqual({
    accessKeyId: 'ASIA1',
    secretAccessKey: 'secret',
    sessionToken: 'session',
    expiration: new Date(START + 900_000),
  });
});

test('two calls for a tenant make one STS call', async () => {
  const first = await credentials.forTenant('acme');
  clock += 60_000;
  const second = await credentials.forTenant('acme');
  expect(second).toBe(first);
  expect(assumeRoleCalls()).toHaveLength(1);
});

test('credentials are renewed a minute before they expire', async () => {
  // GIVEN
  await credentials.forTenant('acme');
  clock = START + 900_000 - 60_000;
  // WHEN
  const renewed = await credentials.forTenant('acme');
  // THEN
  expect(renewed.accessKeyId).toBe('ASIA2');
  expect(assumeRoleCalls()).toHaveLength(2);
});

test('concurrent calls for a tenant share one STS request', async () => {
  const all = await Promise.all([credentials.forTenant('acme'), credentials.forTenant('acme'), credentials.forTenant('acme')]);
  expect(new Set(all).size).toBe(1);
  expect(assumeRoleCalls()).toHaveLength(1);
});

test('each tenant gets its own session', async () => {
  const [acme, globex] = await Promise.all([credentials.forTenant('acme'), credentials.forTenant('globex')]);
  expect(acme.accessKeyId).not.toBe(globex.accessKeyId);
  expect(assumeRoleCalls().map((input) => input.Tags)).toEqual([[{ Key: 'TenantId', Value: 'acme' }], [{ Key: 'TenantId', Value: 'globex' }]]);
});

test.each(['', 'Acme', 'acme/../admin', 'a', 'acme--corp', `a${'b'.repeat(40)}`, '*'])(
  'the invalid tenant id %p is refused without calling STS',
  async (tenantId) => {
    await expect(credentials.forTenant(tenantId)).rejects.toThrow('Invalid tenant id');
    expect(assumeRoleCalls()).toHaveLength(0);
  },
);

test('a failed STS call is retried on the next call', async () => {
  sts.on(AssumeRoleCommand).rejectsOnce(new Error('AccessDenied')).resolves({
    Credentials: { AccessKeyId: 'ASIA9', SecretAccessKey: 's', SessionToken: 't', Expiration: new Date(START + 900_000) },
  });
  await expect(credentials.forTenant('acme')).rejects.toThrow('AccessDenied');
  await expect(credentials.forTenant('acme')).resolves.toMatchObject({ accessKeyId: 'ASIA9' });
});

test('the role ARN template comes from TENANT_ROLE_ARN_TEMPLATE by default', async () => {
  process.env.TENANT_ROLE_ARN_TEMPLATE = 'arn:aws:iam::210987654321:role/microplane-prod-tenant-{tenantId}';
  try {
    await new TenantCredentials({ sts: new STSClient({ region: 'eu-west-1' }) }).forTenant('acme');
  } finally {
    delete process.env.TENANT_ROLE_ARN_TEMPLATE;
  }
  expect(assumeRoleCalls()[0].RoleArn).toBe('arn:aws:iam::210987654321:role/microplane-prod-tenant-acme');
});

test('a role ARN template without {tenantId} is refused', () => {
  expect(() => new TenantCredentials({ roleArnTemplate: 'arn:aws:iam::123456789012:role/shared' })).toThrow('{tenantId}');
});

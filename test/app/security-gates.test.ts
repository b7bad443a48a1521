import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Duration, Stack, Tags } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { addSecurityChecks } from '../../lib/microplane';
import { exampleConfig, synthExample } from '../support/platform';

function newApp(): App {
  return new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'microplane-gates-')) });
}

/** The synth error's text, or '' when synth passed. */
function synthErrors(app: App): string {
  try {
    app.synth();
    return '';
  } catch (error) {
    const report = path.join(app.outdir, 'validation-report.json');
    return `${(error as Error).message}\n${fs.existsSync(report) ? fs.readFileSync(report, 'utf8') : ''}`;
  }
}

test.each(['dev', 'prod'])('the whole %s platform passes cdk-nag AwsSolutions and the Guard policies', (environment) => {
  const { app } = synthExample(environment, { securityChecks: true });
  expect(synthErrors(app)).toBe('');
});

test('an unacknowledged cdk-nag finding fails the synth', () => {
  const app = newApp();
  new sqs.Queue(new Stack(app, 'Bad'), 'Queue');
  addSecurityChecks(app);
  expect(synthErrors(app)).toContain('AwsSolutions-SQS3');
});

test('a symmetric key without rotation fails the Guard policy', () => {
  const app = newApp();
  const stack = new Stack(app, 'Bad');
  new kms.Key(stack, 'Key', { enableKeyRotation: false });
  addSecurityChecks(app);
  expect(synthErrors(app)).toContain('microplane_symmetric_keys_rotate');
});

test('a tenant key whose policy lets untagged principals decrypt fails the Guard policy', () => {
  const app = newApp();
  const stack = new Stack(app, 'Bad');
  const key = new kms.Key(stack, 'Key', {
    enableKeyRotation: true,
    pendingWindow: undefined,
    policy: new iam.PolicyDocument({
      statements: [
        new iam.PolicyStatement({ principals: [new iam.AccountRootPrincipal()], actions: ['kms:Decrypt'], resources: ['*'] }),
      ],
    }),
  });
  Tags.of(key).add('TenantId', 'acme');
  addSecurityChecks(app);
  const errors = synthErrors(app);
  expect(errors).toContain('microplane_tenant_keys_require_tenant_tag');
  expect(errors).toContain('microplane_keys_wait_before_deletion');
});

test('a tenant role assumable without the session tag fails the Guard policy', () => {
  const app = newApp();
  const stack = new Stack(app, 'Bad');
  const role = new iam.Role(stack, 'Role', { assumedBy: new iam.AccountRootPrincipal() });
  Tags.of(role).add('TenantId', 'acme');
  addSecurityChecks(app);
  expect(synthErrors(app)).toContain('microplane_tenant_roles_require_session_tag');
});

test('a tenant role that a platform role may assume, even with the session tag, fails the Guard policy', () => {
  const app = newApp();
  const stack = new Stack(app, 'Bad');
  const platformRole = new iam.AccountRootPrincipal().withConditions({
    ArnEquals: { 'aws:PrincipalArn': 'arn:aws:iam::111111111111:role/microplane-dev-tenant-functions' },
    StringEquals: { 'aws:RequestTag/TenantId': 'acme' },
  });
  const role = new iam.Role(stack, 'Role', { assumedBy: new iam.SessionTagsPrincipal(platformRole) });
  Tags.of(role).add('TenantId', 'acme');
  addSecurityChecks(app);
  const errors = synthErrors(app);
  expect(errors).toContain('microplane_tenant_roles_trust_only_service_tokens');
  expect(errors).not.toContain('microplane_tenant_roles_require_session_tag');
});

/** A rotating, tenant-tagged key with the tenant-tag use statement and `extra` statements. */
function tenantKeyWith(stack: Stack, ...extra: iam.PolicyStatement[]): kms.Key {
  const key = new kms.Key(stack, 'Key', {
    enableKeyRotation: true,
    pendingWindow: Duration.days(30),
    policy: new iam.PolicyDocument({
      statements: [
        new iam.PolicyStatement({
          principals: [new iam.AccountRootPrincipal()],
          actions: ['kms:Decrypt'],
          resources: ['*'],
          conditions: { StringEquals: { 'aws:PrincipalTag/TenantId': 'acme' } },
        }),
        ...extra,
      ],
    }),
  });
  Tags.of(key).add('TenantId', 'acme');
  return key;
}

test.each([
  ['kms:Create* granted to the account', ['kms:Create*', 'kms:Describe*']],
  ['kms:Put* granted to the account', ['kms:Put*']],
  ['kms:CreateGrant without kms:GrantIsForAWSResource', ['kms:CreateGrant', 'kms:DescribeKey']],
])('a tenant key policy with %s fails the Guard policy', (_, actions) => {
  const app = newApp();
  tenantKeyWith(new Stack(app, 'Bad'), new iam.PolicyStatement({ principals: [new iam.AccountRootPrincipal()], actions, resources: ['*'] }));
  addSecurityChecks(app);
  expect(synthErrors(app)).toContain('microplane_tenant_keys_no_self_grants');
});

test('a tenant key allowing grants only for AWS resources passes the Guard policy', () => {
  const app = newApp();
  tenantKeyWith(
    new Stack(app, 'Good'),
    new iam.PolicyStatement({
      principals: [new iam.AccountRootPrincipal()],
      actions: ['kms:CreateGrant'],
      resources: ['*'],
      conditions: { Bool: { 'kms:GrantIsForAWSResource': 'true' } },
    }),
  );
  addSecurityChecks(app);
  expect(synthErrors(app)).not.toContain('microplane_tenant_keys');
});

test('an environment\'s compliance packs run at synth: an unencrypted log group fails NIST 800-53 R5, HIPAA and PCI DSS', () => {
  const app = newApp();
  new logs.LogGroup(new Stack(app, 'Bad'), 'Logs', { retention: logs.RetentionDays.ONE_WEEK });
  addSecurityChecks(app, ['nist-800-53-r5', 'hipaa-security', 'pci-dss-3.2.1']);
  const errors = synthErrors(app);
  expect(errors).toContain('NIST.800.53.R5-CloudWatchLogGroupEncrypted');
  expect(errors).toContain('HIPAA.Security-CloudWatchLogGroupEncrypted');
  expect(errors).toContain('PCI.DSS.321-CloudWatchLogGroupEncrypted');
});

test('without compliance packs the same log group passes: the packs are opt-in per environment', () => {
  const app = newApp();
  new logs.LogGroup(new Stack(app, 'Fine'), 'Logs', { retention: logs.RetentionDays.ONE_WEEK });
  addSecurityChecks(app);
  expect(synthErrors(app)).not.toContain('CloudWatchLogGroupEncrypted');
});

test('the prod example turns on every compliance pack, and its whole platform passes them with zero unacknowledged findings', () => {
  expect(exampleConfig('prod').environment.compliancePacks).toEqual(['nist-800-53-r5', 'hipaa-security', 'pci-dss-3.2.1']);
  const { app } = synthExample('prod', { securityChecks: true });
  const errors = synthErrors(app);
  expect(errors).toBe('');
});

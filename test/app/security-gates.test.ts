import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Stack, Tags } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { addSecurityChecks } from '../../lib/microplane';
import { synthExample } from '../support/platform';

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

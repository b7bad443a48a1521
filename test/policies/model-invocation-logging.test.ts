import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as cr from 'aws-cdk-lib/custom-resources';
import { addSecurityChecks } from '../../lib/microplane';
import {
  MODEL_INVOCATION_LOGGING_RESOURCE_TYPE,
  MODEL_INVOCATION_LOGGING_RULE,
  ModelInvocationLoggingCheck,
  ModelInvocationLoggingCheckProps,
} from '../../policies/model-invocation-logging';
import { template, TemplateJson } from './guard';

/** The check's report over `templates`, written to disk as synth would. */
function check(templates: TemplateJson[], props?: ModelInvocationLoggingCheckProps) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'microplane-bedrock-'));
  const templatePaths = templates.map((json, index) => {
    const templatePath = path.join(dir, `Stack${index}.template.json`);
    fs.writeFileSync(templatePath, JSON.stringify(json));
    return templatePath;
  });
  return new ModelInvocationLoggingCheck(props).validate({ templatePaths });
}

function policyAllowing(action: unknown, effect = 'Allow'): Record<string, unknown> {
  return {
    Type: 'AWS::IAM::Policy',
    Properties: { PolicyName: 'p', Roles: [{ Ref: 'Role' }], PolicyDocument: { Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }, { Effect: effect, Action: action, Resource: '*' }] } },
  };
}

const LOGGING_RESOURCE = { Type: MODEL_INVOCATION_LOGGING_RESOURCE_TYPE, Properties: { ServiceToken: 'arn' } };

test.each([
  ['bedrock:InvokeModel', 'bedrock:InvokeModel'],
  ['bedrock:InvokeModelWithResponseStream among others', ['kms:Decrypt', 'bedrock:InvokeModelWithResponseStream']],
  ['a bedrock:Invoke* wildcard', 'bedrock:Invoke*'],
  ['bedrock:* in another case', 'Bedrock:*'],
  ['every action', '*'],
])('a policy allowing %s, with no invocation logging anywhere in the app, fails the check', (_, action) => {
  const report = check([template({ Policy: policyAllowing(action) }), template({ Other: { Type: 'AWS::SNS::Topic' } })]);
  expect(report.success).toBe(false);
  expect(report.violations).toHaveLength(1);
  expect(report.violations[0].ruleName).toBe(MODEL_INVOCATION_LOGGING_RULE);
  expect(report.violations[0].violatingResources).toEqual([
    expect.objectContaining({ resourceLogicalId: 'Policy', locations: ['Properties/PolicyDocument/Statement/1'], templatePath: expect.stringMatching(/Stack0\.template\.json$/) }),
  ]);
});

test('a role with an inline policy or the AmazonBedrockFullAccess managed policy fails the check too', () => {
  const role = {
    Type: 'AWS::IAM::Role',
    Properties: {
      Policies: [{ PolicyName: 'models', PolicyDocument: { Statement: { Effect: 'Allow', NotAction: 'iam:*', Resource: '*' } } }],
      ManagedPolicyArns: [{ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::aws:policy/AmazonBedrockFullAccess']] }],
    },
  };
  const report = check([template({ Role: role })]);
  expect(report.violations[0].violatingResources[0].locations).toEqual(['Properties/Policies/0/PolicyDocument/Statement/0', 'Properties/ManagedPolicyArns']);
});

test('denying model calls, or allowing only other Bedrock actions, passes', () => {
  const report = check([template({ Deny: policyAllowing('bedrock:InvokeModel', 'Deny'), List: policyAllowing('bedrock:ListFoundationModels') })]);
  expect(report).toEqual({ success: true, violations: [] });
});

test('model calls pass when any stack of the app carries the platform\'s invocation-logging resource', () => {
  expect(check([template({ Policy: policyAllowing('bedrock:InvokeModel') }), template({ Logging: LOGGING_RESOURCE })]).success).toBe(true);
});

test('model calls pass when an AwsCustomResource calls PutModelInvocationLoggingConfiguration', () => {
  const stack = new Stack();
  new cr.AwsCustomResource(stack, 'InvocationLogging', {
    onUpdate: {
      service: 'Bedrock',
      action: 'PutModelInvocationLoggingConfiguration',
      parameters: { loggingConfig: { cloudWatchConfig: { logGroupName: 'model-invocations', roleArn: 'arn' } } },
      physicalResourceId: cr.PhysicalResourceId.of('model-invocation-logging'),
    },
    policy: cr.AwsCustomResourcePolicy.fromSdkCalls({ resources: cr.AwsCustomResourcePolicy.ANY_RESOURCE }),
  });
  const logging = Template.fromStack(stack).toJSON() as TemplateJson;
  expect(check([template({ Policy: policyAllowing('bedrock:InvokeModel') }), logging]).success).toBe(true);
});

test('model calls pass when the environment says logging is configured outside these stacks', () => {
  const report = check([template({ Policy: policyAllowing('bedrock:InvokeModel') })], { configuredOutside: 'the account baseline stack configures it' });
  expect(report.success).toBe(true);
});

test('the check runs at synth: a role granted model calls without invocation logging fails the synth', () => {
  const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'microplane-bedrock-synth-')) });
  const role = new iam.Role(new Stack(app, 'Models'), 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
  role.addToPolicy(new iam.PolicyStatement({ actions: ['bedrock:InvokeModel'], resources: ['*'] }));
  addSecurityChecks(app);
  expect(() => app.synth()).toThrow();
  expect(fs.readFileSync(path.join(app.outdir, 'validation-report.json'), 'utf8')).toContain(MODEL_INVOCATION_LOGGING_RULE);
});

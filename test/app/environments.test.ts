import { Match, Template } from 'aws-cdk-lib/assertions';
import { exampleConfig, synthExample } from '../support/platform';

describe('the prod environment', () => {
  const { stacks } = synthExample('prod');
  const platform = Template.fromStack(stacks.platform);

  test('pins the account and region from its config', () => {
    expect(stacks.platform.account).toBe('111111111111');
    expect(stacks.platform.region).toBe('eu-west-1');
  });

  test('retains keys and the user pool, protects the pool and the stacks from deletion', () => {
    platform.hasResource('AWS::Cognito::UserPool', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    platform.hasResourceProperties('AWS::Cognito::UserPool', { DeletionProtection: 'ACTIVE', MfaConfiguration: 'ON', UserPoolTier: 'PLUS' });
    platform.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Retain' });
    expect(stacks.platform.terminationProtection).toBe(true);
    for (const tenant of stacks.tenants.values()) {
      Template.fromStack(tenant).hasResource('AWS::KMS::Key', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
      expect(tenant.terminationProtection).toBe(true);
    }
  });

  test('enforces Cognito threat protection and attaches WAF', () => {
    platform.hasResourceProperties('AWS::Cognito::UserPool', { UserPoolAddOns: { AdvancedSecurityMode: 'ENFORCED' } });
    platform.resourceCountIs('AWS::WAFv2::WebACLAssociation', 1);
  });

  test('reserves each function\'s configured concurrency', () => {
    const reserved = exampleConfig('prod').environment.functions.reservedConcurrency;
    const functions = Object.values(platform.findResources('AWS::Lambda::Function'));
    for (const [name, concurrency] of Object.entries(reserved)) {
      const fn = functions.find((candidate) => candidate.Properties.Environment?.Variables?.POWERTOOLS_SERVICE_NAME === name);
      expect({ name, reserved: fn?.Properties.ReservedConcurrentExecutions }).toEqual({ name, reserved: concurrency });
    }
  });

  test('monitors every cluster instance each minute with Enhanced Monitoring', () => {
    platform.hasResourceProperties('AWS::RDS::DBInstance', { MonitoringInterval: 60, MonitoringRoleArn: Match.anyValue() });
    const siloed = Template.fromStack(stacks.tenants.get('initech-finance')!);
    siloed.hasResourceProperties('AWS::RDS::DBInstance', { MonitoringInterval: 60 });
  });

  test('logs the web ACL to an encrypted aws-waf-logs- group without the Authorization header', () => {
    platform.hasResourceProperties('AWS::Logs::LogGroup', { LogGroupName: 'aws-waf-logs-microplane-prod', KmsKeyId: Match.anyValue() });
    platform.hasResourceProperties('AWS::WAFv2::LoggingConfiguration', {
      RedactedFields: [{ SingleHeader: { Name: 'authorization' } }],
    });
  });

  test('names key administrators and the deploying role, never the account, as administrators of tenant keys', () => {
    for (const tenant of stacks.tenants.values()) {
      const [key] = Object.values(Template.fromStack(tenant).findResources('AWS::KMS::Key'));
      const admin = key.Properties.KeyPolicy.Statement.find((statement: { Sid: string }) => statement.Sid === 'KeyAdministration');
      expect(JSON.stringify(admin.Principal)).toContain('arn:aws:iam::111111111111:role/microplane-key-admin');
      expect(JSON.stringify(admin.Principal)).toContain('cfn-exec-role');
      expect(JSON.stringify(admin.Principal)).not.toContain(':root');
    }
  });

  test('issues service tokens for five minutes', () => {
    platform.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: { SERVICE_TOKEN_TTL_SECONDS: '300' } },
    });
  });
});

test('the dev environment synthesizes environment-agnostic', () => {
  const { stacks } = synthExample('dev');
  expect(stacks.platform.resolve(stacks.platform.account)).toEqual({ Ref: 'AWS::AccountId' });
  expect(stacks.platform.terminationProtection).toBe(false);
});

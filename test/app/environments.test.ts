import { Template } from 'aws-cdk-lib/assertions';
import { synthExample } from '../support/platform';

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

import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import { Identity } from '../../lib/constructs/identity';

function identityTemplate(props: Partial<ConstructorParameters<typeof Identity>[2]> = {}) {
  const stack = new Stack();
  const identity = new Identity(stack, 'Identity', { environmentName: 'dev', domainPrefix: 'microplane-test', ...props });
  return { identity, template: Template.fromStack(stack) };
}

describe('with defaults', () => {
  const { template } = identityTemplate();

  test('the user pool demands strong passwords and admin-created users', () => {
    template.hasResourceProperties('AWS::Cognito::UserPool', {
      UserPoolName: 'microplane-dev',
      Policies: {
        PasswordPolicy: Match.objectLike({
          MinimumLength: 14,
          RequireLowercase: true,
          RequireUppercase: true,
          RequireNumbers: true,
          RequireSymbols: true,
        }),
      },
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
    });
  });

  test('MFA is required by default with TOTP and no SMS', () => {
    template.hasResourceProperties('AWS::Cognito::UserPool', { MfaConfiguration: 'ON', EnabledMfas: ['SOFTWARE_TOKEN_MFA'] });
  });

  test('the tenant attribute exists and is mutable only by administrators', () => {
    template.hasResourceProperties('AWS::Cognito::UserPool', {
      Schema: Match.arrayWith([Match.objectLike({ Name: 'tenant_id', AttributeDataType: 'String', Mutable: true })]),
    });
  });

  test('the user pool is retained and protected from deletion by default', () => {
    template.hasResource('AWS::Cognito::UserPool', { DeletionPolicy: 'Retain', Properties: Match.objectLike({ DeletionProtection: 'ACTIVE' }) });
  });

  test('a version 2 pre-token-generation trigger adds the tenant claim to access tokens', () => {
    template.hasResourceProperties('AWS::Cognito::UserPool', {
      LambdaConfig: { PreTokenGenerationConfig: { LambdaArn: Match.anyValue(), LambdaVersion: 'V2_0' } },
      UserPoolTier: 'ESSENTIALS',
    });
  });

  test('the resource server offers exactly the platform scopes', () => {
    template.hasResourceProperties('AWS::Cognito::UserPoolResourceServer', {
      Identifier: 'microplane',
      Scopes: [
        { ScopeName: 'whoami.read', ScopeDescription: Match.anyValue() },
        { ScopeName: 'notes.read', ScopeDescription: Match.anyValue() },
        { ScopeName: 'notes.write', ScopeDescription: Match.anyValue() },
        { ScopeName: 'documents.read', ScopeDescription: Match.anyValue() },
        { ScopeName: 'documents.text', ScopeDescription: Match.anyValue() },
        { ScopeName: 'documents.write', ScopeDescription: Match.anyValue() },
        { ScopeName: 'llm.complete', ScopeDescription: Match.anyValue() },
      ],
    });
  });

  test('the hosted domain uses the configured prefix', () => {
    template.hasResourceProperties('AWS::Cognito::UserPoolDomain', { Domain: 'microplane-test' });
  });
});

test('the plus plan with enforced threat protection is passed through', () => {
  const { template } = identityTemplate({
    featurePlan: cognito.FeaturePlan.PLUS,
    threatProtection: cognito.StandardThreatProtectionMode.FULL_FUNCTION,
  });
  template.hasResourceProperties('AWS::Cognito::UserPool', {
    UserPoolTier: 'PLUS',
    UserPoolAddOns: { AdvancedSecurityMode: 'ENFORCED' },
  });
});

test('optional MFA and no deletion protection follow the props', () => {
  const { template } = identityTemplate({ mfa: cognito.Mfa.OPTIONAL, deletionProtection: false });
  template.hasResourceProperties('AWS::Cognito::UserPool', { MfaConfiguration: 'OPTIONAL', DeletionProtection: 'INACTIVE' });
});

test('threat protection without the plus plan is refused', () => {
  expect(() => identityTemplate({ threatProtection: cognito.StandardThreatProtectionMode.AUDIT_ONLY })).toThrow(
    'threat protection needs the PLUS feature plan',
  );
});

test('the lite plan is refused because it cannot add claims to access tokens', () => {
  expect(() => identityTemplate({ featurePlan: cognito.FeaturePlan.LITE })).toThrow('LITE feature plan');
});

test('oauthScope names the resource server scope', () => {
  const { identity } = identityTemplate();
  expect(identity.oauthScope('notes.read').scopeName).toMatch(/\/notes\.read$/);
  expect(() => identity.oauthScope('admin' as never)).toThrow('has no scope "admin"');
});

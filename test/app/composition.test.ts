import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { TenantKeys, TenantRole } from '../../lib';

test('TenantKeys and TenantRole compose in a plain stack from the public entry point', () => {
  // GIVEN a platform engineer's own stack
  const stack = new Stack();
  // WHEN they compose two Microplane constructs
  const keys = new TenantKeys(stack, 'Keys', { tenantIds: ['acme'], environmentName: 'sandbox' });
  const role = new TenantRole(stack, 'AcmeRole', {
    tenantId: 'acme',
    environmentName: 'sandbox',
    serviceTokenProviderArn: 'arn:aws:iam::111111111111:oidc-provider/auth.example.com',
    serviceTokenAudience: 'microplane-sandbox-api',
  });
  keys.grantEncryptDecrypt('acme', role.role);
  // THEN the role may use the key, and the key still demands the tenant tag
  const template = Template.fromStack(stack);
  template.hasResourceProperties('AWS::IAM::Policy', {
    PolicyDocument: { Statement: [Match.objectLike({ Action: Match.arrayWith(['kms:Decrypt']) })] },
  });
  template.hasResourceProperties('AWS::KMS::Key', {
    KeyPolicy: Match.objectLike({
      Statement: Match.arrayWith([Match.objectLike({ Condition: { StringEquals: { 'aws:PrincipalTag/TenantId': 'acme' } } })]),
    }),
  });
  template.hasResourceProperties('AWS::IAM::Role', { RoleName: 'microplane-sandbox-tenant-acme' });
});

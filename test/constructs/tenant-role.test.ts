import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { TenantRole } from '../../lib/constructs/tenant-role';

function roleTemplate() {
  const stack = new Stack();
  new TenantRole(stack, 'TenantRole', { tenantId: 'acme', environmentName: 'dev', trustedRoleNames: ['microplane-dev-tenant-functions'] });
  return Template.fromStack(stack);
}

test('the tenant role has a name derived from environment and tenant only', () => {
  roleTemplate().hasResourceProperties('AWS::IAM::Role', { RoleName: 'microplane-dev-tenant-acme' });
});

test('the role can be assumed only by the trusted role and only with a TenantId session tag for this tenant', () => {
  roleTemplate().hasResourceProperties('AWS::IAM::Role', {
    AssumeRolePolicyDocument: {
      Statement: [
        {
          Effect: 'Allow',
          Action: ['sts:AssumeRole', 'sts:TagSession'],
          Principal: { AWS: Match.anyValue() },
          Condition: {
            ArnEquals: { 'aws:PrincipalArn': [Match.objectLike({ 'Fn::Join': ['', Match.arrayWith([':role/microplane-dev-tenant-functions'])] })] },
            StringEquals: { 'aws:RequestTag/TenantId': 'acme' },
            'ForAllValues:StringEquals': { 'aws:TagKeys': ['TenantId'] },
          },
        },
      ],
    },
  });
});

test('the role carries its tenant as a TenantId tag', () => {
  roleTemplate().hasResourceProperties('AWS::IAM::Role', { Tags: Match.arrayWith([{ Key: 'TenantId', Value: 'acme' }]) });
});

test('a tenant role without trusted roles is refused', () => {
  expect(() => new TenantRole(new Stack(), 'R', { tenantId: 'acme', environmentName: 'dev', trustedRoleNames: [] })).toThrow(
    'trustedRoleNames must name at least one role',
  );
});

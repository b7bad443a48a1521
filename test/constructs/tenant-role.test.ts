import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { TenantRole, TenantRoleProps } from '../../lib/constructs/tenant-role';

const PROVIDER_ARN = 'arn:aws:iam::111111111111:oidc-provider/abc123.execute-api.eu-west-1.amazonaws.com/live';

function roleTemplate(overrides: Partial<TenantRoleProps> = {}) {
  const stack = new Stack();
  new TenantRole(stack, 'TenantRole', {
    tenantId: 'acme',
    environmentName: 'dev',
    serviceTokenProviderArn: PROVIDER_ARN,
    serviceTokenAudience: 'microplane-dev-api',
    ...overrides,
  });
  return Template.fromStack(stack);
}

function trustStatements(template: Template): Array<Record<string, unknown>> {
  const [role] = Object.values(template.findResources('AWS::IAM::Role'));
  return role.Properties.AssumeRolePolicyDocument.Statement;
}

test('the tenant role has a name derived from environment and tenant only', () => {
  roleTemplate().hasResourceProperties('AWS::IAM::Role', { RoleName: 'microplane-dev-tenant-acme' });
});

test('only STS web-identity federation through the service-token provider, tagged with this tenant, may assume the role', () => {
  expect(trustStatements(roleTemplate())).toEqual([
    {
      Effect: 'Allow',
      Action: ['sts:AssumeRoleWithWebIdentity', 'sts:TagSession'],
      Principal: { Federated: PROVIDER_ARN },
      Condition: {
        StringEquals: { 'aws:RequestTag/TenantId': 'acme' },
        'ForAllValues:StringEquals': { 'aws:TagKeys': ['TenantId'] },
      },
    },
  ]);
});

test('no AWS principal (account, role or service) is trusted: no platform role can assume it with its own rights', () => {
  for (const statement of trustStatements(roleTemplate())) {
    expect(Object.keys(statement.Principal as object)).toEqual(['Federated']);
    expect(statement.Action).not.toContain('sts:AssumeRole');
  }
});

test('with an issuer known at synth (a custom domain), the trust also pins the token audience', () => {
  const [statement] = trustStatements(roleTemplate({ serviceTokenIssuer: 'https://auth.example.com/microplane' }));
  expect(statement.Condition).toMatchObject({
    StringEquals: { 'aws:RequestTag/TenantId': 'acme', 'auth.example.com/microplane:aud': 'microplane-dev-api' },
  });
});

test('the role carries its tenant as a TenantId tag', () => {
  roleTemplate().hasResourceProperties('AWS::IAM::Role', { Tags: Match.arrayWith([{ Key: 'TenantId', Value: 'acme' }]) });
});

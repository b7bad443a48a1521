import { Match, Template } from 'aws-cdk-lib/assertions';
import { exampleConfig, normalizedTemplate, synthExample } from '../support/platform';

const { stacks } = synthExample('dev');
const config = exampleConfig('dev');

describe.each(config.tenants.map((tenant) => [tenant.id, tenant] as const))('tenant %s', (tenantId, tenant) => {
  const template = Template.fromStack(stacks.tenants.get(tenantId)!);

  test('has one key, one role and a client, usage key and registry entry per app', () => {
    template.resourceCountIs('AWS::KMS::Key', 1);
    template.hasResourceProperties('AWS::KMS::Alias', { AliasName: `alias/microplane/dev/${tenantId}` });
    template.hasResourceProperties('AWS::IAM::Role', { RoleName: `microplane-dev-tenant-${tenantId}` });
    template.resourceCountIs('AWS::Cognito::UserPoolClient', tenant.apps.length);
    template.resourceCountIs('AWS::ApiGateway::ApiKey', tenant.apps.length);
    template.resourceCountIs('AWS::ApiGateway::UsagePlanKey', tenant.apps.length);
    template.resourceCountIs('AWS::SSM::Parameter', tenant.apps.length);
  });

  test('reads platform values from SSM parameters, never from exports', () => {
    expect(JSON.stringify(template.toJSON())).not.toContain('Fn::ImportValue');
    template.hasParameter('*', { Type: 'AWS::SSM::Parameter::Value<String>', Default: '/microplane/dev/platform/identity/user-pool-id' });
  });

  test('tags every resource with tenant, cost center and environment', () => {
    template.hasResourceProperties('AWS::KMS::Key', {
      Tags: Match.arrayWith([
        { Key: 'microplane:cost-center', Value: tenant.costCenter },
        { Key: 'microplane:environment', Value: 'dev' },
        { Key: 'microplane:tenant', Value: tenantId },
      ]),
    });
  });

  test('the tenant role may use the tenant key', () => {
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('^TenantRole') }],
      PolicyDocument: { Statement: [Match.objectLike({ Action: Match.arrayWith(['kms:Decrypt']) })] },
    });
  });

  test('matches its snapshot', () => {
    expect(normalizedTemplate(template)).toMatchSnapshot();
  });
});

test('tenant stacks deploy after the platform stack without referencing it', () => {
  for (const stack of stacks.tenants.values()) {
    expect(stack.dependencies).toContain(stacks.platform);
  }
});

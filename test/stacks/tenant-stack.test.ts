import { Match, Template } from 'aws-cdk-lib/assertions';
import { migrationsChecksum } from '../../lib/constructs/schema-provisioner';
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
    // One registry entry per app, plus the tenant's database entry.
    template.resourceCountIs('AWS::SSM::Parameter', tenant.apps.length + 1);
  });

  test('has a database login under its own key and a schema provisioned with the current migrations', () => {
    template.hasResourceProperties('AWS::SecretsManager::Secret', { Name: `microplane/dev/tenants/${tenantId}/database` });
    template.hasResourceProperties('Custom::MicroplaneTenantSchema', {
      TenantId: tenantId,
      Database: 'microplane',
      MigrationsChecksum: migrationsChecksum(),
    });
    template.hasResourceProperties('AWS::SSM::Parameter', { Name: `/microplane/dev/tenants/${tenantId}` });
  });

  test('trusts the tenant functions role and the schema provisioner, each only with the tenant tag', () => {
    const trust = JSON.stringify(template.findResources('AWS::IAM::Role', { Properties: { RoleName: `microplane-dev-tenant-${tenantId}` } }));
    expect(trust).toContain(':role/microplane-dev-tenant-functions');
    expect(trust).toContain(':role/microplane-dev-schema-provisioner');
    expect(trust).toContain(`"aws:RequestTag/TenantId":"${tenantId}"`);
  });

  if (tenant.isolation === 'siloed') {
    test('a siloed tenant has its own cluster, encrypted with its own key', () => {
      template.hasResourceProperties('AWS::RDS::DBCluster', {
        DBClusterIdentifier: `microplane-dev-${tenantId}`,
        KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Keys'), 'Arn'] },
        EnableHttpEndpoint: true,
      });
      template.hasResourceProperties('Custom::MicroplaneTenantSchema', {
        ClusterArn: Match.objectLike({ 'Fn::Join': Match.anyValue() }),
      });
    });
  } else {
    test('a pooled tenant uses the pooled cluster and has no cluster of its own', () => {
      template.resourceCountIs('AWS::RDS::DBCluster', 0);
      template.hasResourceProperties('Custom::MicroplaneTenantSchema', {
        ClusterArn: { 'Fn::Join': ['', Match.arrayWith([':cluster:microplane-dev-pooled'])] },
      });
    });
  }

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
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: Match.arrayWith(['kms:Decrypt']) })]) },
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

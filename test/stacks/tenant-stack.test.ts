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
    // One usage key per app, plus the tenant's throttled key.
    template.resourceCountIs('AWS::ApiGateway::ApiKey', tenant.apps.length + 1);
    template.resourceCountIs('AWS::ApiGateway::UsagePlanKey', tenant.apps.length + 1);
    // One registry entry per app, plus the tenant's database and vector entries, plus its budget policy if it has budgets.
    const hasBudgets = tenant.budget !== undefined || tenant.apps.some((app) => app.budget !== undefined);
    template.resourceCountIs('AWS::SSM::Parameter', tenant.apps.length + 2 + (hasBudgets ? 1 : 0));
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

  test('trusts no platform role: only a service token whose TenantId tag names the tenant, through the platform\'s OIDC provider', () => {
    const trust = JSON.stringify(template.findResources('AWS::IAM::Role', { Properties: { RoleName: `microplane-dev-tenant-${tenantId}` } }));
    expect(trust).not.toContain(':role/microplane-dev-tenant-functions');
    expect(trust).not.toContain(':role/microplane-dev-schema-provisioner');
    expect(trust).toContain('"Action":["sts:AssumeRoleWithWebIdentity","sts:TagSession"]');
    expect(trust).toContain(`"aws:RequestTag/TenantId":"${tenantId}"`);
    template.hasParameter('*', { Type: 'AWS::SSM::Parameter::Value<String>', Default: '/microplane/dev/platform/identity/service-token-provider-arn' });
  });

  test('rotates the tenant\'s database login with the platform\'s rotation function', () => {
    template.hasResourceProperties('AWS::SecretsManager::RotationSchedule', {
      SecretId: { Ref: Match.stringLikeRegexp('^SchemaSecret') },
      RotationRules: { AutomaticallyAfterDays: 30 },
    });
    template.hasParameter('*', { Type: 'AWS::SSM::Parameter::Value<String>', Default: '/microplane/dev/platform/database/secret-rotation-function-arn' });
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

    test('a siloed cluster\'s admin login is under the platform data key, not the tenant\'s, readable only by the provisioner, rotation and deployments', () => {
      template.hasResourceProperties('AWS::SecretsManager::Secret', {
        Name: `microplane-dev-${tenantId}/admin`,
        KmsKeyId: { 'Fn::Join': ['', Match.arrayWith([':alias/microplane/dev/platform-data'])] },
      });
      const policies = Object.values(template.findResources('AWS::SecretsManager::ResourcePolicy'));
      const adminPolicy = policies.find((policy) => JSON.stringify(policy.Properties.SecretId).includes('DatabaseClusterSecretAttachment'));
      const readers = adminPolicy!.Properties.ResourcePolicy.Statement.find((statement: { Sid: string }) => statement.Sid === 'OnlyNamedReaders');
      const names = JSON.stringify(readers.Condition.ArnNotEquals['aws:PrincipalArn']);
      expect(names).toContain(':role/microplane-dev-schema-provisioner');
      expect(names).toContain(':role/microplane-dev-secret-rotation');
      expect(names).toContain('cfn-exec-role');
      expect(names).not.toContain('tenant');
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

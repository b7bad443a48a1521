import { Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { TenantKeys } from '../../lib/constructs/tenant-keys';
import { tenantSchemaName, TenantSchema } from '../../lib/constructs/tenant-schema';
import { tenantDatabaseNames } from '../../lambdas/shared/db/tenant-names';
import { joinedJson } from '../support/platform';

const stack = new Stack();
const keys = new TenantKeys(stack, 'Keys', { tenantIds: ['acme-foods'], environmentName: 'dev' });
const role = new iam.Role(stack, 'TenantRole', { assumedBy: new iam.AccountRootPrincipal() });
const schema = new TenantSchema(stack, 'Schema', {
  tenantId: 'acme-foods',
  environmentName: 'dev',
  tenantKey: keys.keyFor('acme-foods'),
  tenantRole: role,
  provisionerRoleArn: 'arn:aws:iam::111111111111:role/microplane-dev-schema-provisioner',
  rotation: {
    functionArn: 'arn:aws:lambda:eu-west-1:111111111111:function:rotation',
    roleArn: 'arn:aws:iam::111111111111:role/microplane-dev-secret-rotation',
    interval: Duration.days(30),
  },
  deployingRoleArn: 'arn:aws:iam::111111111111:role/deployer',
  clusterArn: 'arn:aws:rds:eu-west-1:111111111111:cluster:microplane-dev-pooled',
  adminSecretArn: 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:admin-abc',
  provisionerServiceToken: 'arn:aws:lambda:eu-west-1:111111111111:function:provider',
  migrationsChecksum: 'abc123',
  registryParameterName: '/microplane/dev/tenants/acme-foods',
});
const template = Template.fromStack(stack);

test('schema and role names derive from the tenant id, the same way the provisioner derives them', () => {
  expect(tenantSchemaName('acme-foods')).toBe('tenant_acme_foods');
  for (const id of ['acme-foods', 'a-b-c-d', 'initech2', 'x'.repeat(32)]) {
    expect(tenantSchemaName(id)).toBe(tenantDatabaseNames(id).schema);
  }
});

test('the tenant\'s database login is a generated secret under the tenant key, tagged with the tenant', () => {
  template.hasResourceProperties('AWS::SecretsManager::Secret', {
    Name: 'microplane/dev/tenants/acme-foods/database',
    KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Keysacmefoods'), 'Arn'] },
    GenerateSecretString: Match.objectLike({ SecretStringTemplate: '{"username":"tenant_acme_foods"}', GenerateStringKey: 'password' }),
    Tags: Match.arrayWith([{ Key: 'TenantId', Value: 'acme-foods' }]),
  });
});

function secretPolicyStatements(): Array<Record<string, unknown>> {
  const [policy] = Object.values(template.findResources('AWS::SecretsManager::ResourcePolicy'));
  return policy.Properties.ResourcePolicy.Statement;
}

test('only sessions tagged with the tenant, the schema provisioner and the rotation function may read the secret', () => {
  expect(secretPolicyStatements()).toContainEqual({
    Sid: 'OnlyNamedReaders',
    Effect: 'Deny',
    Action: 'secretsmanager:GetSecretValue',
    Principal: { AWS: '*' },
    Resource: '*',
    Condition: {
      StringNotEquals: { 'aws:PrincipalTag/TenantId': 'acme-foods' },
      ArnNotEquals: {
        'aws:PrincipalArn': ['arn:aws:iam::111111111111:role/microplane-dev-schema-provisioner', 'arn:aws:iam::111111111111:role/microplane-dev-secret-rotation'],
      },
    },
  });
});

test('nobody but the deploying role and the rotation function may change the secret, its stages, tags or policy', () => {
  expect(secretPolicyStatements()).toContainEqual({
    Sid: 'OnlyDeploymentsChange',
    Effect: 'Deny',
    Action: [
      'secretsmanager:PutSecretValue',
      'secretsmanager:UpdateSecret',
      'secretsmanager:UpdateSecretVersionStage',
      'secretsmanager:PutResourcePolicy',
      'secretsmanager:DeleteResourcePolicy',
      'secretsmanager:TagResource',
      'secretsmanager:UntagResource',
    ],
    Principal: { AWS: '*' },
    Resource: '*',
    Condition: { ArnNotEquals: { 'aws:PrincipalArn': ['arn:aws:iam::111111111111:role/deployer', 'arn:aws:iam::111111111111:role/microplane-dev-secret-rotation'] } },
  });
});

test('the tenant stack adds no policy to the platform\'s provisioner or rotation roles (their rights come from the platform stack)', () => {
  const attached = Object.values(template.findResources('AWS::IAM::Policy')).flatMap((policy) => policy.Properties.Roles ?? []);
  expect(JSON.stringify(attached)).not.toMatch(/schema-provisioner|secret-rotation/);
});

test('the login rotates on the configured schedule, only after the provisioner created it', () => {
  const schedules = template.findResources('AWS::SecretsManager::RotationSchedule');
  expect(Object.values(schedules)).toEqual([
    expect.objectContaining({
      Properties: {
        SecretId: { Ref: expect.stringMatching(/^SchemaSecret/) },
        RotationLambdaARN: 'arn:aws:lambda:eu-west-1:111111111111:function:rotation',
        RotationRules: { AutomaticallyAfterDays: 30 },
        RotateImmediatelyOnUpdate: false,
      },
      DependsOn: [stack.getLogicalId(schema.resource.node.defaultChild as never)],
    }),
  ]);
});

test('the secret\'s tags tell the rotation function which cluster and admin login change its password', () => {
  template.hasResourceProperties('AWS::SecretsManager::Secret', {
    Tags: Match.arrayWith([
      { Key: 'microplane:admin-secret-arn', Value: 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:admin-abc' },
      { Key: 'microplane:cluster-arn', Value: 'arn:aws:rds:eu-west-1:111111111111:cluster:microplane-dev-pooled' },
      { Key: 'microplane:database', Value: 'microplane' },
      { Key: 'microplane:secret', Value: 'tenant-login' },
    ]),
  });
});

test('the tenant role may read its secret and use the Data API on its cluster only', () => {
  template.hasResourceProperties('AWS::IAM::Policy', {
    PolicyDocument: {
      Statement: Match.arrayWith([
        Match.objectLike({ Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'] }),
        Match.objectLike({
          Action: Match.arrayWith(['rds-data:ExecuteStatement']),
          Resource: 'arn:aws:rds:eu-west-1:111111111111:cluster:microplane-dev-pooled',
        }),
      ]),
    },
  });
});

test('the schema is provisioned by the custom resource with the migration checksum', () => {
  template.hasResourceProperties('Custom::MicroplaneTenantSchema', {
    ServiceToken: 'arn:aws:lambda:eu-west-1:111111111111:function:provider',
    TenantId: 'acme-foods',
    ClusterArn: 'arn:aws:rds:eu-west-1:111111111111:cluster:microplane-dev-pooled',
    AdminSecretArn: 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:admin-abc',
    TenantSecretArn: { Ref: Match.stringLikeRegexp('^SchemaSecret') },
    Database: 'microplane',
    MigrationsChecksum: 'abc123',
  });
});

test('the registry entry tells tenant functions where the schema lives', () => {
  const parameter = Object.values(template.findResources('AWS::SSM::Parameter'))[0];
  expect(parameter.Properties.Name).toBe('/microplane/dev/tenants/acme-foods');
  expect(joinedJson(parameter.Properties.Value, 'SECRET_ARN')).toEqual({
    clusterArn: 'arn:aws:rds:eu-west-1:111111111111:cluster:microplane-dev-pooled',
    secretArn: 'SECRET_ARN',
    database: 'microplane',
    schema: 'tenant_acme_foods',
  });
});

test('the secret is retained by default', () => {
  template.hasResource('AWS::SecretsManager::Secret', { DeletionPolicy: 'Retain' });
});

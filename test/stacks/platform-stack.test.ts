import { Match, Template } from 'aws-cdk-lib/assertions';
import { normalizedTemplate, synthExample } from '../support/platform';

const { stacks } = synthExample('dev');
const template = Template.fromStack(stacks.platform);

test('the platform stack publishes the user pool id and every tier\'s usage plan id in SSM', () => {
  template.hasResourceProperties('AWS::SSM::Parameter', { Name: '/microplane/dev/platform/identity/user-pool-id' });
  for (const tier of ['sandbox', 'standard', 'premium']) {
    template.hasResourceProperties('AWS::SSM::Parameter', { Name: `/microplane/dev/platform/usage-plans/${tier}` });
  }
});

test('the platform stack exports nothing, so tenant stacks never pin it', () => {
  const json = JSON.stringify(template.toJSON());
  expect(json).not.toContain('Fn::ImportValue');
  for (const output of Object.values(template.findOutputs('*'))) expect(output.Export).toBeUndefined();
});

test('the token endpoint, JWKS and whoami routes exist with the right authorization', () => {
  const methods = Object.values(template.findResources('AWS::ApiGateway::Method')).map((m) => m.Properties);
  const byMethod = (verb: string, auth: string) => methods.filter((m) => m.HttpMethod === verb && m.AuthorizationType === auth);
  // Public: the token endpoint, JWKS and the OpenAPI document. Everything else needs a service token.
  expect(byMethod('POST', 'NONE')).toHaveLength(1);
  expect(byMethod('GET', 'NONE')).toHaveLength(2);
  expect(byMethod('GET', 'CUSTOM')).toHaveLength(3);
  expect(methods.filter((m) => m.AuthorizationType === 'CUSTOM')).toHaveLength(7);
  for (const method of methods.filter((m) => m.AuthorizationType === 'CUSTOM')) expect(method.ApiKeyRequired).toBe(true);
});

test('the token exchange may sign with the service-token key and read the app registry', () => {
  template.hasResourceProperties('AWS::Lambda::Function', {
    Environment: {
      Variables: Match.objectLike({
        SERVICE_TOKEN_TTL_SECONDS: '600',
        SERVICE_TOKEN_ISSUER: 'https://microplane.dev.invalid',
        APP_REGISTRY_PREFIX: '/microplane/dev/apps/',
        USER_POOL_ID: Match.anyValue(),
        SIGNING_KEY_ARN: Match.anyValue(),
      }),
    },
  });
  template.hasResourceProperties('AWS::IAM::Policy', {
    PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: 'kms:Sign' })]) },
  });
});

test('tenant API functions run as a named role that may assume only tenant roles', () => {
  template.hasResourceProperties('AWS::IAM::Role', { RoleName: 'microplane-dev-tenant-functions' });
  template.hasResourceProperties('AWS::IAM::Policy', {
    PolicyDocument: {
      Statement: Match.arrayWith([
        Match.objectLike({
          Action: ['sts:AssumeRole', 'sts:TagSession'],
          Resource: { 'Fn::Join': ['', Match.arrayWith([':role/microplane-dev-tenant-*'])] },
        }),
      ]),
    },
  });
});

test('every function runs the current Node.js on ARM with tracing and JSON logs', () => {
  const functions = Object.values(template.findResources('AWS::Lambda::Function'))
    .map((f) => f.Properties)
    .filter((f) => !String(f.Description).startsWith('AWS CDK resource provider framework'));
  expect(functions).toHaveLength(8);
  for (const fn of functions) {
    expect(fn).toMatchObject({ Runtime: 'nodejs24.x', Architectures: ['arm64'], TracingConfig: { Mode: 'Active' }, LoggingConfig: { LogFormat: 'JSON' } });
  }
});

test('the pooled cluster is Aurora PostgreSQL Serverless v2 with the Data API, in the isolated data VPC', () => {
  template.hasResourceProperties('AWS::RDS::DBCluster', {
    DBClusterIdentifier: 'microplane-dev-pooled',
    EnableHttpEndpoint: true,
    ServerlessV2ScalingConfiguration: { MinCapacity: 0, MaxCapacity: 2 },
    BackupRetentionPeriod: 1,
    StorageEncrypted: true,
  });
  template.resourceCountIs('AWS::EC2::NatGateway', 0);
});

test('the platform publishes what tenant stacks need for their schemas', () => {
  for (const name of [
    '/microplane/dev/platform/network/vpc-id',
    '/microplane/dev/platform/network/data-subnet-0',
    '/microplane/dev/platform/network/data-subnet-1',
    '/microplane/dev/platform/database/pooled-admin-secret-arn',
    '/microplane/dev/platform/database/schema-provisioner-service-token',
  ]) {
    template.hasResourceProperties('AWS::SSM::Parameter', { Name: name });
  }
});

test('the schema provisioner runs as a named role that administers the pooled cluster and assumes tenant roles', () => {
  template.hasResourceProperties('AWS::IAM::Role', { RoleName: 'microplane-dev-schema-provisioner' });
  template.hasResourceProperties('AWS::IAM::Policy', {
    Roles: [{ Ref: Match.stringLikeRegexp('^SchemaProvisionerRole') }],
    PolicyDocument: {
      Statement: Match.arrayWith([
        Match.objectLike({ Action: ['sts:AssumeRole', 'sts:TagSession'] }),
        Match.objectLike({ Action: Match.arrayWith(['rds-data:ExecuteStatement']) }),
      ]),
    },
  });
});

test('the notes function finds tenant databases in the registry and acts through tenant roles', () => {
  template.hasResourceProperties('AWS::Lambda::Function', {
    Environment: {
      Variables: Match.objectLike({
        TENANT_DATABASE_PARAMETER_PREFIX: '/microplane/dev/tenants/',
        TENANT_ROLE_ARN_TEMPLATE: { 'Fn::Join': ['', Match.arrayWith([':role/microplane-dev-tenant-{tenantId}'])] },
      }),
    },
    Role: { 'Fn::GetAtt': [Match.stringLikeRegexp('^TenantFunctionsRole'), 'Arn'] },
  });
});

test('dev stateful resources are destroyed with the environment', () => {
  template.hasResource('AWS::Cognito::UserPool', { DeletionPolicy: 'Delete' });
  template.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Delete' });
});

test('the platform stack matches its snapshot', () => {
  expect(normalizedTemplate(template)).toMatchSnapshot();
});

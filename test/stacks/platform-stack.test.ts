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

test('the token endpoint, OIDC discovery, JWKS and whoami routes exist with the right authorization', () => {
  const methods = Object.values(template.findResources('AWS::ApiGateway::Method')).map((m) => m.Properties);
  const byMethod = (verb: string, auth: string) => methods.filter((m) => m.HttpMethod === verb && m.AuthorizationType === auth);
  // Public: the token endpoint, OIDC discovery, JWKS and the OpenAPI document. Everything else needs a service token.
  expect(byMethod('POST', 'NONE')).toHaveLength(1);
  expect(byMethod('GET', 'NONE')).toHaveLength(3);
  // whoami, the two notes reads and the document status.
  expect(byMethod('GET', 'CUSTOM')).toHaveLength(4);
  // whoami, six notes routes, five documents routes, the LLM proxy.
  expect(methods.filter((m) => m.AuthorizationType === 'CUSTOM')).toHaveLength(13);
  for (const method of methods.filter((m) => m.AuthorizationType === 'CUSTOM')) expect(method.ApiKeyRequired).toBe(true);
});

test('the token exchange may sign with the service-token key and read the app registry', () => {
  template.hasResourceProperties('AWS::Lambda::Function', {
    Environment: {
      Variables: Match.objectLike({
        SERVICE_TOKEN_TTL_SECONDS: '600',
        // The stage's own URL: STS fetches the discovery document and the JWKS from there.
        SERVICE_TOKEN_ISSUER: { 'Fn::Join': ['', ['https://', { Ref: Match.stringLikeRegexp('^GatewayApi') }, '.execute-api.', { Ref: 'AWS::Region' }, '.', { Ref: 'AWS::URLSuffix' }, '/live']] },
        SERVICE_TOKEN_AUDIENCE: 'microplane-dev-api',
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

test('tenant API functions run as a named role that may assume no role at all', () => {
  template.hasResourceProperties('AWS::IAM::Role', { RoleName: 'microplane-dev-tenant-functions' });
  const statements = JSON.stringify(template.findResources('AWS::IAM::Policy'));
  expect(statements).not.toContain('sts:AssumeRole"');
  expect(statements).not.toContain('sts:TagSession');
});

test('the service-token issuer is registered as the IAM OIDC provider once the stage is live, and its ARN is published', () => {
  const [[, provider]] = Object.entries(template.findResources('AWS::IAM::OIDCProvider'));
  expect(provider.Properties).toMatchObject({
    ClientIdList: ['microplane-dev-api'],
    Url: { 'Fn::Join': ['', ['https://', { Ref: expect.stringMatching(/^GatewayApi/) }, '.execute-api.', { Ref: 'AWS::Region' }, '.', { Ref: 'AWS::URLSuffix' }, '/live']] },
  });
  expect(provider.DeletionPolicy).toBe('Delete'); // dev; retained where the environment retains
  expect(provider.DependsOn).toEqual(expect.arrayContaining([expect.stringMatching(/^GatewayApiDeploymentStage/)]));
  template.hasResourceProperties('AWS::SSM::Parameter', {
    Name: '/microplane/dev/platform/identity/service-token-provider-arn',
    Value: { Ref: Match.stringLikeRegexp('^ServiceTokenProvider') },
  });
});

test('every function runs the current Node.js on ARM with tracing and JSON logs', () => {
  const functions = Object.entries(template.findResources('AWS::Lambda::Function'))
    // aws-cdk-lib's AwsCustomResource singleton (the Bedrock logging setting) is not ours to configure either.
    .filter(([id]) => !id.startsWith('AWS679f53fac002430cb0da5b7982bd2287'))
    .map(([, f]) => f.Properties)
    // aws-cdk-lib's own handlers (the provider framework relay, the default-security-group closer) are not ours to configure.
    .filter((f) => !String(f.Description).startsWith('AWS CDK resource provider framework'))
    .filter((f) => !String(f.Description).includes('VPC default security group'));
  // authorizer, token exchange, jwks, pre-token, whoami, notes, openapi, provisioner, rotation,
  // documents, worker, sweeper, throttle, llm-proxy.
  expect(functions).toHaveLength(14);
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
    '/microplane/dev/platform/database/secret-rotation-function-arn',
  ]) {
    template.hasResourceProperties('AWS::SSM::Parameter', { Name: name });
  }
});

test('the schema provisioner runs as a named role that reads database logins and runs statements, and assumes no tenant role', () => {
  template.hasResourceProperties('AWS::IAM::Role', { RoleName: 'microplane-dev-schema-provisioner' });
  template.hasResourceProperties('AWS::IAM::Policy', {
    Roles: [{ Ref: Match.stringLikeRegexp('^SchemaProvisionerRole') }],
    PolicyDocument: {
      Statement: Match.arrayWith([
        Match.objectLike({ Sid: 'DatabaseSecrets', Action: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'] }),
        Match.objectLike({ Sid: 'DataApi', Action: Match.arrayWith(['rds-data:ExecuteStatement']) }),
      ]),
    },
  });
  const provisionerPolicies = JSON.stringify(template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: Match.stringLikeRegexp('^SchemaProvisionerRole') }] } }));
  expect(provisionerPolicies).not.toContain('sts:');
});

test('the secret rotation function may be invoked by Secrets Manager of this account only, and rotates the pooled admin login', () => {
  template.hasResourceProperties('AWS::Lambda::Permission', {
    Principal: 'secretsmanager.amazonaws.com',
    SourceAccount: { Ref: 'AWS::AccountId' },
    FunctionName: { 'Fn::GetAtt': [Match.stringLikeRegexp('^SecretRotationFunction'), 'Arn'] },
  });
  template.hasResourceProperties('AWS::SecretsManager::RotationSchedule', {
    RotationLambdaARN: { 'Fn::GetAtt': [Match.stringLikeRegexp('^SecretRotationFunction'), 'Arn'] },
    RotationRules: { AutomaticallyAfterDays: 30 },
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

test('every log group of the platform is encrypted with the platform logs key, which admits CloudWatch Logs of this account', () => {
  const logGroups = Object.values(template.findResources('AWS::Logs::LogGroup'));
  expect(logGroups.length).toBeGreaterThan(5);
  for (const logGroup of logGroups) expect(logGroup.Properties.KmsKeyId).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^LogsKey/), 'Arn'] });
  template.hasResourceProperties('AWS::KMS::Alias', { AliasName: 'alias/microplane/dev/logs' });
  template.hasResourceProperties('AWS::KMS::Key', {
    EnableKeyRotation: true,
    KeyPolicy: Match.objectLike({
      Statement: Match.arrayWith([
        Match.objectLike({
          Sid: 'CloudWatchLogsOfThisAccount',
          Principal: { Service: { 'Fn::Join': ['', ['logs.', { Ref: 'AWS::Region' }, '.', { Ref: 'AWS::URLSuffix' }]] } },
          Condition: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': Match.anyValue() } },
        }),
      ]),
    }),
  });
});

test('dev reserves no function concurrency (new accounts have no room for it)', () => {
  for (const fn of Object.values(template.findResources('AWS::Lambda::Function'))) {
    expect(fn.Properties.ReservedConcurrentExecutions).toBeUndefined();
  }
});

test('dev stateful resources are destroyed with the environment', () => {
  template.hasResource('AWS::Cognito::UserPool', { DeletionPolicy: 'Delete' });
  template.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Delete' });
});

test('the platform stack matches its snapshot', () => {
  expect(normalizedTemplate(template)).toMatchSnapshot();
});

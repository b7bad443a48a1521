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
  expect(byMethod('POST', 'NONE')).toHaveLength(1);
  expect(byMethod('GET', 'NONE')).toHaveLength(1);
  expect(byMethod('GET', 'CUSTOM')).toEqual([expect.objectContaining({ ApiKeyRequired: true })]);
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
  const functions = Object.values(template.findResources('AWS::Lambda::Function')).map((f) => f.Properties);
  expect(functions).toHaveLength(5);
  for (const fn of functions) {
    expect(fn).toMatchObject({ Runtime: 'nodejs24.x', Architectures: ['arm64'], TracingConfig: { Mode: 'Active' }, LoggingConfig: { LogFormat: 'JSON' } });
  }
});

test('dev stateful resources are destroyed with the environment', () => {
  template.hasResource('AWS::Cognito::UserPool', { DeletionPolicy: 'Delete' });
  template.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Delete' });
});

test('the platform stack matches its snapshot', () => {
  expect(normalizedTemplate(template)).toMatchSnapshot();
});

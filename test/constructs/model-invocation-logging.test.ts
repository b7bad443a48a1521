import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { ModelInvocationLogging } from '../../lib/constructs/model-invocation-logging';

function template(props: { textDataDelivery?: boolean } = {}): Template {
  const stack = new Stack(undefined, 'Logging', { env: { account: '123456789012', region: 'eu-west-1' } });
  new ModelInvocationLogging(stack, 'ModelInvocationLogging', { environmentName: 'test', ...props });
  return Template.fromStack(stack);
}

const synthesized = template();

function loggingCall(t: Template, phase: 'Create' | 'Update' | 'Delete'): { action: string; parameters?: { loggingConfig: Record<string, unknown> } } {
  const [resource] = Object.values(t.findResources('Custom::MicroplaneModelInvocationLogging'));
  const call = resource.Properties[phase];
  const parts = typeof call === 'string' ? [call] : (call['Fn::Join'][1] as unknown[]);
  // Tokens (log group name, role ARN) sit inside JSON strings: stand them in with a plain word.
  return JSON.parse(parts.map((part) => (typeof part === 'string' ? part : 'TOKEN')).join(''));
}

test('the account setting is made on create and update and removed on delete', () => {
  expect(loggingCall(synthesized, 'Create').action).toBe('putModelInvocationLoggingConfiguration');
  expect(loggingCall(synthesized, 'Update').action).toBe('putModelInvocationLoggingConfiguration');
  expect(loggingCall(synthesized, 'Delete').action).toBe('deleteModelInvocationLoggingConfiguration');
});

test('it logs metadata to the platform log group and never embedding inputs; text only when asked', () => {
  expect(loggingCall(synthesized, 'Create').parameters!.loggingConfig).toMatchObject({
    cloudWatchConfig: expect.objectContaining({ logGroupName: expect.anything(), roleArn: expect.anything() }),
    textDataDeliveryEnabled: false,
    embeddingDataDeliveryEnabled: false,
    imageDataDeliveryEnabled: false,
  });
  expect(loggingCall(template({ textDataDelivery: true }), 'Create').parameters!.loggingConfig).toMatchObject({
    textDataDeliveryEnabled: true,
    embeddingDataDeliveryEnabled: false,
  });
  synthesized.hasResource('AWS::Logs::LogGroup', {
    Properties: { LogGroupName: '/microplane/test/bedrock/model-invocations', RetentionInDays: 365 },
    DeletionPolicy: 'Retain',
  });
});

test('only Bedrock of this account may assume the delivery role, and it may only write to that group', () => {
  synthesized.hasResourceProperties('AWS::IAM::Role', {
    AssumeRolePolicyDocument: {
      Statement: [
        Match.objectLike({
          Principal: { Service: 'bedrock.amazonaws.com' },
          Condition: {
            StringEquals: { 'aws:SourceAccount': '123456789012' },
            ArnLike: { 'aws:SourceArn': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':bedrock:eu-west-1:123456789012:*']] } },
          },
        }),
      ],
    },
  });
  synthesized.hasResourceProperties('AWS::IAM::Policy', {
    PolicyDocument: {
      Statement: [Match.objectLike({ Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('LogGroup'), 'Arn'] } })],
    },
  });
});

test('the custom resource may pass only the delivery role', () => {
  synthesized.hasResourceProperties('AWS::IAM::Policy', {
    PolicyDocument: {
      Statement: Match.arrayWith([
        Match.objectLike({ Action: 'iam:PassRole', Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('DeliveryRole'), 'Arn'] } }),
      ]),
    },
  });
});

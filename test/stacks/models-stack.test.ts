import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { modelsStackName, platformStackName } from '../../lib/microplane';
import { PlatformParameters } from '../../lib/platform-parameters';
import { importPrivateModelAccess, MODELS_CLIENT_SUBNET_COUNT } from '../../lib/stacks/models-stack';
import { normalizedTemplate, synthExample } from '../support/platform';

const { stacks } = synthExample('prod');
const models = stacks.models!;
const template = Template.fromStack(models);

test('prod has a models stack, named from the environment, that the platform stack deploys after; dev has none', () => {
  expect(models.stackName).toBe(modelsStackName('prod'));
  expect(stacks.platform.dependencies).toContain(models);
  expect(synthExample('dev').stacks.models).toBeUndefined();
});

test('the models stack publishes the VPC, its private subnets, the client group and the endpoints in SSM', () => {
  template.hasResourceProperties('AWS::SSM::Parameter', { Name: '/microplane/prod/platform/models/vpc-id', Value: { Ref: Match.stringLikeRegexp('^ModelHostingVpc') } });
  for (let index = 0; index < 2; index++) {
    template.hasResourceProperties('AWS::SSM::Parameter', { Name: `/microplane/prod/platform/models/private-subnet-${index}`, Value: { Ref: Match.stringLikeRegexp('^ModelHostingVpcNodesSubnet') } });
  }
  template.hasResourceProperties('AWS::SSM::Parameter', {
    Name: '/microplane/prod/platform/models/client-security-group-id',
    Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ModelHostingClientSecurityGroup'), 'GroupId'] },
  });
  const [endpoints] = Object.values(template.findResources('AWS::SSM::Parameter', { Properties: { Name: '/microplane/prod/platform/models/private-endpoints' } }));
  // {"llama-8b":"http://<load balancer hostname>:8000/v1"}
  const [, parts] = endpoints.Properties.Value['Fn::Join'];
  expect(parts[0]).toBe('{"llama-8b":"http://');
  expect(parts[1]).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^ModelHostingModelsllama8bLoadBalancerAddress/), 'Value'] });
  expect(parts[2]).toBe(':8000/v1"}');
});

test('the models stack exports nothing, so the platform stack never pins it', () => {
  for (const output of Object.values(template.findOutputs('*'))) expect(output.Export).toBeUndefined();
});

test('the models stack stays far below CloudFormation\'s 500 resources', () => {
  const count = Object.keys(template.toJSON().Resources).length;
  expect(count).toBeLessThan(150);
});

test('the models stack\'s keys and log groups are retained in prod', () => {
  for (const type of ['AWS::KMS::Key', 'AWS::Logs::LogGroup']) {
    const resources = Object.values(template.findResources(type));
    expect(resources.length).toBeGreaterThan(0);
    for (const resource of resources) expect(resource).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  }
  template.hasResourceProperties('AWS::KMS::Alias', { AliasName: 'alias/microplane/prod/models-secrets' });
});

test('the models stack places its VPC in the environment\'s zones without looking them up', () => {
  const zones = Object.values(template.findResources('AWS::EC2::Subnet')).map((subnet) => subnet.Properties.AvailabilityZone);
  expect([...new Set(zones)].sort()).toEqual(['eu-west-1a', 'eu-west-1b']);
});

test('another stack attaches a function to the models VPC with the client group and reads the endpoints, from SSM at deploy time', () => {
  // GIVEN
  const stack = new Stack(new App(), 'Caller', { env: { account: '111111111111', region: 'eu-west-1' } });
  // WHEN
  const access = importPrivateModelAccess(stack, 'PrivateModels', new PlatformParameters('prod'));
  new lambda.Function(stack, 'Proxy', {
    runtime: lambda.Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => ({})'),
    vpc: access.vpc,
    vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
    securityGroups: [access.securityGroup],
    environment: { PRIVATE_MODEL_ENDPOINTS: access.endpointsJson },
  });
  // THEN
  const caller = Template.fromStack(stack);
  const parameterOf = (name: string) => {
    const [[id]] = Object.entries(caller.findParameters('*', { Type: 'AWS::SSM::Parameter::Value<String>', Default: name }));
    return { Ref: id };
  };
  caller.hasResourceProperties('AWS::Lambda::Function', {
    VpcConfig: {
      SecurityGroupIds: [parameterOf('/microplane/prod/platform/models/client-security-group-id')],
      SubnetIds: Array.from({ length: MODELS_CLIENT_SUBNET_COUNT }, (_, index) => parameterOf(`/microplane/prod/platform/models/private-subnet-${index}`)),
    },
    Environment: { Variables: { PRIVATE_MODEL_ENDPOINTS: parameterOf('/microplane/prod/platform/models/private-endpoints') } },
  });
  // One stack parameter per value the function uses, nothing unused (CloudFormation warns of those).
  expect(Object.keys(caller.findParameters('*', { Type: 'AWS::SSM::Parameter::Value<String>', Default: Match.stringLikeRegexp('^/microplane/') }))).toHaveLength(MODELS_CLIENT_SUBNET_COUNT + 2);
  // The imported group is not changed by the caller's stack.
  caller.resourceCountIs('AWS::EC2::SecurityGroupEgress', 0);
  caller.resourceCountIs('AWS::EC2::SecurityGroupIngress', 0);
  expect(JSON.stringify(caller.toJSON())).not.toContain('Fn::ImportValue');
});

test('the stack names and the platform stack name stay distinct', () => {
  expect(modelsStackName('prod')).toBe('Microplane-prod-Models');
  expect(modelsStackName('prod')).not.toBe(platformStackName('prod'));
});

test('the models stack matches the snapshot', () => {
  expect(normalizedTemplate(template)).toMatchSnapshot();
});

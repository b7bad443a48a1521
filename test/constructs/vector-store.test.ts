import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { PlatformNetwork } from '../../lib/constructs/platform-network';
import { VectorStore, VectorStoreProps } from '../../lib/constructs/vector-store';
import { boundedName, pooledCollectionName, siloedCollectionName, tenantDataAccessPolicyName } from '../../lib/platform-parameters';
import { joinedJson } from '../support/platform';

/** A stack with a key and a VectorStore named `pooled`, built from `overrides`; `template` synthesizes it. */
function storeStack(overrides: Partial<VectorStoreProps> = {}) {
  const stack = new Stack(new App(), 'Vectors');
  const encryptionKey = new kms.Key(stack, 'Key');
  const store = new VectorStore(stack, 'Store', { collectionName: 'pooled', encryptionKey, vpcEndpointId: 'vpce-0123456789abcdef0', ...overrides });
  return {
    stack,
    store,
    get template() {
      return Template.fromStack(stack);
    },
  };
}

/** The parsed JSON document of the one security policy of `type`. */
function securityPolicy(template: Template, type: 'encryption' | 'network'): any {
  const [policy] = Object.values(template.findResources('AWS::OpenSearchServerless::SecurityPolicy', { Properties: { Type: type } }));
  const document = policy.Properties.Policy;
  return typeof document === 'string' ? JSON.parse(document) : joinedJson(document, '<token>');
}

describe('a vector store', () => {
  test('is a VECTORSEARCH collection created after its encryption and network policies', () => {
    const { template } = storeStack();
    template.hasResource('AWS::OpenSearchServerless::Collection', {
      Properties: { Name: 'pooled', Type: 'VECTORSEARCH', StandbyReplicas: 'ENABLED' },
      DependsOn: Match.arrayWith([Match.stringLikeRegexp('^StoreEncryptionPolicy'), Match.stringLikeRegexp('^StoreNetworkPolicy')]),
    });
  });

  test('is encrypted with the customer managed key it is given, never the AWS owned key', () => {
    const { template } = storeStack();
    const policy = Object.values(template.findResources('AWS::OpenSearchServerless::SecurityPolicy', { Properties: { Type: 'encryption' } }))[0];
    expect(policy.Properties.Policy['Fn::Join'][1]).toContainEqual({ 'Fn::GetAtt': [expect.stringMatching(/^Key/), 'Arn'] });
    expect(securityPolicy(template, 'encryption')).toEqual({
      Rules: [{ ResourceType: 'collection', Resource: ['collection/pooled'] }],
      AWSOwnedKey: false,
      KmsARN: '<token>',
    });
  });

  test('is reachable only through the VPC endpoint: no public access, no Dashboards', () => {
    const { template } = storeStack();
    expect(securityPolicy(template, 'network')).toEqual([
      {
        Description: expect.any(String),
        Rules: [{ ResourceType: 'collection', Resource: ['collection/pooled'] }],
        AllowFromPublic: false,
        SourceVPCEs: ['vpce-0123456789abcdef0'],
      },
    ]);
  });

  test('without standby replicas halves its minimum capacity (dev)', () => {
    storeStack({ standbyReplicas: false }).template.hasResourceProperties('AWS::OpenSearchServerless::Collection', { StandbyReplicas: 'DISABLED' });
  });

  test('is retained with its policies unless told otherwise', () => {
    const { template } = storeStack();
    for (const type of ['AWS::OpenSearchServerless::Collection', 'AWS::OpenSearchServerless::SecurityPolicy']) {
      for (const resource of Object.values(template.findResources(type))) {
        expect(resource).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
      }
    }
    storeStack({ removalPolicy: RemovalPolicy.DESTROY }).template.hasResource('AWS::OpenSearchServerless::Collection', { DeletionPolicy: 'Delete' });
  });

  test('grants API access to exactly its own collection', () => {
    const { stack, store } = storeStack();
    const role = new iam.Role(stack, 'Reader', { assumedBy: new iam.AccountRootPrincipal() });
    store.grantApiAccess(role);
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [{ Effect: 'Allow', Action: 'aoss:APIAccessAll', Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^StoreCollection'), 'Arn'] } }],
      },
    });
  });

  test('exposes the collection\'s ARN, endpoint and id as typed attributes', () => {
    const { stack, store } = storeStack();
    expect(stack.resolve(store.collectionArn)).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^StoreCollection/), 'Arn'] });
    expect(stack.resolve(store.collectionEndpoint)).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^StoreCollection/), 'CollectionEndpoint'] });
    expect(stack.resolve(store.collectionId)).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^StoreCollection/), 'Id'] });
  });

  test.each([
    ['too long', 'a'.repeat(29)],
    ['uppercase', 'Pooled'],
    ['starting with a digit', '1pooled'],
    ['too short', 'ab'],
  ])('refuses a collection name that is %s', (_, collectionName) => {
    expect(() => storeStack({ collectionName })).toThrow(`collection name "${collectionName}" must be 3 to 28`);
  });
});

describe('an imported vector store', () => {
  test('grants API access to the collection named by its ARN, and derives the id from it', () => {
    const stack = new Stack(new App(), 'Tenant');
    const store = VectorStore.fromCollectionAttributes(stack, 'Pooled', {
      collectionArn: 'arn:aws:aoss:eu-west-1:111111111111:collection/abc123def456',
      collectionEndpoint: 'https://abc123def456.eu-west-1.aoss.amazonaws.com',
      collectionName: 'microplane-dev-pooled',
    });
    const role = new iam.Role(stack, 'Reader', { assumedBy: new iam.AccountRootPrincipal() });
    store.grantApiAccess(role);
    expect(store.collectionId).toBe('abc123def456');
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: [Match.objectLike({ Action: 'aoss:APIAccessAll', Resource: 'arn:aws:aoss:eu-west-1:111111111111:collection/abc123def456' })] },
    });
  });
});

describe('the data network\'s OpenSearch Serverless endpoint', () => {
  test('sits in the data subnets behind a group that admits HTTPS only from the callers allowed in', () => {
    // GIVEN
    const stack = new Stack(new App(), 'Network');
    const network = new PlatformNetwork(stack, 'Network');
    const endpoint = network.vectorSearchEndpoint('microplane-dev-vectors');
    const caller = new ec2.SecurityGroup(stack, 'Caller', { vpc: network.vpc, allowAllOutbound: false });
    // WHEN
    endpoint.connections.allowDefaultPortFrom(caller);
    // THEN
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::OpenSearchServerless::VpcEndpoint', {
      Name: 'microplane-dev-vectors',
      VpcId: { Ref: Match.stringLikeRegexp('^NetworkVpc') },
      SubnetIds: [{ Ref: Match.stringLikeRegexp('DataSubnet1') }, { Ref: Match.stringLikeRegexp('DataSubnet2') }],
    });
    const ingress = Object.values(template.findResources('AWS::EC2::SecurityGroupIngress')).map((rule) => rule.Properties);
    expect(ingress).toEqual([
      expect.objectContaining({
        IpProtocol: 'tcp',
        FromPort: 443,
        ToPort: 443,
        GroupId: { 'Fn::GetAtt': [expect.stringMatching(/^NetworkVectorSearchEndpointSecurityGroup/), 'GroupId'] },
        SourceSecurityGroupId: { 'Fn::GetAtt': [expect.stringMatching(/^Caller/), 'GroupId'] },
      }),
    ]);
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: Match.stringLikeRegexp('OpenSearch Serverless VPC endpoint'),
      SecurityGroupIngress: Match.absent(),
    });
  });

  test('is created once per network: asking again returns it, another name is refused', () => {
    const network = new PlatformNetwork(new Stack(new App(), 'Network'), 'Network');
    const first = network.vectorSearchEndpoint('microplane-dev-vectors');
    expect(network.vectorSearchEndpoint('microplane-dev-vectors')).toBe(first);
    expect(() => network.vectorSearchEndpoint('other')).toThrow('already has the vector search endpoint "microplane-dev-vectors"');
  });
});

describe('OpenSearch Serverless names', () => {
  test('the longest environment name still gives a valid pooled collection name', () => {
    expect(pooledCollectionName('abcdefghij')).toBe('microplane-abcdefghij-pooled');
    expect(pooledCollectionName('abcdefghij').length).toBeLessThanOrEqual(28);
  });

  test('a long tenant id is shortened with a hash, so names stay unique, stable and valid', () => {
    const a = siloedCollectionName('prod', 'initech-finance-and-accounting-x');
    const b = siloedCollectionName('prod', 'initech-finance-and-accounting-y');
    for (const name of [a, b]) expect(name).toMatch(/^[a-z][a-z0-9-]{2,27}$/);
    expect(a).not.toBe(b);
    expect(siloedCollectionName('prod', 'initech-finance-and-accounting-x')).toBe(a);
    expect(tenantDataAccessPolicyName('prod', 'initech-finance-and-accounting-x').length).toBeLessThanOrEqual(32);
  });

  test('a short name is kept as it is', () => {
    expect(siloedCollectionName('dev', 'initech')).toBe('mp-dev-initech');
    expect(boundedName('mp-dev-acme', 32)).toBe('mp-dev-acme');
  });

  test('a shortened name never ends with a hyphen before its hash', () => {
    // The cut at 21 characters ends on the hyphen after the a's.
    expect(boundedName(`${'a'.repeat(20)}-bbbbbbbbbbbbbbbbbbbb`, 28)).toMatch(/^a{20}-[0-9a-f]{6}$/);
  });
});

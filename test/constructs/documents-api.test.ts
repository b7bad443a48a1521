import { Match, Template } from 'aws-cdk-lib/assertions';
import { synthExample } from '../support/platform';

const { stacks } = synthExample('dev');
const template = Template.fromStack(stacks.platform);
const resources = template.toJSON().Resources as Record<string, { Type: string; Properties: Record<string, any>; DependsOn?: string[] }>;

type Statement = { Sid?: string; Effect: string; Action: string | string[]; Resource: unknown; Principal?: unknown; Condition?: unknown };

const asList = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

/** The function whose POWERTOOLS_SERVICE_NAME is `handlerName`. */
function functionOf(handlerName: string): { id: string; properties: Record<string, any> } {
  const found = Object.entries(resources).filter(
    ([, resource]) => resource.Type === 'AWS::Lambda::Function' && resource.Properties.Environment?.Variables?.POWERTOOLS_SERVICE_NAME === handlerName,
  );
  expect(found).toHaveLength(1);
  return { id: found[0][0], properties: found[0][1].Properties };
}

/** Every statement of the identity policies attached to the role with this logical id prefix. */
function statementsOfRole(rolePrefix: string): Statement[] {
  return Object.values(resources)
    .filter((resource) => resource.Type === 'AWS::IAM::Policy' && JSON.stringify(resource.Properties.Roles).includes(`"Ref":"${rolePrefix}`))
    .flatMap((resource) => resource.Properties.PolicyDocument.Statement as Statement[]);
}

/** The logical id of the one resource of `type` whose id starts with `prefix`. */
function idOf(type: string, prefix: RegExp): string {
  const ids = Object.entries(resources).filter(([id, resource]) => resource.Type === type && prefix.test(id)).map(([id]) => id);
  expect(ids).toHaveLength(1);
  return ids[0];
}

describe('the documents functions', () => {
  test('the documents function runs as the tenant functions role with the pipeline settings of the contract', () => {
    const { properties } = functionOf('documents');
    expect(properties.Role).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^TenantFunctionsRole/), 'Arn'] });
    expect(properties.Environment.Variables).toMatchObject({
      VECTOR_REGISTRY_PARAMETER_PREFIX: '/microplane/dev/vectors/',
      TENANT_ROLE_ARN_TEMPLATE: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'AWS::AccountId' }, ':role/microplane-dev-tenant-{tenantId}']] },
      EMBEDDING_MODEL_ID: 'amazon.titan-embed-text-v2:0',
      EMBEDDING_DIMENSIONS: '1024',
      INGEST_QUEUE_URL: { Ref: expect.stringMatching(/^DocumentsApiIngestQueue/) },
      SYNC_INGEST_MAX_BYTES: '65536',
      CHUNK_CHARACTERS: '2000',
      CHUNK_OVERLAP_CHARACTERS: '200',
      DOCUMENT_DEFAULT_TTL_DAYS: '7',
      DOCUMENT_MAX_TTL_DAYS: '30',
    });
  });

  test('the worker has the pipeline settings but no queue URL, and a role of its own', () => {
    const { properties } = functionOf('documents-worker');
    expect(properties.Environment.Variables).toMatchObject({
      VECTOR_REGISTRY_PARAMETER_PREFIX: '/microplane/dev/vectors/',
      TENANT_ROLE_ARN_TEMPLATE: expect.anything(),
      EMBEDDING_MODEL_ID: 'amazon.titan-embed-text-v2:0',
      EMBEDDING_DIMENSIONS: '1024',
      CHUNK_CHARACTERS: '2000',
      CHUNK_OVERLAP_CHARACTERS: '200',
    });
    expect(properties.Environment.Variables.INGEST_QUEUE_URL).toBeUndefined();
    expect(properties.Role).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^DocumentsApiWorkerRole/), 'Arn'] });
  });

  test('the sweeper knows only the registry, and runs as its named role', () => {
    const { properties } = functionOf('documents-sweeper');
    expect(Object.keys(properties.Environment.Variables).sort()).toEqual(['NODE_OPTIONS', 'POWERTOOLS_SERVICE_NAME', 'VECTOR_REGISTRY_PARAMETER_PREFIX']);
    expect(properties.Role).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^DocumentsApiSweeperRole/), 'Arn'] });
    template.hasResourceProperties('AWS::IAM::Role', { RoleName: 'microplane-dev-documents-sweeper' });
  });

  test.each(['documents', 'documents-worker', 'documents-sweeper'])('%s runs in the data subnets with the documents security group, once its role may create network interfaces', (handlerName) => {
    const { properties } = functionOf(handlerName);
    expect(properties.VpcConfig).toEqual({
      SubnetIds: [{ Ref: expect.stringMatching(/DataSubnet1/) }, { Ref: expect.stringMatching(/DataSubnet2/) }],
      SecurityGroupIds: [{ 'Fn::GetAtt': [expect.stringMatching(/^DocumentsApiSecurityGroup/), 'GroupId'] }],
    });
    const dependsOn = Object.entries(resources).find(([, r]) => r.Properties === properties)![1].DependsOn ?? [];
    expect(dependsOn.some((id) => /DefaultPolicy/.test(id))).toBe(true);
  });
});

describe('the data network', () => {
  const groupId = (prefix: RegExp) => ({ 'Fn::GetAtt': [idOf('AWS::EC2::SecurityGroup', prefix), 'GroupId'] });

  test('the documents functions may send HTTPS to the endpoints and nowhere else', () => {
    const egress = Object.values(resources).filter((r) => r.Type === 'AWS::EC2::SecurityGroupEgress' && JSON.stringify(r.Properties.GroupId).includes('DocumentsApiSecurityGroup'));
    expect(egress.length).toBe(7);
    for (const rule of egress) expect(rule.Properties).toMatchObject({ IpProtocol: 'tcp', FromPort: 443, ToPort: 443, DestinationSecurityGroupId: expect.anything() });
    // No inline rules: CloudFormation drops a group's default allow-all egress once a SecurityGroupEgress names it.
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: Match.stringLikeRegexp('^Documents functions'),
      SecurityGroupEgress: Match.absent(),
      SecurityGroupIngress: Match.absent(),
    });
  });

  test.each(['sts', 'ssm', 'kms', 'bedrock-runtime', 'sqs', 'xray'])('the %s endpoint has private DNS and admits only the documents functions', (service) => {
    const endpoint = Object.entries(resources).find(
      ([, r]) => r.Type === 'AWS::EC2::VPCEndpoint' && JSON.stringify(r.Properties.ServiceName).includes(`.${service}"`),
    );
    expect(endpoint).toBeDefined();
    expect(endpoint![1].Properties).toMatchObject({ VpcEndpointType: 'Interface', PrivateDnsEnabled: true });
    const [endpointGroup] = endpoint![1].Properties.SecurityGroupIds;
    const ingress = Object.values(resources).filter((r) => r.Type === 'AWS::EC2::SecurityGroupIngress' && JSON.stringify(r.Properties.GroupId) === JSON.stringify(endpointGroup));
    expect(ingress.map((r) => r.Properties.SourceSecurityGroupId)).toEqual([groupId(/^DocumentsApiSecurityGroup/)]);
    const group = resources[endpointGroup['Fn::GetAtt'][0]];
    expect(group.Properties.SecurityGroupIngress).toBeUndefined();
  });

  test('the OpenSearch Serverless endpoint admits only the documents functions', () => {
    const ingress = Object.values(resources).filter(
      (r) => r.Type === 'AWS::EC2::SecurityGroupIngress' && JSON.stringify(r.Properties.GroupId).includes('NetworkVectorSearchEndpointSecurityGroup'),
    );
    expect(ingress.map((r) => r.Properties)).toEqual([
      expect.objectContaining({ FromPort: 443, ToPort: 443, SourceSecurityGroupId: groupId(/^DocumentsApiSecurityGroup/) }),
    ]);
  });
});

describe('permissions', () => {
  test('the tenant functions role may read the vector registry, invoke the one embedding model and send to the ingest queue', () => {
    const statements = statementsOfRole('TenantFunctionsRole');
    expect(statements).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ Action: 'ssm:GetParameter', Resource: { 'Fn::Join': ['', expect.arrayContaining([':parameter/microplane/dev/vectors/*'])] } }),
        expect.objectContaining({
          Action: 'bedrock:InvokeModel',
          Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':bedrock:', { Ref: 'AWS::Region' }, '::foundation-model/amazon.titan-embed-text-v2:0']] },
        }),
        expect.objectContaining({ Action: 'sqs:SendMessage', Resource: { 'Fn::GetAtt': [expect.stringMatching(/^DocumentsApiIngestQueue/), 'Arn'] } }),
      ]),
    );
  });

  test('the tenant functions role holds no OpenSearch, KMS or queue-reading right of its own', () => {
    const actions = statementsOfRole('TenantFunctionsRole').flatMap((statement) => asList(statement.Action));
    expect(actions.filter((action) => /^(aoss|kms):/.test(action) || /^sqs:(Receive|Delete|ChangeMessage)/.test(action))).toEqual([]);
    expect(actions.filter((action) => action.includes('*'))).toEqual([]);
  });

  test('the queue key lets the tenant functions role send only through SQS', () => {
    const key = resources[idOf('AWS::KMS::Key', /^DocumentsApiQueueKey/)];
    const statement = (key.Properties.KeyPolicy.Statement as Statement[]).find((s) => s.Sid === 'TenantFunctionsSendThroughSqs');
    expect(statement).toEqual({
      Sid: 'TenantFunctionsSendThroughSqs',
      Effect: 'Allow',
      Principal: { AWS: { 'Fn::GetAtt': [expect.stringMatching(/^TenantFunctionsRole/), 'Arn'] } },
      Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
      Resource: '*',
      Condition: { StringEquals: { 'kms:ViaService': { 'Fn::Join': ['', ['sqs.', { Ref: 'AWS::Region' }, '.', { Ref: 'AWS::URLSuffix' }]] } } },
    });
    template.hasResourceProperties('AWS::KMS::Alias', { AliasName: 'alias/microplane/dev/documents-queue' });
  });

  test('the worker may consume the queue, read the registry and invoke the model, and nothing in OpenSearch', () => {
    const statements = statementsOfRole('DocumentsApiWorkerRole');
    const actions = statements.flatMap((statement) => asList(statement.Action));
    expect(actions).toEqual(expect.arrayContaining(['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'ssm:GetParameter', 'bedrock:InvokeModel', 'kms:Decrypt']));
    expect(actions.filter((action) => action.startsWith('aoss:'))).toEqual([]);
  });

  test('the sweeper may list the registry and call any collection, which tenant policies limit to documents, and has no key', () => {
    const statements = statementsOfRole('DocumentsApiSweeperRole');
    expect(statements).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ Action: ['ssm:GetParametersByPath', 'ssm:GetParameter'] }),
        expect.objectContaining({
          Action: 'aoss:APIAccessAll',
          Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':aoss:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':collection/*']] },
        }),
      ]),
    );
    const registry = JSON.stringify(statements.find((s) => s.Sid === 'VectorRegistry')!.Resource);
    expect(registry).toContain(':parameter/microplane/dev/vectors"');
    expect(registry).toContain(':parameter/microplane/dev/vectors/*"');
    expect(statements.flatMap((s) => asList(s.Action)).filter((action) => action.startsWith('kms:') || action.startsWith('bedrock:'))).toEqual([]);
  });
});

describe('the ingest queue', () => {
  test('is encrypted with the queue key, keeps jobs an hour and moves them to the dead-letter queue after three receives', () => {
    const queueKey = { 'Fn::GetAtt': [idOf('AWS::KMS::Key', /^DocumentsApiQueueKey/), 'Arn'] };
    template.hasResourceProperties('AWS::SQS::Queue', {
      KmsMasterKeyId: queueKey,
      MessageRetentionPeriod: 3600,
      VisibilityTimeout: 150,
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^DocumentsApiDeadLetterQueue'), 'Arn'] }, maxReceiveCount: 3 },
    });
    template.hasResourceProperties('AWS::SQS::Queue', { KmsMasterKeyId: queueKey, MessageRetentionPeriod: 345600, RedrivePolicy: Match.absent() });
  });

  test('both queues refuse requests without TLS', () => {
    for (const prefix of [/^DocumentsApiIngestQueue/, /^DocumentsApiDeadLetterQueue/]) {
      const queue = idOf('AWS::SQS::Queue', prefix);
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: queue }],
        PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
      });
    }
  });

  test('feeds the worker one job at a time, reporting failed jobs, with bounded concurrency', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: functionOf('documents-worker').id },
      EventSourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^DocumentsApiIngestQueue'), 'Arn'] },
      BatchSize: 1,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 5 },
    });
  });
});

test('the sweeper runs every hour', () => {
  template.hasResourceProperties('AWS::Events::Rule', {
    ScheduleExpression: 'rate(1 hour)',
    Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [functionOf('documents-sweeper').id, 'Arn'] }, RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 3600 } })],
  });
});

test('the five document routes need a service token with their scope and all reach the documents function', () => {
  const documentRoutes = stacks.platform.gateway.tenantRoutes.filter((route) => route.scope.startsWith('documents.'));
  expect(documentRoutes).toEqual([
    { method: 'POST', path: '/v1/documents', scope: 'documents.write' },
    { method: 'GET', path: '/v1/documents/{id}', scope: 'documents.read' },
    { method: 'DELETE', path: '/v1/documents/{id}', scope: 'documents.write' },
    { method: 'POST', path: '/v1/documents/purge', scope: 'documents.write' },
    { method: 'POST', path: '/v1/search', scope: 'documents.read' },
  ]);
  const documentsArn = JSON.stringify({ 'Fn::GetAtt': [functionOf('documents').id, 'Arn'] });
  const methods = Object.values(resources).filter((r) => r.Type === 'AWS::ApiGateway::Method' && JSON.stringify(r.Properties.Integration).includes(documentsArn));
  expect(methods).toHaveLength(5);
  for (const method of methods) expect(method.Properties).toMatchObject({ AuthorizationType: 'CUSTOM', ApiKeyRequired: true });
});

test('the platform publishes the pooled collection and the VPC endpoint for tenant stacks', () => {
  template.hasResourceProperties('AWS::SSM::Parameter', {
    Name: '/microplane/dev/platform/vectors/vpc-endpoint-id',
    Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^NetworkVectorSearchEndpoint'), 'Id'] },
  });
  template.hasResourceProperties('AWS::SSM::Parameter', {
    Name: '/microplane/dev/platform/vectors/pooled-collection-arn',
    Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^VectorStoreCollection'), 'Arn'] },
  });
  template.hasResourceProperties('AWS::SSM::Parameter', {
    Name: '/microplane/dev/platform/vectors/pooled-collection-endpoint',
    Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^VectorStoreCollection'), 'CollectionEndpoint'] },
  });
});

test('the pooled collection is under the platform vectors key, which rotates', () => {
  const key = idOf('AWS::KMS::Key', /^VectorsKey/);
  expect(resources[key].Properties.EnableKeyRotation).toBe(true);
  template.hasResourceProperties('AWS::KMS::Alias', { AliasName: 'alias/microplane/dev/vectors', TargetKeyId: { 'Fn::GetAtt': [key, 'Arn'] } });
  const [encryption] = Object.values(template.findResources('AWS::OpenSearchServerless::SecurityPolicy', { Properties: { Type: 'encryption' } }));
  expect(encryption.Properties.Policy['Fn::Join'][1]).toContainEqual({ 'Fn::GetAtt': [key, 'Arn'] });
});

describe('in prod', () => {
  const prod = Template.fromStack(synthExample('prod').stacks.platform);

  test('the collection keeps standby replicas and, with its policies and key, is retained', () => {
    prod.hasResource('AWS::OpenSearchServerless::Collection', { Properties: Match.objectLike({ StandbyReplicas: 'ENABLED' }), DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    for (const policy of Object.values(prod.findResources('AWS::OpenSearchServerless::SecurityPolicy'))) expect(policy.DeletionPolicy).toBe('Retain');
    prod.hasResource('AWS::KMS::Key', { Properties: Match.objectLike({ Description: Match.stringLikeRegexp('vector collection') }), DeletionPolicy: 'Retain' });
  });

  test('the documents function and the sweeper reserve their configured concurrency', () => {
    const reserved = Object.values(prod.findResources('AWS::Lambda::Function'))
      .map((f) => [f.Properties.Environment?.Variables?.POWERTOOLS_SERVICE_NAME, f.Properties.ReservedConcurrentExecutions])
      .filter(([name]) => String(name).startsWith('documents'));
    expect(Object.fromEntries(reserved)).toEqual({ documents: 100, 'documents-worker': undefined, 'documents-sweeper': 1 });
  });
});

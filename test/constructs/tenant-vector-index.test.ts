import { App, LegacyStackSynthesizer, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { TenantVectorIndex, TenantVectorIndexProps } from '../../lib/constructs/tenant-vector-index';
import { VectorStore } from '../../lib/constructs/vector-store';
import { EnvironmentConfig } from '../../lib/config/schema';
import { TenantStack } from '../../lib/stacks/tenant-stack';
import { exampleConfig, joinedJson, synthExample, tenant } from '../support/platform';

const SWEEPER = 'arn:aws:iam::111111111111:role/microplane-dev-documents-sweeper';
const DEPLOYER = 'arn:aws:iam::111111111111:role/deployer';

/** A stack with one tenant index in an imported (pooled) collection. */
function indexStack(overrides: Partial<TenantVectorIndexProps> = {}) {
  const stack = new Stack(new App(), 'Tenant');
  const store = VectorStore.fromCollectionAttributes(stack, 'Pooled', {
    collectionArn: 'arn:aws:aoss:eu-west-1:111111111111:collection/abc123def456',
    collectionEndpoint: 'https://abc123def456.eu-west-1.aoss.amazonaws.com',
    collectionName: 'microplane-dev-pooled',
  });
  const role = new iam.Role(stack, 'TenantRole', { roleName: 'microplane-dev-tenant-acme', assumedBy: new iam.AccountRootPrincipal() });
  new TenantVectorIndex(stack, 'VectorIndex', {
    tenantId: 'acme',
    environmentName: 'dev',
    store,
    tenantRole: role,
    tenantKey: new kms.Key(stack, 'TenantKey'),
    sweeperRoleArn: SWEEPER,
    indexManagerArns: [DEPLOYER],
    vectorField: { dimensions: 1024, engine: 'faiss', spaceType: 'l2' },
    registryParameterName: '/microplane/dev/vectors/acme',
    ...overrides,
  });
  return Template.fromStack(stack);
}

type AccessRule = { Rules: Array<{ ResourceType: string; Resource: string[]; Permission: string[] }>; Principal: string[] };

/** The parsed rules of the one data access policy of a template, tokens replaced by `<token>`. */
function accessRules(template: Template): AccessRule[] {
  const [policy] = Object.values(template.findResources('AWS::OpenSearchServerless::AccessPolicy'));
  expect(policy.Properties.Type).toBe('data');
  const document = policy.Properties.Policy;
  return (typeof document === 'string' ? JSON.parse(document) : joinedJson(document, '<token>')) as AccessRule[];
}

describe('a tenant vector index', () => {
  test('is named after the tenant and maps the stored document shape: knn vector, metadata, ciphertext not indexed', () => {
    indexStack().hasResourceProperties('AWS::OpenSearchServerless::Index', {
      IndexName: 'tenant-acme',
      CollectionEndpoint: 'https://abc123def456.eu-west-1.aoss.amazonaws.com',
      Settings: { Index: { Knn: true } },
      Mappings: {
        Properties: {
          embedding: { Type: 'knn_vector', Dimension: 1024, Method: { Name: 'hnsw', Engine: 'faiss', SpaceType: 'l2' } },
          kind: { Type: 'keyword' },
          tenant: { Type: 'keyword' },
          app: { Type: 'keyword' },
          document_id: { Type: 'keyword' },
          chunk: { Type: 'integer' },
          origin: { Type: 'keyword' },
          author: { Type: 'keyword' },
          created: { Type: 'date' },
          expires: { Type: 'date' },
          classification: { Type: 'keyword' },
          pii: { Type: 'keyword' },
          fingerprint: { Type: 'keyword' },
          status: { Type: 'keyword' },
          // binary fields are kept in _source only: never indexed, never searchable.
          ciphertext: { Type: 'binary' },
          encrypted_key: { Type: 'binary' },
        },
      },
    });
  });

  test('takes dimension, engine and distance from its settings', () => {
    indexStack({ vectorField: { dimensions: 256, engine: 'nmslib', spaceType: 'cosinesimil' } }).hasResourceProperties('AWS::OpenSearchServerless::Index', {
      Mappings: { Properties: { embedding: { Type: 'knn_vector', Dimension: 256, Method: { Name: 'hnsw', Engine: 'nmslib', SpaceType: 'cosinesimil' } } } },
    });
  });

  test('admits only the tenant\'s role and the sweeper to its documents, and only to this index', () => {
    const rules = accessRules(indexStack());
    const readers = rules.filter((rule) => rule.Rules.some((r) => r.Permission.includes('aoss:ReadDocument')));
    expect(readers.map((rule) => rule.Principal)).toEqual([['<token>'], [SWEEPER]]);
    for (const rule of rules) {
      expect(rule.Rules).toEqual([expect.objectContaining({ ResourceType: 'index', Resource: ['index/microplane-dev-pooled/tenant-acme'] })]);
    }
  });

  test('names the tenant role by its ARN in the policy', () => {
    const [policy] = Object.values(indexStack().findResources('AWS::OpenSearchServerless::AccessPolicy'));
    expect(policy.Properties.Policy['Fn::Join'][1]).toContainEqual({ 'Fn::GetAtt': [expect.stringMatching(/^TenantRole/), 'Arn'] });
  });

  test('gives deployments index management only, never document access, and creates the index after the policy', () => {
    const template = indexStack();
    const managers = accessRules(template).find((rule) => rule.Principal.includes(DEPLOYER))!;
    expect(managers.Rules[0].Permission.sort()).toEqual(['aoss:CreateIndex', 'aoss:DeleteIndex', 'aoss:DescribeIndex', 'aoss:UpdateIndex']);
    expect(managers.Principal).toEqual([DEPLOYER]);
    template.hasResource('AWS::OpenSearchServerless::Index', { DependsOn: [Match.stringLikeRegexp('^VectorIndexAccessPolicy')] });
  });

  test('lets the tenant role call the collection\'s API on the IAM side', () => {
    indexStack().hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('^TenantRole') }],
      PolicyDocument: { Statement: [Match.objectLike({ Action: 'aoss:APIAccessAll', Resource: 'arn:aws:aoss:eu-west-1:111111111111:collection/abc123def456' })] },
    });
  });

  test('publishes the registry entry the functions read: endpoint, index and the tenant key, once the index exists', () => {
    const template = indexStack();
    const [[, parameter]] = Object.entries(template.findResources('AWS::SSM::Parameter'));
    expect(parameter.Properties.Name).toBe('/microplane/dev/vectors/acme');
    expect(joinedJson(parameter.Properties.Value, '<key-arn>')).toEqual({
      endpoint: 'https://abc123def456.eu-west-1.aoss.amazonaws.com',
      index: 'tenant-acme',
      keyArn: '<key-arn>',
    });
    expect(parameter.Properties.Value['Fn::Join'][1]).toContainEqual({ 'Fn::GetAtt': [expect.stringMatching(/^TenantKey/), 'Arn'] });
    expect(parameter.DependsOn).toEqual([expect.stringMatching(/^VectorIndex/)]);
  });

  test('keeps the index and its policy when removed, unless told otherwise', () => {
    const retained = indexStack();
    retained.hasResource('AWS::OpenSearchServerless::Index', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    retained.hasResource('AWS::OpenSearchServerless::AccessPolicy', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    indexStack({ removalPolicy: RemovalPolicy.DESTROY }).hasResource('AWS::OpenSearchServerless::Index', { DeletionPolicy: 'Delete' });
  });

  test('needs the principals deployments run as when the stack does not use the default synthesizer', () => {
    const stack = new Stack(new App(), 'Custom', { synthesizer: new LegacyStackSynthesizer() });
    const store = VectorStore.fromCollectionAttributes(stack, 'Pooled', {
      collectionArn: 'arn:aws:aoss:eu-west-1:111111111111:collection/abc',
      collectionEndpoint: 'https://abc.eu-west-1.aoss.amazonaws.com',
      collectionName: 'microplane-dev-pooled',
    });
    expect(
      () =>
        new TenantVectorIndex(stack, 'VectorIndex', {
          tenantId: 'acme',
          environmentName: 'dev',
          store,
          tenantRole: new iam.Role(stack, 'Role', { assumedBy: new iam.AccountRootPrincipal() }),
          tenantKey: new kms.Key(stack, 'Key'),
          sweeperRoleArn: SWEEPER,
          vectorField: { dimensions: 1024, engine: 'faiss', spaceType: 'l2' },
          registryParameterName: '/microplane/dev/vectors/acme',
        }),
    ).toThrow('give indexManagerArns');
  });
});

describe('tenant stacks of the dev example', () => {
  const { stacks } = synthExample('dev');
  const config = exampleConfig('dev');

  describe.each(config.tenants.map((t) => [t.id, t] as const))('tenant %s', (tenantId, tenantConfig) => {
    const template = Template.fromStack(stacks.tenants.get(tenantId)!);

    test('has exactly one index and one data access policy, for its own index', () => {
      template.resourceCountIs('AWS::OpenSearchServerless::Index', 1);
      template.resourceCountIs('AWS::OpenSearchServerless::AccessPolicy', 1);
      template.hasResourceProperties('AWS::OpenSearchServerless::Index', { IndexName: `tenant-${tenantId}` });
    });

    test('lets only its own role and the sweeper touch its documents', () => {
      const rules = accessRules(template);
      const documentRules = rules.filter((rule) => rule.Rules.some((r) => r.Permission.some((p) => p.endsWith('Document'))));
      expect(documentRules).toHaveLength(2);
      const [policy] = Object.values(template.findResources('AWS::OpenSearchServerless::AccessPolicy'));
      const text = JSON.stringify(policy.Properties.Policy);
      expect(text).toContain('"Fn::GetAtt":["TenantRole');
      expect(text).toContain(':role/microplane-dev-documents-sweeper');
      expect(text).not.toContain('tenant-functions');
      for (const other of config.tenants.filter((t) => t.id !== tenantId)) expect(text).not.toContain(`tenant-${other.id}`);
    });

    test('publishes its vector registry entry', () => {
      template.hasResourceProperties('AWS::SSM::Parameter', { Name: `/microplane/dev/vectors/${tenantId}` });
    });

    if (tenantConfig.isolation === 'siloed') {
      test('has its own collection, encrypted with its own tenant key, behind the platform VPC endpoint', () => {
        template.resourceCountIs('AWS::OpenSearchServerless::Collection', 1);
        template.hasResourceProperties('AWS::OpenSearchServerless::Collection', { Type: 'VECTORSEARCH', Name: `mp-dev-${tenantId}` });
        const [encryption] = Object.values(template.findResources('AWS::OpenSearchServerless::SecurityPolicy', { Properties: { Type: 'encryption' } }));
        expect(encryption.Properties.Policy['Fn::Join'][1]).toContainEqual({ 'Fn::GetAtt': [expect.stringMatching(/^Keys/), 'Arn'] });
        const [network] = Object.values(template.findResources('AWS::OpenSearchServerless::SecurityPolicy', { Properties: { Type: 'network' } }));
        const endpoint = network.Properties.Policy['Fn::Join'][1].find((part: unknown) => typeof part === 'object') as { Ref: string };
        expect(template.toJSON().Parameters[endpoint.Ref]).toMatchObject({ Default: '/microplane/dev/platform/vectors/vpc-endpoint-id' });
        template.hasResourceProperties('AWS::OpenSearchServerless::Index', {
          CollectionEndpoint: { 'Fn::GetAtt': [Match.stringLikeRegexp('^VectorStoreCollection'), 'CollectionEndpoint'] },
        });
      });

      test('lets OpenSearch Serverless use its key for the collection, through the service only', () => {
        template.hasResourceProperties('AWS::KMS::Key', {
          KeyPolicy: {
            Statement: Match.arrayWith([
              Match.objectLike({
                Sid: 'UseThroughAwsServices',
                Condition: Match.objectLike({
                  StringEquals: Match.objectLike({ 'kms:ViaService': Match.arrayWith([{ 'Fn::Join': ['', ['aoss.', { Ref: 'AWS::Region' }, '.', { Ref: 'AWS::URLSuffix' }]] }]) }),
                }),
              }),
            ]),
          },
        });
      });
    } else {
      test('uses the pooled collection, found through the platform parameters, and has none of its own', () => {
        template.resourceCountIs('AWS::OpenSearchServerless::Collection', 0);
        const index = Object.values(template.findResources('AWS::OpenSearchServerless::Index'))[0];
        expect(template.toJSON().Parameters[index.Properties.CollectionEndpoint.Ref]).toMatchObject({
          Default: '/microplane/dev/platform/vectors/pooled-collection-endpoint',
        });
        expect(JSON.stringify(template.findResources('AWS::KMS::Key'))).not.toContain('aoss.');
      });
    }
  });
});

describe('config changes and the index', () => {
  const base = exampleConfig('dev').environment;
  const withVectors = (vectors: Partial<EnvironmentConfig['vectors']>): EnvironmentConfig => ({ ...base, vectors: { ...base.vectors, ...vectors } });
  const indexOf = (environment: EnvironmentConfig) => {
    const stack = new TenantStack(new App(), 'Tenant', { environment, tenant: tenant('acme') });
    return Template.fromStack(stack).findResources('AWS::OpenSearchServerless::Index');
  };

  test('a TTL, chunking or sync-size change leaves the index untouched', () => {
    expect(indexOf(withVectors({ defaultTtlDays: 1, maxTtlDays: 2, chunkCharacters: 500, chunkOverlapCharacters: 10, syncIngestMaxBytes: 2048 }))).toEqual(indexOf(base));
  });

  test('a dimension change only updates the mapping: same logical id, same name and endpoint (which would replace it)', () => {
    const before = indexOf(base);
    const after = indexOf(withVectors({ dimensions: 512 }));
    expect(Object.keys(after)).toEqual(Object.keys(before));
    const [[, changed]] = Object.entries(after);
    const [[, original]] = Object.entries(before);
    expect(changed.Properties.IndexName).toEqual(original.Properties.IndexName);
    expect(changed.Properties.CollectionEndpoint).toEqual(original.Properties.CollectionEndpoint);
    expect(changed.Properties.Mappings.Properties.embedding.Dimension).toBe(512);
  });

  test('a prod tenant keeps its index and policy when removed', () => {
    const template = Template.fromStack(synthExample('prod').stacks.tenants.values().next().value!);
    template.hasResource('AWS::OpenSearchServerless::Index', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    template.hasResource('AWS::OpenSearchServerless::AccessPolicy', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });

  test('with vectors disabled a tenant stack has no index, policy or registry entry', () => {
    const stack = new TenantStack(new App(), 'Tenant', { environment: withVectors({ enabled: false }), tenant: tenant('acme') });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::OpenSearchServerless::Index', 0);
    template.resourceCountIs('AWS::OpenSearchServerless::AccessPolicy', 0);
    expect(JSON.stringify(template.toJSON())).not.toContain('/vectors/');
  });
});

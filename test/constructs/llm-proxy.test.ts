import * as fs from 'node:fs';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { parseProxyConfig, PROXY_CONFIG_FILE } from '../../lambdas/llm-proxy/proxy-config';
import { buildMicroplane } from '../../lib/microplane';
import { exampleConfig, synthExample } from '../support/platform';

type Resource = { Type: string; Properties: Record<string, any>; DeletionPolicy?: string; UpdateReplacePolicy?: string };
type Statement = { Sid?: string; Effect: string; Action: string | string[]; Resource: unknown; Condition?: unknown };

const dev = synthExample('dev');
const devTemplate = Template.fromStack(dev.stacks.platform);
const prod = synthExample('prod');
const prodTemplate = Template.fromStack(prod.stacks.platform);

function resourcesOf(template: Template): Record<string, Resource> {
  return template.toJSON().Resources as Record<string, Resource>;
}

function proxyFunction(template: Template): { id: string; properties: Record<string, any> } {
  const found = Object.entries(resourcesOf(template)).filter(
    ([, resource]) => resource.Type === 'AWS::Lambda::Function' && resource.Properties.Environment?.Variables?.POWERTOOLS_SERVICE_NAME === 'llm-proxy',
  );
  expect(found).toHaveLength(1);
  return { id: found[0][0], properties: found[0][1].Properties };
}

function proxyStatements(template: Template): Statement[] {
  const roleRef = proxyFunction(template).properties.Role['Fn::GetAtt'][0];
  return Object.values(resourcesOf(template))
    .filter((resource) => resource.Type === 'AWS::IAM::Policy' && JSON.stringify(resource.Properties.Roles).includes(`"Ref":"${roleRef}"`))
    .flatMap((resource) => resource.Properties.PolicyDocument.Statement as Statement[]);
}

const statement = (statements: Statement[], sid: string) => statements.find((candidate) => candidate.Sid === sid);

describe('the proxy function', () => {
  test('gets its tables, registry, tenant role and key names, and a model timeout below the gateway\'s', () => {
    expect(proxyFunction(devTemplate).properties).toMatchObject({
      Timeout: 29,
      Environment: {
        Variables: {
          APP_REGISTRY_PARAMETER_PREFIX: '/microplane/dev/apps/',
          TOKEN_USAGE_TABLE_NAME: { Ref: expect.stringMatching(/^LlmProxyUsageTable/) },
          COMPLETION_CACHE_TABLE_NAME: { Ref: expect.stringMatching(/^LlmProxyCacheTable/) },
          TENANT_KEY_ALIAS_PREFIX: 'alias/microplane/dev/',
          MODEL_TIMEOUT_MS: '25000',
          TENANT_ROLE_ARN_TEMPLATE: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'AWS::AccountId' }, ':role/microplane-dev-tenant-{tenantId}']] },
        },
      },
    });
    expect(proxyFunction(devTemplate).properties.Environment.Variables.PRIVATE_MODEL_ENDPOINTS).toBeUndefined();
    expect(proxyFunction(devTemplate).properties.VpcConfig).toBeUndefined();
  });

  test('ships the templates and the model policy in a layer built from config', () => {
    const layers = proxyFunction(devTemplate).properties.Layers as Array<{ Ref: string }>;
    const configLayer = layers.find((layer) => layer.Ref.startsWith('LlmProxyConfigLayer'));
    expect(configLayer).toBeDefined();
    expect(resourcesOf(devTemplate)[configLayer!.Ref]).toMatchObject({ Type: 'AWS::Lambda::LayerVersion', DeletionPolicy: 'Retain' });
    const assets = fs.readdirSync(dev.app.outdir).filter((name) => fs.existsSync(path.join(dev.app.outdir, name, PROXY_CONFIG_FILE)));
    expect(assets).toHaveLength(1);
    const shipped = parseProxyConfig(fs.readFileSync(path.join(dev.app.outdir, assets[0], PROXY_CONFIG_FILE), 'utf8'));
    expect(shipped).toEqual(dev.stacks.platform.llmProxy.proxyConfig);
    expect(shipped.templates.map((template) => template.id)).toEqual(['draft-reply', 'summarize-text']);
    expect(shipped.allowedByClassification.confidential).toEqual([]);
    expect(shipped.prices).toEqual({
      'amazon.nova-lite-v1:0': { inputPerMillionTokensUsd: 0.06, outputPerMillionTokensUsd: 0.24 },
      'amazon.nova-micro-v1:0': { inputPerMillionTokensUsd: 0.035, outputPerMillionTokensUsd: 0.14 },
    });
    // Descriptions are for reviewers; the function needs none of them.
    expect(JSON.stringify(shipped)).not.toContain('The text to summarise.');
  });

  test('may invoke only the Bedrock models the policy allows, with no wildcard resource', () => {
    const statements = proxyStatements(devTemplate);
    const models = statement(statements, 'AllowedModels');
    expect(models).toMatchObject({ Effect: 'Allow', Action: 'bedrock:InvokeModel' });
    expect(JSON.stringify(models!.Resource)).toContain('foundation-model/amazon.nova-lite-v1:0');
    expect(JSON.stringify(models!.Resource)).toContain('foundation-model/amazon.nova-micro-v1:0');
    expect(models!.Resource as unknown[]).toHaveLength(2);
    // Only X-Ray, which has no resource-level permissions, is granted on every resource.
    const onEverything = statements.filter((candidate) => [candidate.Resource].flat().includes('*'));
    expect(onEverything.flatMap((candidate) => [candidate.Action].flat()).every((action) => action.startsWith('xray:'))).toBe(true);
    expect(statement(statements, 'Guardrail')).toBeUndefined();
  });

  test('writes counters and cache entries only, and breach events only to the default bus', () => {
    const statements = proxyStatements(devTemplate);
    expect(statement(statements, 'TokenCounters')).toMatchObject({ Action: 'dynamodb:UpdateItem', Resource: { 'Fn::GetAtt': [expect.stringMatching(/^LlmProxyUsageTable/), 'Arn'] } });
    expect(statement(statements, 'CompletionCache')).toMatchObject({ Action: ['dynamodb:GetItem', 'dynamodb:PutItem'] });
    expect(JSON.stringify(statement(statements, 'BreachEvents'))).toContain(':event-bus/default');
    expect(statements.flatMap((candidate) => [candidate.Action].flat())).not.toContain('kms:*');
    expect(statements.flatMap((candidate) => [candidate.Action].flat()).filter((action) => action.startsWith('sts:'))).toEqual([]);
  });

  test('is reached only by POST /v1/llm/complete behind the authorizer and a usage key', () => {
    const { id } = proxyFunction(devTemplate);
    devTemplate.hasResourceProperties('AWS::ApiGateway::Method', {
      HttpMethod: 'POST',
      AuthorizationType: 'CUSTOM',
      ApiKeyRequired: true,
      Integration: Match.objectLike({ Uri: Match.objectLike({ 'Fn::Join': Match.arrayWith([Match.arrayWith([Match.objectLike({ 'Fn::GetAtt': [id, 'Arn'] })])]) }) }),
    });
    expect(dev.stacks.platform.gateway.tenantRoutes).toContainEqual({ method: 'POST', path: '/v1/llm/complete', scope: 'llm.complete' });
  });
});

test('an unreported token-budget breach alarms the operators', () => {
  devTemplate.hasResourceProperties('AWS::CloudWatch::Alarm', {
    AlarmName: 'microplane-dev-token-budget-breach-reports',
    Namespace: 'Microplane',
    MetricName: 'BreachReportFailures',
    Dimensions: [{ Name: 'service', Value: 'llm-proxy' }],
    Threshold: 0,
    ComparisonOperator: 'GreaterThanThreshold',
    AlarmActions: [{ Ref: Match.stringLikeRegexp('^MonitoringOperatorTopic') }],
  });
});

describe('the token counters and the cache', () => {
  test.each([
    ['UsageTable', 'microplane-dev-llm-token-usage'],
    ['CacheTable', 'microplane-dev-llm-cache'],
  ])('%s is on demand, under a customer-managed key, with TTL and point-in-time recovery', (id, tableName) => {
    const [, table] = Object.entries(resourcesOf(devTemplate)).find(([logicalId, resource]) => resource.Type === 'AWS::DynamoDB::Table' && logicalId.startsWith(`LlmProxy${id}`))!;
    expect(table.Properties).toMatchObject({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: { 'Fn::GetAtt': [expect.stringMatching(/^LlmProxyTablesKey/), 'Arn'] } },
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
  });

  test('are retained and protected from deletion in production', () => {
    const tables = Object.entries(resourcesOf(prodTemplate)).filter(([id, resource]) => resource.Type === 'AWS::DynamoDB::Table' && id.startsWith('LlmProxy'));
    expect(tables).toHaveLength(2);
    for (const [, table] of tables) {
      expect(table).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain', Properties: { DeletionProtectionEnabled: true } });
    }
  });
});

describe('private models (prod)', () => {
  test('the proxy runs in the models VPC, in the client group, with the endpoints from SSM', () => {
    const { properties } = proxyFunction(prodTemplate);
    const parameters = prodTemplate.toJSON().Parameters as Record<string, { Default?: string }>;
    const parameterNamed = (name: string) => Object.entries(parameters).find(([, parameter]) => parameter.Default === name)?.[0];
    expect(properties.VpcConfig).toEqual({
      SubnetIds: [{ Ref: parameterNamed('/microplane/prod/platform/models/private-subnet-0') }, { Ref: parameterNamed('/microplane/prod/platform/models/private-subnet-1') }],
      SecurityGroupIds: [{ Ref: parameterNamed('/microplane/prod/platform/models/client-security-group-id') }],
    });
    expect(properties.Environment.Variables.PRIVATE_MODEL_ENDPOINTS).toEqual({ Ref: parameterNamed('/microplane/prod/platform/models/private-endpoints') });
  });

  test('confidential and regulated apps are routed to the hosted model only', () => {
    expect(prod.stacks.platform.llmProxy.proxyConfig.allowedByClassification).toMatchObject({ confidential: ['private:llama-8b'], regulated: ['private:llama-8b'] });
    const models = statement(proxyStatements(prodTemplate), 'AllowedModels');
    expect(JSON.stringify(models)).not.toContain('llama');
  });

  test('a policy naming a private model without hosting fails the synth with what to enable', () => {
    const config = exampleConfig('dev');
    const environment = { ...config.environment, models: { ...config.environment.models, allowedByClassification: { ...config.environment.models.allowedByClassification, confidential: ['private:llama-8b'] } } };
    expect(() => buildMicroplane(new App(), { ...config, environment }, { securityChecks: false })).toThrow(
      /the model policy allows private:llama-8b, but no privateModels access was given \(enable modelHosting\)/,
    );
  });
});

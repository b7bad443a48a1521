import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BedrockRuntimeClient, ConverseCommand, type ConverseCommandInput } from '@aws-sdk/client-bedrock-runtime';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { KMSClient } from '@aws-sdk/client-kms';
import { SSMClient } from '@aws-sdk/client-ssm';
import { STSClient } from '@aws-sdk/client-sts';
import { clearCaches } from '@aws-lambda-powertools/parameters';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import type { ProxyConfig } from '../../../../lambdas/llm-proxy/proxy-config';
import { captureLogs, fakeRegistry } from '../../support/aws';
import { isoDay, type AppRecordJson } from '../../support/fixtures';
import { fakeKms, fakeSts, TOKENS, type TestTenant } from '../../documents/support/aws-fakes';
import { documentsEvent, type Authorizer, type Reply, type RequestOptions, TestClock } from '../../documents/support/documents-api';
import { FakeDynamoDb } from './fake-dynamodb';
import { OpenAiServer } from './openai-server';

export const USAGE_TABLE = 'microplane-dev-llm-token-usage';
export const CACHE_TABLE = 'microplane-dev-llm-cache';
export const GUARDRAIL = { id: 'gr1abc2def3', version: '3' };

/** The proxy's configuration as the layer ships it: templates, model policy, prices, redaction. */
export const PROXY_CONFIG: ProxyConfig = {
  environmentName: 'dev',
  templates: [
    {
      id: 'summarize',
      version: 4,
      apps: ['acme-summaries', 'acme-contracts', 'globex-payroll', 'acme-tiny'],
      system: 'You summarise texts for busy colleagues.',
      user: 'Summarise the text below in at most {{maxWords}} words, in {{language}}.\n{{text}}',
      variables: {
        text: { type: 'string', maxLength: 2000, multiline: true },
        language: { type: 'enum', values: ['English', 'German'], required: false, default: 'English' },
        maxWords: { type: 'integer', minimum: 20, maximum: 300, required: false, default: 100 },
      },
      maxOutputTokens: 512,
      temperature: 0,
    },
    {
      id: 'brainstorm',
      version: 1,
      apps: ['acme-summaries'],
      system: 'You suggest ideas.',
      user: 'Suggest three ideas about {{topic}}.',
      variables: { topic: { type: 'string', maxLength: 200 } },
      maxOutputTokens: 200,
      temperature: 0.7,
    },
    {
      id: 'contract-clauses',
      version: 2,
      apps: ['acme-contracts'],
      system: 'You list the clauses of contracts.',
      user: 'List the clauses of {{contract}}',
      variables: { contract: { type: 'string', maxLength: 5000, multiline: true } },
      maxOutputTokens: 800,
      temperature: 0,
    },
  ],
  allowedByClassification: {
    public: ['amazon.nova-lite-v1:0', 'amazon.nova-micro-v1:0'],
    internal: ['amazon.nova-lite-v1:0', 'amazon.nova-micro-v1:0'],
    confidential: ['private:llama-8b'],
    regulated: [],
  },
  prices: {
    'amazon.nova-lite-v1:0': { inputPerMillionTokensUsd: 0.06, outputPerMillionTokensUsd: 0.24 },
    'amazon.nova-micro-v1:0': { inputPerMillionTokensUsd: 0.035, outputPerMillionTokensUsd: 0.14 },
  },
  redaction: {
    public: ['email', 'phone', 'card', 'iban', 'national-id', 'ip-address', 'aws-access-key', 'secret'],
    internal: ['email', 'phone', 'card', 'iban', 'national-id', 'ip-address', 'aws-access-key', 'secret'],
    confidential: ['card', 'iban', 'aws-access-key', 'secret'],
    regulated: ['email', 'phone', 'card', 'iban', 'national-id', 'ip-address', 'aws-access-key', 'secret'],
  },
  guardrail: GUARDRAIL,
  cacheTtlSeconds: 600,
};

type LlmPolicy = NonNullable<AppRecordJson['llm']>;

/** An app of the registry with an LLM policy. */
export function llmApp(tenantId: string, appId: string, llm: Partial<LlmPolicy> & { dataClassification: LlmPolicy['dataClassification'] }, overrides: Partial<AppRecordJson> = {}): AppRecordJson {
  return {
    tenantId,
    appId,
    clientId: `client-${appId}`,
    scopes: ['llm.complete'],
    expires: isoDay(30),
    enabled: true,
    usageKey: `usage-${appId}`,
    tier: 'standard',
    llm: { dailyTokenBudget: 10_000, maxOutputTokens: 300, freeFormPrompts: false, ...llm },
    ...overrides,
  };
}

/** The registry of the tests: internal, confidential, regulated and free-form apps, and one without model access. */
export const APPS: readonly AppRecordJson[] = [
  llmApp('acme', 'acme-summaries', { dataClassification: 'internal' }),
  llmApp('acme', 'acme-chat', { dataClassification: 'public', freeFormPrompts: true, models: ['amazon.nova-lite-v1:0'] }),
  llmApp('acme', 'acme-contracts', { dataClassification: 'confidential', maxOutputTokens: 1000 }),
  llmApp('globex', 'globex-payroll', { dataClassification: 'regulated' }),
  llmApp('acme', 'acme-tiny', { dataClassification: 'internal', dailyTokenBudget: 1000 }),
  { ...llmApp('acme', 'acme-notes', { dataClassification: 'internal' }), llm: undefined, scopes: ['notes.read'] },
];

/** The context the authorizer passes for an app with the llm.complete scope. */
export function caller(appId = 'acme-summaries', overrides: Authorizer = {}): Authorizer {
  const app = APPS.find((candidate) => candidate.appId === appId);
  return { principalId: 'user-0001', tenantId: app?.tenantId ?? 'acme', appId, scopes: 'llm.complete', subject: 'user-0001', tokenId: 'token-0001', ...overrides };
}

/**
 * Everything a proxy test runs against: SSM (the app registry), STS, KMS, Bedrock, DynamoDB and
 * EventBridge faked at the SDK boundary, and a local OpenAI-compatible server as the private model.
 */
export class ProxyHarness {
  readonly ssm = mockClient(SSMClient);
  readonly sts = mockClient(STSClient);
  readonly kms = mockClient(KMSClient);
  readonly bedrock = mockClient(BedrockRuntimeClient);
  readonly dynamodbStub = mockClient(DynamoDBClient);
  readonly events = mockClient(EventBridgeClient);
  readonly dynamodb = new FakeDynamoDb();
  readonly privateModel = new OpenAiServer();
  readonly clock = new TestClock(new Date('2026-12-02T10:00:00.000Z'));
  bedrockReply = 'A short summary.';
  logs!: ReturnType<typeof captureLogs>;
  private handler!: (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;
  private configDir = '';

  static install(config: ProxyConfig = PROXY_CONFIG): ProxyHarness {
    const harness = new ProxyHarness();
    beforeAll(async () => {
      harness.configDir = fs.mkdtempSync(path.join(os.tmpdir(), 'llm-proxy-test-'));
      const configPath = path.join(harness.configDir, 'llm-proxy.json');
      fs.writeFileSync(configPath, JSON.stringify(config));
      const endpoint = await harness.privateModel.start();
      Object.assign(process.env, {
        AWS_REGION: 'eu-west-1',
        AWS_ACCESS_KEY_ID: 'AKIAPROXYROLE0000001',
        AWS_SECRET_ACCESS_KEY: 'proxy-secret',
        POWERTOOLS_LOG_LEVEL: 'INFO',
        APP_REGISTRY_PARAMETER_PREFIX: '/microplane/dev/apps/',
        TOKEN_USAGE_TABLE_NAME: USAGE_TABLE,
        COMPLETION_CACHE_TABLE_NAME: CACHE_TABLE,
        TENANT_ROLE_ARN_TEMPLATE: 'arn:aws:iam::123456789012:role/microplane-dev-tenant-{tenantId}',
        TENANT_KEY_ALIAS_PREFIX: 'alias/microplane/dev/',
        PROXY_CONFIG_PATH: configPath,
        PRIVATE_MODEL_ENDPOINTS: JSON.stringify({ 'llama-8b': endpoint }),
        MODEL_TIMEOUT_MS: '1000',
      });
      harness.handler = harness.load();
    });
    afterAll(async () => {
      await harness.privateModel.stop();
      fs.rmSync(harness.configDir, { recursive: true, force: true });
    });
    beforeEach(() => harness.reset());
    afterEach(() => jest.restoreAllMocks());
    return harness;
  }

  /** The handler with its production dependencies, loaded after the environment is set, on the test clock. */
  private load(): (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult> {
    const { createProxyHandler } = require('../../../../lambdas/llm-proxy/handler') as typeof import('../../../../lambdas/llm-proxy/handler');
    const { productionDeps } = require('../../../../lambdas/llm-proxy/production') as typeof import('../../../../lambdas/llm-proxy/production');
    return createProxyHandler({ ...productionDeps(), now: this.clock.now });
  }

  reset(): void {
    for (const stub of [this.ssm, this.sts, this.kms, this.bedrock, this.dynamodbStub, this.events]) stub.reset();
    clearCaches();
    this.dynamodb.tables.clear();
    this.dynamodb.install(this.dynamodbStub);
    fakeRegistry(this.ssm, APPS);
    fakeSts(this.sts);
    fakeKms(this.kms);
    this.bedrockReply = 'A short summary.';
    this.bedrock.on(ConverseCommand).callsFake(() => ({
      output: { message: { role: 'assistant', content: [{ text: this.bedrockReply }] } },
      stopReason: 'end_turn',
      usage: { inputTokens: 120, outputTokens: 30, totalTokens: 150 },
      metrics: { latencyMs: 250 },
    }));
    this.events.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'event-1' }] });
    this.privateModel.reset();
    this.clock.current = new Date('2026-12-02T10:00:00.000Z');
    this.logs = captureLogs();
  }

  /** `POST /v1/llm/complete` as `authorizer` (default: acme-summaries), with the caller's tenant's service token. */
  async complete(body: unknown, options: RequestOptions = {}): Promise<Reply> {
    const context = options.authorizer === undefined ? caller() : options.authorizer;
    const token = options.token ?? TOKENS[(context?.tenantId ?? 'acme') as TestTenant] ?? 'x.y.z';
    const raw = await this.handler(documentsEvent('POST', '/v1/llm/complete', { body, ...options, authorizer: context, token }));
    return { status: raw.statusCode, headers: (raw.headers ?? {}) as Record<string, string>, json: raw.body === '' ? undefined : JSON.parse(raw.body) };
  }

  /** What Bedrock Converse was sent, in order. */
  converseCalls(): ConverseCommandInput[] {
    return this.bedrock.commandCalls(ConverseCommand).map((call) => call.args[0].input);
  }

  /** The user message of the last Converse call. */
  lastUserMessage(): string {
    const calls = this.converseCalls();
    return calls[calls.length - 1]?.messages?.[0]?.content?.[0]?.text ?? '';
  }

  /** Tokens counted for an app today. */
  tokensUsed(appId: string, day = '2026-12-02'): number | undefined {
    return this.dynamodb.tokens(USAGE_TABLE, `app#${appId}#${day}`);
  }

  /** The breach events put on the default bus. */
  breachEvents(): Array<{ Source?: string; DetailType?: string; detail: Record<string, unknown> }> {
    return this.events.commandCalls(PutEventsCommand).flatMap((call) =>
      (call.args[0].input.Entries ?? []).map((entry) => ({ Source: entry.Source, DetailType: entry.DetailType, detail: JSON.parse(entry.Detail ?? '{}') as Record<string, unknown> })),
    );
  }
}

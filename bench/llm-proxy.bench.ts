/**
 * LLM proxy overhead benchmark: what the proxy adds to a completion besides the model call, for prompts
 * of 1 KB and 8 KB cut from the labelled PII corpus (so redaction finds something), per request:
 * - "pipeline": reading and validating the JSON body, rendering the template with its variables,
 *   normalising and redacting the prompt, choosing the model, estimating tokens and the cache key;
 * - "handler": the whole handler (the above plus the app registry lookup, the budget reservation and
 *   settlement, the output filter, the lineage log line and metrics) with every AWS dependency answered
 *   in memory and a model that answers at once: the proxy's own CPU time per request.
 * Median and 95th percentile of per-request times after a warm-up, in microseconds.
 *
 *   npm run bench:llm-proxy                      # 2000 requests per row
 *   npm run bench:llm-proxy -- --requests 5000
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import type { AppRecord } from '../lambdas/shared/app-registry';
import type { ProxyDeps } from '../lambdas/llm-proxy/handler';
import type { AppLlmPolicy } from '../lambdas/llm-proxy/policy';
import type { PromptTemplate, ProxyConfig } from '../lambdas/llm-proxy/proxy-config';
import { PII_KINDS } from '../lambdas/shared/pii/kinds';
import { loadCorpus } from '../test/lambdas/shared/pii/labelled-corpus';

const TEMPLATE: PromptTemplate = {
  id: 'summarize-text',
  version: 1,
  apps: ['bench-app'],
  system: 'You summarise texts for busy colleagues. Write plain sentences, no lists, no headings.',
  user: 'Summarise the text below in at most {{maxWords}} words, in {{language}}.\n{{text}}',
  variables: {
    text: { type: 'string', maxLength: 20_000, multiline: true },
    language: { type: 'enum', values: ['English', 'German', 'French'], required: false, default: 'English' },
    maxWords: { type: 'integer', minimum: 20, maximum: 300, required: false, default: 120 },
  },
  maxOutputTokens: 512,
  temperature: 0,
};

const CONFIG: ProxyConfig = {
  environmentName: 'bench',
  templates: [TEMPLATE],
  allowedByClassification: { public: ['amazon.nova-lite-v1:0', 'amazon.nova-micro-v1:0'], internal: ['amazon.nova-lite-v1:0', 'amazon.nova-micro-v1:0'], confidential: [], regulated: [] },
  prices: {
    'amazon.nova-lite-v1:0': { inputPerMillionTokensUsd: 0.06, outputPerMillionTokensUsd: 0.24 },
    'amazon.nova-micro-v1:0': { inputPerMillionTokensUsd: 0.035, outputPerMillionTokensUsd: 0.14 },
  },
  redaction: { public: PII_KINDS, internal: PII_KINDS, confidential: PII_KINDS, regulated: PII_KINDS },
  cacheTtlSeconds: 0,
};

const POLICY: AppLlmPolicy = { dataClassification: 'internal', dailyTokenBudget: 1_000_000_000, maxOutputTokens: 300, freeFormPrompts: false };

const APP: AppRecord = {
  tenantId: 'bench-tenant',
  appId: 'bench-app',
  clientId: 'client',
  scopes: ['llm.complete'],
  expires: '2099-12-31',
  enabled: true,
  usageKey: 'usage',
  tier: 'standard',
  llm: POLICY,
};

interface Row {
  readonly name: string;
  readonly promptBytes: number;
  readonly medianUs: number;
  readonly p95Us: number;
}

/** Texts of about `bytes` bytes, cut from the PII corpus. */
function texts(bytes: number, count: number): string[] {
  const corpus = loadCorpus().map((line) => line.input).join('\n');
  const source = corpus.repeat(Math.ceil((bytes * count) / corpus.length) + 1);
  return Array.from({ length: count }, (_, index) => source.slice(index * bytes, (index + 1) * bytes));
}

function event(text: string): APIGatewayProxyEvent {
  return {
    httpMethod: 'POST',
    resource: '/v1/llm/complete',
    headers: { 'Content-Type': 'application/json', Authorization: 'Bearer a.b.c' },
    body: JSON.stringify({ templateId: TEMPLATE.id, variables: { text, language: 'German' } }),
    isBase64Encoded: false,
    requestContext: { requestId: 'bench', authorizer: { tenantId: APP.tenantId, appId: APP.appId, scopes: 'llm.complete' } },
  } as unknown as APIGatewayProxyEvent;
}

/** Deps answering in memory: no network, no SDK; the model answers at once. */
function inMemoryDeps(): ProxyDeps {
  const used = new Map<string, number>();
  const budget = {
    reserve: async (_tenant: string, appId: string, day: string, tokens: number) => {
      used.set(`${appId}#${day}`, (used.get(`${appId}#${day}`) ?? 0) + tokens);
      return { granted: true as const };
    },
    settle: async (appId: string, day: string, delta: number) => void used.set(`${appId}#${day}`, (used.get(`${appId}#${day}`) ?? 0) + delta),
    markBreach: async () => false,
    clearBreach: async () => undefined,
  };
  return {
    config: CONFIG,
    loadApp: async () => APP,
    models: { complete: async () => ({ text: 'A summary mentioning nobody.', inputTokens: 400, outputTokens: 60, stopReason: 'end_turn' }) },
    budget: budget as unknown as ProxyDeps['budget'],
    breaches: { publish: async () => undefined } as unknown as ProxyDeps['breaches'],
    keyring: async () => {
      throw new Error('the cache is off in this benchmark');
    },
  };
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
}

async function measure(name: string, promptBytes: number, requests: number, run: (text: string) => unknown): Promise<Row> {
  const inputs = texts(promptBytes, 200);
  for (let i = 0; i < 200; i++) await run(inputs[i % inputs.length]); // warm-up: regular expressions tier up
  const times: number[] = [];
  for (let i = 0; i < requests; i++) {
    const started = process.hrtime.bigint();
    await run(inputs[i % inputs.length]);
    times.push(Number(process.hrtime.bigint() - started) / 1000);
  }
  times.sort((a, b) => a - b);
  return { name, promptBytes, medianUs: percentile(times, 0.5), p95Us: percentile(times, 0.95) };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { requests: { type: 'string', default: '2000' } } });
  const requests = Number(values.requests);
  if (!Number.isInteger(requests) || requests < 1) throw new Error(`--requests must be a positive integer, got ${values.requests}`);

  // The handler module builds its production deps when loaded, as Lambda does: give it a config file.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'llm-proxy-bench-'));
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(CONFIG));
  Object.assign(process.env, {
    AWS_REGION: 'eu-west-1',
    PROXY_CONFIG_PATH: path.join(dir, 'config.json'),
    APP_REGISTRY_PARAMETER_PREFIX: '/bench/apps/',
    TOKEN_USAGE_TABLE_NAME: 'bench-usage',
    COMPLETION_CACHE_TABLE_NAME: 'bench-cache',
    TENANT_ROLE_ARN_TEMPLATE: 'arn:aws:iam::123456789012:role/bench-{tenantId}',
    TENANT_KEY_ALIAS_PREFIX: 'alias/bench/',
    POWERTOOLS_DEV: 'false',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  });
  // Loaded only now, after the environment is set (the modules are CommonJS under tsx).
  const { createProxyHandler, estimateTokens } = require('../lambdas/llm-proxy/handler') as typeof import('../lambdas/llm-proxy/handler');
  const { completionRequestOf } = require('../lambdas/llm-proxy/request') as typeof import('../lambdas/llm-proxy/request');
  const { chooseModel, resolvePrompt } = require('../lambdas/llm-proxy/policy') as typeof import('../lambdas/llm-proxy/policy');
  const { cacheKey } = require('../lambdas/llm-proxy/completion-cache') as typeof import('../lambdas/llm-proxy/completion-cache');
  const { normalizeText, redact } = require('../lambdas/shared/pii') as typeof import('../lambdas/shared/pii');

  const pipeline = (text: string) => {
    const request = completionRequestOf(event(text));
    const prompt = resolvePrompt(CONFIG, APP.appId, POLICY, request);
    const redacted = redact(normalizeText(prompt.user), { kinds: CONFIG.redaction.internal });
    const call = { model: chooseModel(CONFIG, POLICY, request.model), system: prompt.system, user: redacted.text, maxOutputTokens: prompt.maxOutputTokens, temperature: prompt.temperature };
    estimateTokens(call);
    return cacheKey({ tenantId: APP.tenantId, appId: APP.appId, template: `${TEMPLATE.id}@${TEMPLATE.version}`, call });
  };
  const handler = createProxyHandler(inMemoryDeps());
  const write = process.stdout.write.bind(process.stdout);
  const rows: Row[] = [];
  for (const bytes of [1024, 8192]) {
    rows.push(await measure('pipeline', bytes, requests, pipeline));
    // The handler's log line and metrics go to stdout, as in Lambda; keep them off the table.
    process.stdout.write = (() => true) as typeof process.stdout.write;
    try {
      rows.push(
        await measure('handler (in-memory AWS, instant model)', bytes, requests, async (text) => {
          const response = await handler(event(text));
          if (response.statusCode !== 200) throw new Error(`handler answered ${response.statusCode}: ${response.body}`);
        }),
      );
    } finally {
      process.stdout.write = write;
    }
  }
  fs.rmSync(dir, { recursive: true, force: true });

  console.log(`LLM proxy overhead per request, excluding the model call; ${requests} requests per row after 200 warm-up, node ${process.version}`);
  console.log('| stage | prompt | median µs | p95 µs |');
  console.log('| --- | ---: | ---: | ---: |');
  for (const row of rows) console.log(`| ${row.name} | ${row.promptBytes / 1024} KB | ${row.medianUs.toFixed(0)} | ${row.p95Us.toFixed(0)} |`);
}

void main();

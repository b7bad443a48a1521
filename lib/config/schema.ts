import { z } from 'zod';
import { allowed, type ConfigProblem } from './errors';
import { AWS_REGIONS, regionsLike } from './regions';
import { modelHostingSchema } from './model-hosting';
import { RESERVED_TENANT_IDS, isReservedTenantId } from './reserved-ids';
import { PII_KINDS, type PiiKind } from '../../lambdas/shared/pii/kinds';
import type { PromptTemplateConfig } from './prompts';
import { PLATFORM_SCOPE_NAMES } from './scopes';

/**
 * The config schema: the single source of truth for `config/environments/*.yaml` and
 * `config/tenants/*.yaml`. The JSON Schemas under `config/schema/` are generated from it
 * (`npm run config:schema`) and a test keeps them in step.
 *
 * Rules that need more than one file (a tier the environment defines, residency inside the
 * environment's regions, unique ids across files, expiry windows) live in `preflight.ts`.
 */

/** Lowercase DNS label: starts with a letter, ends with a letter or digit, no double hyphen. */
const DNS_LABEL = /^[a-z](?:[a-z0-9]|-(?!-))*[a-z0-9]$/;

/** Tenant ids name stacks, roles (64 characters) and KMS aliases, so they stay short. */
export const TENANT_ID_MAX = 32;
/** App ids name Cognito clients, API keys and SSM parameters; unique across an environment. */
export const APP_ID_MAX = 40;
/** Environment names are short: they prefix every stack, role and alias. */
export const ENV_NAME_MAX = 10;
/** Each app adds four resources to its tenant stack; 100 apps keep it far below CloudFormation's 500. */
export const MAX_APPS_PER_TENANT = 100;

function dnsId(what: string, max: number) {
  return z
    .string()
    .min(3, `${what} must be 3 to ${max} characters (allowed: lowercase letters, digits, single hyphens)`)
    .max(max, `${what} must be 3 to ${max} characters (allowed: lowercase letters, digits, single hyphens)`)
    .regex(
      DNS_LABEL,
      `${what} must be a lowercase DNS label (allowed: a-z, 0-9 and single hyphens; starts with a letter, ends with a letter or digit)`,
    );
}

export const tenantId = dnsId('tenant id', TENANT_ID_MAX).refine((id) => !isReservedTenantId(id), {
  error: (issue) =>
    `tenant id "${String(issue.input)}" is reserved: platform resources are named like tenant ones with it (reserved: ${RESERVED_TENANT_IDS.join(', ')})`,
});
export const appId = dnsId('app id', APP_ID_MAX);
export const environmentName = z
  .string()
  .regex(/^[a-z][a-z0-9]{1,9}$/, `environment name must be 2 to ${ENV_NAME_MAX} lowercase letters or digits, starting with a letter`);

const awsRegion = z.enum(AWS_REGIONS, {
  error: (issue) =>
    issue.input === undefined ? undefined : `must be an AWS region code, which ${JSON.stringify(issue.input)} is not${allowed(regionsLike(issue.input))}`,
});

/** Line breaks, tabs, bidi overrides, zero-width and private-use characters: nobody sees them in a name. */
const INVISIBLE_CHARACTER = /[\p{Cc}\p{Cf}\p{Co}\p{Cs}\p{Zl}\p{Zp}]/u;

/** Text people read (names, purposes): one line of visible characters. */
function plainText(max: number) {
  return z
    .string()
    .max(max)
    .superRefine((text, ctx) => {
      const match = INVISIBLE_CHARACTER.exec(text);
      if (!match) return;
      const codePoint = `U+${match[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
      ctx.addIssue({
        code: 'custom',
        message: `contains the invisible or control character ${codePoint} at character ${match.index + 1} (allowed: visible characters and spaces, on one line)`,
      });
    });
}

/** Cognito's limit for callback and logout URLs. */
export const REDIRECT_URL_MAX = 1024;

/**
 * A URL kept exactly as written. zod's `z.url()` returns the value with tabs and line breaks removed,
 * so a URL that Cognito or IAM would refuse would pass looking valid.
 */
function urlText(message: string) {
  return z
    .string()
    .refine((text) => URL.canParse(text), message)
    .refine((text) => !/\s/.test(text), 'must not contain spaces or line breaks')
    .meta({ format: 'uri' });
}

/** A callback or logout URL as Cognito accepts it; https-only is a pre-flight rule. */
const redirectUrl = urlText('must be a URL')
  .max(REDIRECT_URL_MAX, `must be at most ${REDIRECT_URL_MAX} characters long (Cognito's limit)`)
  .refine((url) => !url.includes('*'), 'must not contain a wildcard (*): Cognito matches redirect URLs exactly, so list each one')
  .refine((url) => !url.includes('#'), 'must not contain a fragment (#…): OAuth 2.0 and Cognito forbid fragments in redirect URLs');

const email = z.email('must be an email address');

const isoDate = z.iso.date('must be a date written YYYY-MM-DD');

/** An IAM role ARN; group 1 is the account id. */
export const IAM_ROLE_ARN = /^arn:aws[a-z-]*:iam::(\d{12}):role\/[\w+=,.@/-]+$/;

/** The AWS Config conformance packs an environment may turn on. */
export const COMPLIANCE_PACKS = ['nist-800-53-r5', 'hipaa-security', 'pci-dss-3.2.1'] as const;

/** A compliance pack an environment may check. */
export type CompliancePack = (typeof COMPLIANCE_PACKS)[number];

/** The platform's functions, by their folder under `lambdas/`. */
export const FUNCTION_NAMES = [
  'authorizer',
  'token-exchange',
  'jwks',
  'whoami',
  'notes',
  'openapi',
  'pre-token-generation',
  'schema-provisioner',
  'secret-rotation',
  'documents',
  'documents-worker',
  'documents-sweeper',
  'throttle',
  'llm-proxy',
] as const;

function isUnique(values: readonly unknown[]): boolean {
  return new Set(values).size === values.length;
}

const tierName = z
  .string()
  .regex(/^[a-z][a-z0-9-]{1,30}$/, 'tier names are 2 to 31 lowercase letters, digits or hyphens');

const tierSchema = z
  .strictObject({
    description: plainText(200).optional().describe('What this tier is for, shown in the app catalog.'),
    rateLimit: z.number().positive().max(10000).describe('Steady-state requests per second allowed per app.'),
    burstLimit: z.int().positive().max(5000).describe('Requests an app may burst above the rate limit.'),
    quota: z
      .strictObject({
        limit: z.int().positive().describe('Requests per period per app.'),
        period: z.enum(['day', 'week', 'month']).describe('The quota period.'),
      })
      .describe('How many requests one app may make per period.'),
  })
  .refine((tier) => tier.burstLimit >= tier.rateLimit, {
    message: 'burstLimit must be at least rateLimit',
    path: ['burstLimit'],
  });

/** The usage plan that throttled tenants are moved to; no tier may take its name. */
export const THROTTLED_PLAN_NAME = 'throttled';

/** What a budget threshold does once AWS Budgets reports it crossed. */
export const BUDGET_ACTIONS = ['notify', 'throttle', 'block'] as const;
/** Whether a threshold compares the month's actual spend or AWS's forecast of it. */
export const BUDGET_NOTIFICATIONS = ['actual', 'forecasted'] as const;
/** CloudFormation accepts at most five notifications per AWS::Budgets::Budget. */
export const MAX_BUDGET_THRESHOLDS = 5;
/** Each app budget adds a resource to the tenant stack, on top of the app's four. */
export const MAX_APP_BUDGETS_PER_TENANT = 20;

/** A budget threshold as loaded. */
export interface BudgetThresholdConfig {
  readonly percent: number;
  readonly notification: (typeof BUDGET_NOTIFICATIONS)[number];
  readonly action: (typeof BUDGET_ACTIONS)[number];
}

/** The thresholds of a budget whose config names none: warn early, throttle at the limit, block well past it. */
export const DEFAULT_BUDGET_THRESHOLDS: readonly BudgetThresholdConfig[] = [
  { percent: 80, notification: 'forecasted', action: 'notify' },
  { percent: 100, notification: 'actual', action: 'throttle' },
  { percent: 120, notification: 'actual', action: 'block' },
];

const budgetThresholdSchema = z
  .strictObject({
    percent: z
      .number()
      .positive()
      .max(1000, 'must be at most 1000 (percent of monthlyLimitUsd)')
      .describe('Percent of monthlyLimitUsd at which the threshold is crossed, e.g. 100.'),
    notification: z
      .enum(BUDGET_NOTIFICATIONS)
      .describe('actual: the month\'s spend so far crossed it; forecasted: AWS forecasts the month will cross it.'),
    action: z
      .enum(BUDGET_ACTIONS)
      .describe('notify: tell the operators only; throttle: move the tenant to the throttled usage plan; block: refuse its requests (403). Lifted at the start of the next month.'),
  })
  .refine((threshold) => !(threshold.notification === 'forecasted' && threshold.action === 'block'), {
    message: 'a forecast may not block: only actual spend blocks (allowed: notify, throttle)',
    path: ['action'],
  });

const ACTION_RANK: Record<BudgetThresholdConfig['action'], number> = { notify: 0, throttle: 1, block: 2 };

const budgetSchema = z
  .strictObject({
    monthlyLimitUsd: z
      .number()
      .positive()
      .max(10_000_000)
      .describe('The monthly cost budget in USD, measured by AWS Budgets over the resources tagged with the tenant (and app).'),
    thresholds: z
      .array(budgetThresholdSchema)
      .min(1, 'list at least one threshold')
      .max(MAX_BUDGET_THRESHOLDS, `list at most ${MAX_BUDGET_THRESHOLDS} thresholds (AWS Budgets' limit per budget)`)
      .default(() => DEFAULT_BUDGET_THRESHOLDS.map((threshold) => ({ ...threshold })))
      .superRefine((thresholds, ctx) => {
        thresholds.forEach((threshold, index) => {
          const same = thresholds.findIndex((other) => other.percent === threshold.percent && other.notification === threshold.notification);
          if (same !== index) {
            ctx.addIssue({ code: 'custom', path: [index, 'percent'], message: `repeats the ${threshold.notification} threshold at ${threshold.percent} % of thresholds[${same}]` });
          }
          const milder = thresholds.find(
            (other) => other.notification === 'actual' && threshold.notification === 'actual' && other.percent < threshold.percent && ACTION_RANK[other.action] > ACTION_RANK[threshold.action],
          );
          if (milder) {
            ctx.addIssue({
              code: 'custom',
              path: [index, 'action'],
              message: `${threshold.action} at ${threshold.percent} % is milder than ${milder.action} at ${milder.percent} %: a higher actual threshold must not take a milder action (allowed: ${BUDGET_ACTIONS.filter((action) => ACTION_RANK[action] >= ACTION_RANK[milder.action]).join(', ')})`,
            });
          }
        });
      })
      .describe('When AWS Budgets notifies and what the platform then does. Default: 80 % forecasted notify, 100 % actual throttle, 120 % actual block.'),
  })
  .describe('A monthly cost budget; crossing a threshold notifies, throttles or blocks automatically.');

/** Every throttling setting at its default: what an environment without a `throttling` section gets. */
const THROTTLING_DEFAULTS = {
  throttledTier: { rateLimit: 1, burstLimit: 2, quota: { limit: 1000, period: 'day' } },
  stateCacheSeconds: 30,
} as const;

const throttlingSchema = z
  .strictObject({
    throttledTier: tierSchema
      .default(THROTTLING_DEFAULTS.throttledTier)
      .describe('Limits of the throttled usage plan; every app of a throttled tenant shares them until the throttle is lifted.'),
    stateCacheSeconds: z
      .int()
      .min(0)
      .max(300)
      .default(THROTTLING_DEFAULTS.stateCacheSeconds)
      .describe('How long the authorizer caches a tenant\'s and app\'s throttle state; a throttle, block or lift takes effect within this plus gateway.authorizerCacheSeconds.'),
  })
  .default(THROTTLING_DEFAULTS)
  .describe('Budget-triggered throttling: the throttled usage plan and how fast the gateway sees a change.');

/**
 * The embedding models the documents pipeline can call, with the vector sizes each can return. Adding
 * a model here also needs its request format in the handlers (lambdas/shared/vectors/embedding.ts).
 */
export const EMBEDDING_MODELS = {
  'amazon.titan-embed-text-v2:0': { dimensions: [256, 512, 1024] },
} as const satisfies Record<string, { dimensions: readonly number[] }>;

/** An embedding model id the pipeline supports. */
export type EmbeddingModelId = keyof typeof EMBEDDING_MODELS;

const EMBEDDING_MODEL_IDS = Object.keys(EMBEDDING_MODELS) as [EmbeddingModelId, ...EmbeddingModelId[]];

/** Engines OpenSearch Serverless offers for HNSW on `knn_vector` fields. */
export const VECTOR_ENGINES = ['faiss', 'nmslib'] as const;

/** Distance functions of `knn_vector` fields, and the engines that implement each in OpenSearch Serverless. */
export const VECTOR_SPACE_TYPES = {
  l2: ['faiss', 'nmslib'],
  innerproduct: ['faiss', 'nmslib'],
  cosinesimil: ['nmslib'],
} as const satisfies Record<string, ReadonlyArray<(typeof VECTOR_ENGINES)[number]>>;

const VECTOR_SPACE_TYPE_NAMES = Object.keys(VECTOR_SPACE_TYPES) as [keyof typeof VECTOR_SPACE_TYPES, ...(keyof typeof VECTOR_SPACE_TYPES)[]];

/** Longest TTL of a document, in days (ten years). */
const TTL_DAYS_MAX = 3650;
/** Chunk sizes the handlers accept (lambdas/shared/vectors/chunking.ts). */
const CHUNK_CHARACTERS = { min: 200, max: 20_000 } as const;

/** Whether `value` is a whole number from `min` to `max`. */
function within(value: number, min: number, max: number): boolean {
  return Number.isInteger(value) && value >= min && value <= max;
}

/** Every vector setting at its default: what an environment without a `vectors` section gets. */
const VECTORS_DEFAULTS = {
  enabled: true,
  embeddingModelId: 'amazon.titan-embed-text-v2:0',
  dimensions: 1024,
  engine: 'faiss',
  spaceType: 'l2',
  defaultTtlDays: 90,
  maxTtlDays: 365,
  syncIngestMaxBytes: 65_536,
  chunkCharacters: 2000,
  chunkOverlapCharacters: 200,
  standbyReplicas: 'enabled',
} as const;

/** Fixed once the tenants' indexes exist: OpenSearch cannot change a `knn_vector` field in place. */
const INDEX_MAPPING_NOTE = 'Part of every tenant index\'s mapping: once indexes exist a change fails their update (OpenSearch cannot change a knn_vector field in place), so move to new indexes instead.';

const vectorsSchema = z
  .strictObject({
    enabled: z
      .boolean()
      .default(VECTORS_DEFAULTS.enabled)
      .describe('Deploy the vector store (OpenSearch Serverless collection, per-tenant indexes) and the /v1/documents and /v1/search routes.'),
    embeddingModelId: z
      .enum(EMBEDDING_MODEL_IDS)
      .default(VECTORS_DEFAULTS.embeddingModelId)
      .describe('Amazon Bedrock model that embeds chunks and queries; the functions may invoke only this model.'),
    dimensions: z
      .int()
      .default(VECTORS_DEFAULTS.dimensions)
      .describe(`Length of the embedding vectors; one the model returns (amazon.titan-embed-text-v2:0: 256, 512 or 1024). ${INDEX_MAPPING_NOTE}`),
    engine: z
      .enum(VECTOR_ENGINES)
      .default(VECTORS_DEFAULTS.engine)
      .describe(`k-NN engine of the HNSW graph; faiss is the current one, nmslib is deprecated in OpenSearch. ${INDEX_MAPPING_NOTE}`),
    spaceType: z
      .enum(VECTOR_SPACE_TYPE_NAMES)
      .default(VECTORS_DEFAULTS.spaceType)
      .describe(`Distance function of the vectors (faiss: l2 or innerproduct; nmslib also cosinesimil). Titan embeddings are normalised, so l2 ranks like cosine. ${INDEX_MAPPING_NOTE}`),
    defaultTtlDays: z
      .int()
      .min(1)
      .max(TTL_DAYS_MAX)
      .default(VECTORS_DEFAULTS.defaultTtlDays)
      .describe('Days a document is kept when its ingest request names no TTL; the hourly sweeper deletes expired documents.'),
    maxTtlDays: z
      .int()
      .min(1)
      .max(TTL_DAYS_MAX)
      .default(VECTORS_DEFAULTS.maxTtlDays)
      .describe('Longest TTL an ingest request may ask for, in days.'),
    syncIngestMaxBytes: z
      .int()
      .min(1024)
      .max(1_000_000)
      .default(VECTORS_DEFAULTS.syncIngestMaxBytes)
      .describe('Documents up to this many bytes of text are embedded within the request; larger ones go through the ingest queue and the caller polls their status.'),
    chunkCharacters: z
      .int()
      .min(CHUNK_CHARACTERS.min)
      .max(CHUNK_CHARACTERS.max)
      .default(VECTORS_DEFAULTS.chunkCharacters)
      .describe('Characters per chunk (200 to 20,000, well within the model\'s input); each chunk is embedded and stored on its own.'),
    chunkOverlapCharacters: z
      .int()
      .min(0)
      .default(VECTORS_DEFAULTS.chunkOverlapCharacters)
      .describe('Characters each chunk repeats from the end of the previous one, so a sentence cut at a boundary is still found; less than half of chunkCharacters.'),
    standbyReplicas: z
      .enum(['enabled', 'disabled'])
      .default(VECTORS_DEFAULTS.standbyReplicas)
      .describe(
        'Standby replicas in a second availability zone. disabled halves the minimum capacity (and cost) but loses availability when a zone fails: for dev only. Fixed when a collection is created.',
      ),
  })
  .superRefine((vectors, ctx) => {
    // Runs after out-of-range values were reported: rules between fields skip values already refused.
    const model = EMBEDDING_MODELS[vectors.embeddingModelId];
    if (Number.isInteger(vectors.dimensions) && !(model.dimensions as readonly number[]).includes(vectors.dimensions)) {
      ctx.addIssue({
        code: 'custom',
        path: ['dimensions'],
        message: `${vectors.embeddingModelId} returns no vectors of ${vectors.dimensions} dimensions${allowed(model.dimensions)}`,
      });
    }
    const engines: readonly string[] = VECTOR_SPACE_TYPES[vectors.spaceType];
    if (!engines.includes(vectors.engine)) {
      ctx.addIssue({
        code: 'custom',
        path: ['spaceType'],
        message: `engine ${vectors.engine} has no ${vectors.spaceType} space in OpenSearch Serverless${allowed(VECTOR_SPACE_TYPE_NAMES.filter((space) => (VECTOR_SPACE_TYPES[space] as readonly string[]).includes(vectors.engine)))}`,
      });
    }
    if (within(vectors.defaultTtlDays, 1, TTL_DAYS_MAX) && within(vectors.maxTtlDays, 1, TTL_DAYS_MAX) && vectors.maxTtlDays < vectors.defaultTtlDays) {
      ctx.addIssue({ code: 'custom', path: ['maxTtlDays'], message: `must be at least defaultTtlDays (${vectors.defaultTtlDays})` });
    }
    const chunkValid = within(vectors.chunkCharacters, CHUNK_CHARACTERS.min, CHUNK_CHARACTERS.max);
    if (chunkValid && vectors.chunkOverlapCharacters >= 0 && vectors.chunkOverlapCharacters * 2 >= vectors.chunkCharacters) {
      ctx.addIssue({
        code: 'custom',
        path: ['chunkOverlapCharacters'],
        message: `must be less than half of chunkCharacters (${vectors.chunkCharacters}), or chunking makes little progress`,
      });
    }
  })
  .default(VECTORS_DEFAULTS)
  .describe('The vector store and documents pipeline: one OpenSearch Serverless collection for pooled tenants, one per siloed tenant, an index per tenant.');

/** The vector settings of an environment. */
export type VectorsConfig = z.infer<typeof vectorsSchema>;

/** The data classifications of apps, least to most sensitive. */
export const DATA_CLASSIFICATIONS = ['public', 'internal', 'confidential', 'regulated'] as const;

/**
 * A model an app may call: an Amazon Bedrock model id (`amazon.nova-micro-v1:0`, or an inference
 * profile id such as `eu.amazon.nova-lite-v1:0`), or `private:<name>` for a model the environment hosts
 * itself (never leaves the platform's network).
 */
const modelId = z
  .string()
  .regex(
    /^(?:private:[a-z][a-z0-9-]{0,62}|(?:[a-z]{2}\.)?[a-z0-9-]+\.[A-Za-z0-9.:-]+)$/,
    'must be a Bedrock model id (e.g. amazon.nova-micro-v1:0) or private:<name> for a privately hosted model',
  );

/** Models allowed by default: small Bedrock models for low-risk data; none for confidential or regulated data. */
const DEFAULT_MODELS_BY_CLASSIFICATION = {
  public: ['amazon.nova-micro-v1:0', 'amazon.nova-lite-v1:0'],
  internal: ['amazon.nova-micro-v1:0', 'amazon.nova-lite-v1:0'],
  confidential: [],
  regulated: [],
} as const;

/** Whether a model id names a model the platform hosts itself (`private:<name>`). */
export function isPrivateModel(model: string): boolean {
  return model.startsWith(PRIVATE_MODEL_PREFIX);
}

/** The prefix of a privately hosted model in the model policy. */
export const PRIVATE_MODEL_PREFIX = 'private:';

/**
 * On-demand prices of the Bedrock models the platform knows, USD per million tokens (eu-west-1 / us-east-1
 * list prices at the time of writing). The proxy's default model is the cheapest allowed one; a model not
 * listed here needs its price under `models.prices`.
 */
export const KNOWN_MODEL_PRICES: Readonly<Record<string, { readonly inputPerMillionTokensUsd: number; readonly outputPerMillionTokensUsd: number }>> = {
  'amazon.nova-micro-v1:0': { inputPerMillionTokensUsd: 0.035, outputPerMillionTokensUsd: 0.14 },
  'amazon.nova-lite-v1:0': { inputPerMillionTokensUsd: 0.06, outputPerMillionTokensUsd: 0.24 },
  'amazon.nova-pro-v1:0': { inputPerMillionTokensUsd: 0.8, outputPerMillionTokensUsd: 3.2 },
  'anthropic.claude-3-haiku-20240307-v1:0': { inputPerMillionTokensUsd: 0.25, outputPerMillionTokensUsd: 1.25 },
  'anthropic.claude-3-5-haiku-20241022-v1:0': { inputPerMillionTokensUsd: 0.8, outputPerMillionTokensUsd: 4 },
  'meta.llama3-1-8b-instruct-v1:0': { inputPerMillionTokensUsd: 0.22, outputPerMillionTokensUsd: 0.22 },
  'mistral.mistral-small-2402-v1:0': { inputPerMillionTokensUsd: 1, outputPerMillionTokensUsd: 3 },
};

/** PII kinds the proxy always redacts, whatever the data class: credentials never reach a model. */
export const ALWAYS_REDACTED_KINDS = ['aws-access-key', 'secret'] as const satisfies readonly PiiKind[];

const piiKind = z.enum(PII_KINDS as [PiiKind, ...PiiKind[]]);

/** A list of models of a data class that may hold only privately hosted models. */
const privateModelsOnly = (dataClass: string) =>
  z
    .array(modelId)
    .default([])
    .superRefine((models, ctx) =>
      models.forEach((model, index) => {
        if (!isPrivateModel(model)) {
          ctx.addIssue({
            code: 'custom',
            path: [index],
            message: `"${model}" is not a privately hosted model: ${dataClass} data never leaves the platform (allowed: private:<name> of a model in modelHosting.models)`,
          });
        }
      }),
    );

const redactionKinds = z
  .array(piiKind)
  .superRefine((kinds, ctx) => {
    const missing = ALWAYS_REDACTED_KINDS.filter((kind) => !kinds.includes(kind));
    if (missing.length > 0) ctx.addIssue({ code: 'custom', message: `must include ${missing.join(' and ')}: credentials are always redacted` });
  });

const priceSchema = z.strictObject({
  inputPerMillionTokensUsd: z.number().nonnegative().max(1000).describe('USD per million input tokens.'),
  outputPerMillionTokensUsd: z.number().nonnegative().max(1000).describe('USD per million output tokens.'),
});

const MODELS_DEFAULTS = {
  allowedByClassification: {
    public: [...DEFAULT_MODELS_BY_CLASSIFICATION.public],
    internal: [...DEFAULT_MODELS_BY_CLASSIFICATION.internal],
    confidential: [] as string[],
    regulated: [] as string[],
  },
  prices: {},
  redaction: {
    public: [...PII_KINDS],
    internal: [...PII_KINDS],
    confidential: [...PII_KINDS],
    regulated: [...PII_KINDS],
  },
  cacheTtlSeconds: 3600,
};

const modelsSchema = z
  .strictObject({
    allowedByClassification: z
      .strictObject({
        public: z.array(modelId).default([...DEFAULT_MODELS_BY_CLASSIFICATION.public]),
        internal: z.array(modelId).default([...DEFAULT_MODELS_BY_CLASSIFICATION.internal]),
        confidential: privateModelsOnly('confidential'),
        regulated: privateModelsOnly('regulated'),
      })
      .default(MODELS_DEFAULTS.allowedByClassification)
      .describe(
        'The models an app of each data classification may call. Confidential and regulated data may list only private:<name> models hosted by the platform; an empty list means apps of that class may call no model.',
      ),
    prices: z
      .record(modelId, priceSchema)
      .default({})
      .describe('Prices of models the platform does not know (USD per million tokens); the proxy defaults to the cheapest allowed model.'),
    redaction: z
      .strictObject({
        public: redactionKinds.default([...PII_KINDS]),
        internal: redactionKinds.default([...PII_KINDS]),
        confidential: redactionKinds.default([...PII_KINDS]),
        regulated: redactionKinds.default([...PII_KINDS]),
      })
      .default(MODELS_DEFAULTS.redaction)
      .describe(`The kinds of personal data the proxy redacts from prompts of each data classification (allowed: ${PII_KINDS.join(', ')}); ${ALWAYS_REDACTED_KINDS.join(' and ')} always.`),
    guardrail: z
      .strictObject({
        id: z.string().regex(/^[a-z0-9]{1,64}$|^arn:aws[a-z-]*:bedrock:[a-z0-9-]+:\d{12}:guardrail\/[a-z0-9]+$/, 'must be a Bedrock guardrail id or ARN').describe('The guardrail id or ARN.'),
        version: z.string().regex(/^(DRAFT|[1-9]\d{0,7})$/, 'must be a version number or DRAFT').describe('The guardrail version; pin a number in production.'),
      })
      .optional()
      .describe('A Bedrock Guardrail applied to every Bedrock call of the proxy. Leave out for none.'),
    cacheTtlSeconds: z
      .int()
      .min(0)
      .max(7 * 86_400)
      .default(3600)
      .describe('How long a deterministic completion (temperature 0, same template version, variables and model) is served from the cache; 0 turns the cache off.'),
  })
  .superRefine((models, ctx) => {
    for (const [dataClass, list] of Object.entries(models.allowedByClassification)) {
      list.forEach((model, index) => {
        if (isPrivateModel(model) || KNOWN_MODEL_PRICES[model] || models.prices[model]) return;
        ctx.addIssue({
          code: 'custom',
          path: ['allowedByClassification', dataClass, index],
          message: `"${model}" has no known price: add it under models.prices (the proxy defaults to the cheapest allowed model; known: ${Object.keys(KNOWN_MODEL_PRICES).join(', ')})`,
        });
      });
    }
  })
  .default(MODELS_DEFAULTS)
  .describe('Model policy of the environment: which models apps may call, by the data they handle, and how the LLM proxy treats prompts.');

/** The model policy of an environment. */
export type ModelsConfig = z.infer<typeof modelsSchema>;

export const environmentSchema = z
  .strictObject({
    name: environmentName.describe('The environment name; must match the file name.'),
    account: z
      .string()
      .regex(/^\d{12}$/, 'must be a 12-digit AWS account id')
      .optional()
      .describe('AWS account to deploy to. Leave out for an environment-agnostic synth.'),
    region: awsRegion.optional().describe('AWS region to deploy to; must be one of residencyRegions.'),
    residencyRegions: z
      .array(awsRegion)
      .min(1, 'list at least one region')
      .describe('Regions where tenant data in this environment may reside.'),
    removalPolicy: z
      .enum(['retain', 'destroy'])
      .describe('What happens to stateful resources (keys, user pool) when removed: retain in production.'),
    tiers: z
      .record(tierName, tierSchema)
      .refine((tiers) => Object.keys(tiers).length > 0, 'define at least one tier')
      .refine((tiers) => !(THROTTLED_PLAN_NAME in tiers), {
        message: `tier name "${THROTTLED_PLAN_NAME}" is reserved for the usage plan of throttled tenants (see throttling.throttledTier)`,
        path: [THROTTLED_PLAN_NAME],
      })
      .describe('Usage tiers: every app uses one, and gets its own API key on that tier\'s usage plan.'),
    identity: z
      .strictObject({
        domainPrefix: z
          .string()
          .regex(/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/, 'must be 1 to 63 lowercase letters, digits or hyphens')
          .refine((p) => !/aws|amazon|cognito/.test(p), 'must not contain "aws", "amazon" or "cognito"')
          .describe('Cognito hosted domain prefix: https://<prefix>.auth.<region>.amazoncognito.com'),
        mfa: z.enum(['off', 'optional', 'required']).describe('Multi-factor authentication for users.'),
        featurePlan: z
          .enum(['essentials', 'plus'])
          .default('essentials')
          .describe('Cognito feature plan; essentials is needed for access-token claims, plus for threat protection.'),
        threatProtection: z
          .enum(['off', 'audit', 'enforced'])
          .default('off')
          .describe('Cognito threat protection (needs featurePlan: plus).'),
        userTokenMinutes: z
          .int()
          .min(5)
          .max(60)
          .default(60)
          .describe('Lifetime of Cognito access and ID tokens, in minutes.'),
      })
      .describe('Cognito user pool settings.'),
    serviceToken: z
      .strictObject({
        lifetimeMinutes: z
          .int()
          .min(1)
          .max(15, 'service tokens live at most 15 minutes')
          .describe('Lifetime of service tokens issued by the token exchange.'),
        issuer: urlText('must be an https URL')
          .regex(/^https:\/\//, 'must be an https URL')
          .refine((url) => !url.endsWith('/'), 'must not end with a slash: the iss claim and the OIDC provider URL must match exactly')
          .refine((url) => !url.includes('?'), 'must not contain a query (?…): IAM OIDC provider URLs have none')
          .refine((url) => !url.includes('#'), 'must not contain a fragment (#…): IAM OIDC provider URLs have none')
          .optional()
          .describe(
            'The iss claim of service tokens and the URL of the IAM OIDC provider that STS trusts; must serve /.well-known/openid-configuration. Defaults to the gateway stage URL.',
          ),
      })
      .describe('Service tokens issued by POST /oauth2/token.'),
    gateway: z
      .strictObject({
        authorizerCacheSeconds: z
          .int()
          .min(0)
          .max(300)
          .default(60)
          .describe('How long API Gateway caches an authorizer decision per token.'),
        logRetentionDays: z
          .union([z.literal(7), z.literal(14), z.literal(30), z.literal(90), z.literal(180), z.literal(365), z.literal(731)])
          .default(90)
          .describe('Retention of access and function logs (allowed: 7, 14, 30, 90, 180, 365, 731).'),
        waf: z.boolean().default(true).describe('Attach a WAF web ACL (managed rules and a per-IP rate limit).'),
        wafRateLimitPer5Minutes: z
          .int()
          .min(100)
          .max(2_000_000)
          .default(2000)
          .describe('Requests per client IP per five minutes before WAF blocks it.'),
      })
      .default({ authorizerCacheSeconds: 60, logRetentionDays: 90, waf: true, wafRateLimitPer5Minutes: 2000 })
      .describe('API Gateway settings.'),
    database: z
      .strictObject({
        minCapacity: z
          .number()
          .min(0)
          .max(256)
          .default(0)
          .describe('Smallest Aurora Serverless v2 capacity (ACUs); 0 lets idle clusters pause.'),
        maxCapacity: z.number().min(1).max(256).default(4).describe('Largest Aurora Serverless v2 capacity (ACUs).'),
        backupRetentionDays: z.int().min(1).max(35).default(7).describe('Days of automated backups.'),
        monitoringIntervalSeconds: z
          .union([z.literal(0), z.literal(1), z.literal(5), z.literal(10), z.literal(15), z.literal(30), z.literal(60)])
          .default(0)
          .describe('RDS Enhanced Monitoring interval of every cluster instance in seconds; 0 turns it off (allowed: 0, 1, 5, 10, 15, 30, 60).'),
        loginRotationDays: z
          .int()
          .min(1)
          .max(365)
          .default(30)
          .describe('Days between password rotations of every database login (tenant logins and cluster admins).'),
      })
      .refine((db) => db.maxCapacity >= db.minCapacity, { message: 'maxCapacity must be at least minCapacity', path: ['maxCapacity'] })
      .default({ minCapacity: 0, maxCapacity: 4, backupRetentionDays: 7, monitoringIntervalSeconds: 0, loginRotationDays: 30 })
      .describe('Aurora PostgreSQL clusters: the pooled one and each siloed tenant\'s own.'),
    keyAdministratorArns: z
      .array(z.string().regex(IAM_ROLE_ARN, 'must be an IAM role ARN (allowed: arn:aws:iam::<account>:role/<name>)'))
      .default([])
      .describe(
        'Roles that administer tenant KMS keys, in the environment\'s account. Required with removalPolicy: retain. Empty: the account (IAM policies decide).',
      ),
    availabilityZones: z
      .array(z.string().regex(/^[a-z]{2}(?:-[a-z]+)+-\d+[a-z]$/, 'must be an availability zone name: the region code and a letter (allowed: e.g. eu-west-1a)'))
      .min(2, 'list 2 to 6 availability zones')
      .max(6, 'list 2 to 6 availability zones')
      .refine(isUnique, 'must not list an availability zone twice')
      .optional()
      .describe(
        'Availability zones of region for the data network, e.g. [eu-west-1a, eu-west-1b]. Required when account is set: without them cdk synth needs AWS credentials to look them up.',
      ),
    functions: z
      .strictObject({
        reservedConcurrency: z
          .partialRecord(z.enum(FUNCTION_NAMES), z.int().min(1).max(1000))
          .default({})
          .describe(
            'Concurrent executions reserved for (and capping) each platform function, by name. Leave out in accounts with the default concurrency quota: reserving needs room above the 100 that must stay unreserved.',
          ),
      })
      .default({ reservedConcurrency: {} })
      .describe('Settings of the platform\'s Lambda functions.'),
    compliancePacks: z
      .array(z.enum(COMPLIANCE_PACKS))
      .refine(isUnique, 'must not list a compliance pack twice')
      .default([])
      .describe(
        'cdk-nag compliance packs checked at every synth of this environment besides AwsSolutions; any unacknowledged finding fails the synth.',
      ),
    vectors: vectorsSchema,
    throttling: throttlingSchema,
    models: modelsSchema,
    modelHosting: modelHostingSchema,
  })
  .describe('A Microplane environment: config/environments/<name>.yaml');

/** The LLM limits an app gets when its config sets none. */
export const APP_LLM_DEFAULTS = { dailyTokenBudget: 200_000, maxOutputTokens: 1024, freeFormPrompts: false } as const;

const appLlmSchema = z.strictObject({
  dailyTokenBudget: z
    .int()
    .min(1000)
    .max(1_000_000_000)
    .default(APP_LLM_DEFAULTS.dailyTokenBudget)
    .describe('Tokens (input plus output) the app may use per UTC day; past it the proxy answers 429 and reports the breach.'),
  maxOutputTokens: z
    .int()
    .min(1)
    .max(32_768)
    .default(APP_LLM_DEFAULTS.maxOutputTokens)
    .describe('The most output tokens of one completion; a template\'s own cap applies when lower.'),
  freeFormPrompts: z
    .boolean()
    .default(APP_LLM_DEFAULTS.freeFormPrompts)
    .describe('Whether the app may send its own prompt instead of a server-side template. Off unless someone accountable approved it.'),
});

/** The LLM limits of one app. */
export type AppLlmConfig = z.infer<typeof appLlmSchema>;

export const appSchema = z.strictObject({
  id: appId.describe('App id, unique across the environment; also the OAuth audience.'),
  displayName: plainText(100).min(1).describe('Human-readable app name.'),
  owner: email.describe('Email of the person accountable for the app.'),
  purpose: plainText(500).min(10, 'describe the purpose in at least 10 characters').describe('What the app is for.'),
  tier: tierName.describe('Usage tier; must be defined by every environment the tenant runs in.'),
  dataClassification: z
    .enum(['public', 'internal', 'confidential', 'regulated'])
    .describe('The most sensitive data the app handles.'),
  expires: isoDate.describe('Date after which the app loses access (at most one year ahead).'),
  callbackUrls: z
    .array(redirectUrl)
    .min(1, 'list at least one callback URL')
    .max(20)
    .describe('OAuth redirect URLs (https, or http://localhost for development).'),
  logoutUrls: z.array(redirectUrl).max(20).default([]).describe('URLs Cognito may redirect to after sign-out.'),
  scopes: z
    .array(z.enum(PLATFORM_SCOPE_NAMES as [string, ...string[]]))
    .min(1, 'list at least one scope')
    .describe('Platform scopes the app may request.'),
  enabled: z.boolean().default(true).describe('Set false to switch the app off without deleting it.'),
  budget: budgetSchema.optional().describe('A monthly cost budget of this app alone, over resources tagged with the app.'),
  models: z
    .array(modelId)
    .min(1, 'list at least one model, or leave the field out')
    .optional()
    .describe('The models this app may call: a subset of what the environment allows for its data classification. Leave out for all of those.'),
  llm: appLlmSchema.optional().describe('Limits of the app\'s calls to the LLM proxy (needs the llm.complete scope). Leave out for the defaults.'),
});

export const tenantSchema = z
  .strictObject({
    id: tenantId.describe('Tenant id; must match the file name. Names the tenant stack and key alias.'),
    displayName: plainText(100).min(1).describe('Human-readable tenant name.'),
    owner: z
      .strictObject({
        name: plainText(100).min(1).describe('Name of the accountable owner.'),
        email: email.describe('Contact email of the owner.'),
      })
      .describe('Who is accountable for the tenant.'),
    costCenter: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/, 'must be 1 to 32 letters, digits, hyphens or underscores')
      .describe('Cost center for chargeback; tagged on every tenant resource.'),
    isolation: z.enum(['pooled', 'siloed']).describe('pooled shares platform infrastructure; siloed gets its own.'),
    residency: awsRegion.describe('Region where the tenant\'s data must reside.'),
    environments: z
      .array(environmentName)
      .min(1)
      .optional()
      .describe('Environments this tenant is deployed to. Leave out for all environments.'),
    apps: z
      .array(appSchema)
      .min(1, 'list at least one app')
      .max(MAX_APPS_PER_TENANT, `a tenant has at most ${MAX_APPS_PER_TENANT} apps (split it into more tenants)`)
      .describe('The micro apps of this tenant.'),
    budget: budgetSchema.optional().describe('A monthly cost budget over every resource tagged with this tenant.'),
  })
  .refine((tenant) => tenant.apps.filter((app) => app.budget).length <= MAX_APP_BUDGETS_PER_TENANT, {
    message: `at most ${MAX_APP_BUDGETS_PER_TENANT} apps of a tenant may have their own budget (use the tenant's budget for the rest)`,
    path: ['apps'],
  })
  .describe('A Microplane tenant: config/tenants/<id>.yaml');

/** An environment as loaded and validated. */
export type EnvironmentConfig = z.infer<typeof environmentSchema>;
/** A usage tier of an environment. */
export type TierConfig = z.infer<typeof tierSchema>;
/** A tenant as loaded and validated. */
export type TenantConfig = z.infer<typeof tenantSchema>;
/** One app of a tenant. */
export type AppConfig = z.infer<typeof appSchema>;
/** A monthly cost budget of a tenant or app. */
export type BudgetConfig = z.infer<typeof budgetSchema>;
/** The throttling settings of an environment. */
export type ThrottlingConfig = z.infer<typeof throttlingSchema>;
/** The data classification of an app. */
export type DataClassification = AppConfig['dataClassification'];

/** Everything one synth needs: the chosen environment and the tenants deployed to it. */
export interface PlatformConfig {
  /** The environment being synthesized. */
  readonly environment: EnvironmentConfig;
  /** The tenants deployed to this environment, sorted by id; apps whose approval ran out are disabled. */
  readonly tenants: readonly TenantConfig[];
  /**
   * What the config loader wants people to know without refusing the config, e.g. apps that expired or
   * expire within two weeks.
   * @default - none
   */
  readonly warnings?: readonly ConfigProblem[];
  /**
   * The server-side prompt templates of `config/prompts/`, sorted by id.
   * @default - none: the LLM proxy serves free-form prompts only, to apps allowed to send them
   */
  readonly prompts?: readonly PromptTemplateConfig[];
}

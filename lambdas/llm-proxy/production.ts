import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { KMSClient } from '@aws-sdk/client-kms';
import { loadApp } from '../shared/app-registry';
import { requireEnv } from '../shared/env';
import { TenantCredentials, type TenantAwsCredentials } from '../shared/tenant-credentials';
import { DataKeyCache } from '../shared/vectors/data-key-cache';
import { optionalPositiveInt } from '../shared/vectors/settings';
import { TenantKeyring } from '../shared/vectors/tenant-keyring';
import { BreachEvents } from './breach-events';
import { CompletionCache } from './completion-cache';
import type { ProxyDeps } from './handler';
import { BedrockModels, ModelRouter, OpenAiCompatibleModels } from './model-clients';
import { parseProxyConfig, PROXY_CONFIG_FILE } from './proxy-config';
import { TokenBudget } from './token-budget';

/** Where Lambda mounts layers. */
const LAYER_ROOT = '/opt';

/**
 * The production dependencies, from the function's environment: `APP_REGISTRY_PARAMETER_PREFIX`,
 * `TOKEN_USAGE_TABLE_NAME`, `COMPLETION_CACHE_TABLE_NAME`, `TENANT_ROLE_ARN_TEMPLATE`,
 * `TENANT_KEY_ALIAS_PREFIX` (the tenant key is `<prefix><tenantId>`), `AWS_REGION`, and optionally
 * `PROXY_CONFIG_PATH` (default: the file of the config layer), `PRIVATE_MODEL_ENDPOINTS` (JSON of private
 * model name to base URL) and `MODEL_TIMEOUT_MS`. A missing or malformed value fails the cold start.
 * Bedrock, DynamoDB and EventBridge are called with the function's role; KMS with the tenant's.
 */
export function productionDeps(env: NodeJS.ProcessEnv = process.env): ProxyDeps {
  const region = requireEnv('AWS_REGION', env);
  const config = parseProxyConfig(readFileSync(env.PROXY_CONFIG_PATH ?? path.join(LAYER_ROOT, PROXY_CONFIG_FILE), 'utf8'));
  const dynamodb = new DynamoDBClient({ region });
  const registryPrefix = requireEnv('APP_REGISTRY_PARAMETER_PREFIX', env);
  return {
    config,
    loadApp: (appId) => loadApp(registryPrefix, appId),
    models: new ModelRouter(
      new BedrockModels({ client: new BedrockRuntimeClient({ region }), guardrail: config.guardrail }),
      new OpenAiCompatibleModels({
        endpoints: privateModelEndpoints(env.PRIVATE_MODEL_ENDPOINTS),
        timeoutMs: optionalPositiveInt('MODEL_TIMEOUT_MS', env, 60_000),
      }),
    ),
    budget: new TokenBudget(dynamodb, requireEnv('TOKEN_USAGE_TABLE_NAME', env)),
    breaches: new BreachEvents(new EventBridgeClient({ region })),
    cache: new CompletionCache(dynamodb, requireEnv('COMPLETION_CACHE_TABLE_NAME', env), config.cacheTtlSeconds),
    keyring: tenantKeyrings({
      credentials: new TenantCredentials({ roleArnTemplate: requireEnv('TENANT_ROLE_ARN_TEMPLATE', env) }),
      keyAliasPrefix: requireEnv('TENANT_KEY_ALIAS_PREFIX', env),
      region,
    }),
  };
}

/** Base URLs by private model name; each must be an http(s) URL. */
export function privateModelEndpoints(json: string | undefined): Record<string, string> {
  if (json === undefined || json.trim() === '') return {};
  const parsed: unknown = JSON.parse(json);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('PRIVATE_MODEL_ENDPOINTS must be a JSON object');
  for (const [name, url] of Object.entries(parsed)) {
    if (typeof url !== 'string' || !/^https?:\/\/[^\s/]+/.test(url)) throw new Error(`PRIVATE_MODEL_ENDPOINTS.${name} must be an http(s) URL`);
  }
  return parsed as Record<string, string>;
}

interface TenantKeyringsProps {
  readonly credentials: TenantCredentials;
  readonly keyAliasPrefix: string;
  readonly region: string;
}

/**
 * The caller's tenant key with the tenant's own credentials: STS decides the tenant from the caller's
 * service token, and the key policy admits only sessions tagged with that tenant.
 */
function tenantKeyrings(props: TenantKeyringsProps): ProxyDeps['keyring'] {
  const dataKeys = new DataKeyCache();
  const clients = new WeakMap<TenantAwsCredentials, KMSClient>();
  return async (tenantId, serviceToken) => {
    const credentials = await props.credentials.forCaller(tenantId, serviceToken);
    let kms = clients.get(credentials);
    if (!kms) {
      kms = new KMSClient({ region: props.region, credentials });
      clients.set(credentials, kms);
    }
    return new TenantKeyring({ kms, keyArn: `${props.keyAliasPrefix}${tenantId}`, tenantId, cache: dataKeys });
  };
}

import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { appRefusal, type AppRecord } from '../shared/app-registry';
import { bearerTokenOf } from '../shared/bearer';
import { ApiError, errorResponse } from '../shared/errors';
import { jsonResponse } from '../shared/http';
import { callerOf, type Caller } from '../shared/json-request';
import { createObservability, outcomeOfStatus } from '../shared/observability';
import { normalizeText, redact, type PiiKind } from '../shared/pii';
import { createTracer, traced } from '../shared/tracing';
import { errorSummary } from '../shared/vectors/log-safe';
import type { TenantKeyring } from '../shared/vectors/tenant-keyring';
import { BREACH_REPORT_FAILURES_METRIC, type BreachEvents } from './breach-events';
import type { CacheKeyParts, CompletionCache } from './completion-cache';
import { proxyErrors } from './errors';
import type { Completion, CompletionCall, ModelClient } from './model-clients';
import { chooseModel, llmPolicyOf, resolvePrompt, type AppLlmPolicy, type ResolvedPrompt } from './policy';
import type { DataClass, ProxyConfig } from './proxy-config';
import { productionDeps } from './production';
import { completionRequestOf } from './request';
import { dayOf, secondsUntilReset, type TokenBudget } from './token-budget';

const tracer = createTracer('llm-proxy');
const { logger, metrics, startRequest, identifyCaller, endRequest } = createObservability('llm-proxy', tracer);

/** The scope `POST /v1/llm/complete` requires. */
export const COMPLETE_SCOPE = 'llm.complete';

/** What the proxy needs from its environment. */
export interface ProxyDeps {
  readonly config: ProxyConfig;
  /** The app's registry entry (cached by the caller of SSM). */
  readonly loadApp: (appId: string) => Promise<AppRecord | undefined>;
  readonly models: ModelClient;
  readonly budget: TokenBudget;
  readonly breaches: BreachEvents;
  /** @default - no cache */
  readonly cache?: CompletionCache;
  /** The caller's tenant key, used with the tenant's own credentials (from the caller's service token). */
  readonly keyring: (tenantId: string, serviceToken: string) => Promise<TenantKeyring>;
  /**
   * The clock.
   * @default () => new Date()
   */
  readonly now?: () => Date;
}

/** What one request found out, for the lineage record. */
interface Lineage {
  template?: string;
  templateVersion?: number;
  model?: string;
  inputTokens?: number;
  outputTokens?: number;
  cacheHit?: boolean;
  promptRedactions?: number;
  outputRedactions?: number;
  stopReason?: string;
}

/**
 * `POST /v1/llm/complete`: the only path from a micro app to a model. The tenant and app come from the
 * authorizer context; the instructions from a server-side template; the model from the environment's
 * policy for the app's data class; personal data is redacted before the call and from the answer; the
 * app's daily tokens are reserved atomically before the call and settled after it.
 */
export function createProxyHandler(deps: ProxyDeps): (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult> {
  const clock = deps.now ?? (() => new Date());
  return async (event) => {
    const startedAt = performance.now();
    startRequest(event.requestContext?.requestId);
    const lineage: Lineage = {};
    try {
      const caller = callerOf(event);
      identifyCaller({ tenantId: caller.tenantId, appId: caller.appId });
      if (!caller.scopes.has(COMPLETE_SCOPE)) throw proxyErrors.missingScope(COMPLETE_SCOPE);
      const response = await complete(deps, event, caller, clock(), lineage);
      logLineage('Completion served', lineage, 200, startedAt);
      endRequest('served');
      return response;
    } catch (error) {
      const response = errorResponse(error);
      if (response.statusCode === 429) metrics.addMetric('Throttles', MetricUnit.Count, 1);
      logFailure(error, lineage, response.statusCode, startedAt);
      endRequest(outcomeOfStatus(response.statusCode));
      return response;
    }
  };
}

async function complete(deps: ProxyDeps, event: APIGatewayProxyEvent, caller: Caller, now: Date, lineage: Lineage): Promise<APIGatewayProxyResult> {
  const request = completionRequestOf(event);
  const policy = await appPolicy(deps, caller, now);
  const prompt = resolvePrompt(deps.config, caller.appId, policy, request);
  lineage.template = prompt.template?.id ?? 'free-form';
  lineage.templateVersion = prompt.template?.version;
  const redactionKinds = deps.config.redaction[policy.dataClassification as DataClass] ?? [];
  const redactedPrompt = redact(normalizeText(prompt.user), { kinds: redactionKinds });
  lineage.promptRedactions = countOf(redactedPrompt.counts);
  const call: CompletionCall = {
    model: chooseModel(deps.config, policy, request.model),
    system: prompt.system,
    user: redactedPrompt.text,
    maxOutputTokens: prompt.maxOutputTokens,
    temperature: prompt.temperature,
  };
  lineage.model = call.model;

  const serviceToken = bearerTokenOf(event);
  const cacheParts: CacheKeyParts = { tenantId: caller.tenantId, appId: caller.appId, template: templateLabel(prompt), call };
  const cached = await cachedCompletion(deps, cacheParts, serviceToken, now);
  if (cached) {
    Object.assign(lineage, { cacheHit: true, inputTokens: 0, outputTokens: 0, stopReason: cached.stopReason, outputRedactions: 0 });
    metrics.addMetric('CacheHits', MetricUnit.Count, 1);
    return completionResponse(cached.text, cached.stopReason, call, prompt, { inputTokens: 0, outputTokens: 0 }, true, lineage);
  }

  const completion = await callWithinBudget(deps, caller, policy, call, now);
  const output = redact(completion.text, { kinds: redactionKinds });
  Object.assign(lineage, {
    cacheHit: false,
    inputTokens: completion.inputTokens,
    outputTokens: completion.outputTokens,
    stopReason: completion.stopReason,
    outputRedactions: countOf(output.counts),
  });
  metrics.addMetric('Tokens', MetricUnit.Count, completion.inputTokens + completion.outputTokens);
  metrics.addMetric('InputTokens', MetricUnit.Count, completion.inputTokens);
  metrics.addMetric('OutputTokens', MetricUnit.Count, completion.outputTokens);
  metrics.addMetric('Redactions', MetricUnit.Count, (lineage.promptRedactions ?? 0) + (lineage.outputRedactions ?? 0));
  const filtered: Completion = { ...completion, text: output.text };
  if (completion.stopReason === 'end_turn' || completion.stopReason === 'max_tokens') {
    await storeInCache(deps, cacheParts, filtered, serviceToken, now);
  }
  return completionResponse(filtered.text, filtered.stopReason, call, prompt, completion, false, lineage);
}

/** The app's LLM policy; 403 when the app may not be used by this tenant now, or has no model access. */
async function appPolicy(deps: ProxyDeps, caller: Caller, now: Date): Promise<AppLlmPolicy> {
  const record = await deps.loadApp(caller.appId);
  const refusal = appRefusal(record, caller.tenantId, now);
  if (refusal) throw proxyErrors.appRefused(refusal);
  const policy = llmPolicyOf(record!);
  if (!policy) throw proxyErrors.llmNotEnabled(caller.appId);
  return policy;
}

/**
 * Reserves the call's tokens, calls the model and settles the reservation to what it used; 429 (and a
 * breach report) when the reservation does not fit, and the reservation is given back when the call fails.
 */
async function callWithinBudget(deps: ProxyDeps, caller: Caller, policy: AppLlmPolicy, call: CompletionCall, now: Date): Promise<Completion> {
  const day = dayOf(now);
  const reserved = estimateTokens(call);
  // Never fits, whatever the day's usage: the caller's mistake, not a breach to throttle the app for.
  if (reserved > policy.dailyTokenBudget) throw proxyErrors.requestOverBudget(reserved, policy.dailyTokenBudget);
  const reservation = await deps.budget.reserve(caller.tenantId, caller.appId, day, reserved, policy.dailyTokenBudget);
  if (!reservation.granted) {
    await reportBreach(deps, caller, policy, day, reservation.tokensUsed, now);
    throw proxyErrors.tokenBudgetExceeded(policy.dailyTokenBudget, reservation.tokensUsed, secondsUntilReset(now));
  }
  let completion: Completion;
  try {
    completion = await deps.models.complete(call);
  } catch (error) {
    await deps.budget.settle(caller.appId, day, -reserved).catch((settleError: unknown) =>
      logger.error('Token reservation not given back', { error: errorSummary(settleError), tokens: reserved }),
    );
    throw error;
  }
  await deps.budget.settle(caller.appId, day, completion.inputTokens + completion.outputTokens - reserved);
  return completion;
}

/** A generous token estimate of a call before it is made: about three characters a token, plus the whole output cap. */
export function estimateTokens(call: Pick<CompletionCall, 'system' | 'user' | 'maxOutputTokens'>): number {
  return Math.ceil((call.system.length + call.user.length) / 3) + call.maxOutputTokens;
}

/** Publishes the first breach of the day; a failed publish is forgotten so the next refusal reports it. */
async function reportBreach(deps: ProxyDeps, caller: Caller, policy: AppLlmPolicy, day: string, tokensUsed: number, now: Date): Promise<void> {
  try {
    if (!(await deps.budget.markBreach(caller.appId, day, now))) return;
  } catch (error) {
    logger.error('Token budget breach not recorded', { error: errorSummary(error) });
    countBreachReportFailure();
    return;
  }
  try {
    await deps.breaches.publish({
      eventId: `${caller.appId}:${day}`,
      tenantId: caller.tenantId,
      appId: caller.appId,
      period: day,
      tokensUsed,
      tokenBudget: policy.dailyTokenBudget,
      occurredAt: now.toISOString(),
    });
    logger.warn('Token budget exceeded; breach reported', { period: day, tokensUsed, tokenBudget: policy.dailyTokenBudget });
  } catch (error) {
    logger.error('Token budget breach not reported', { error: errorSummary(error) });
    countBreachReportFailure();
    await deps.budget.clearBreach(caller.appId, day).catch(() => undefined);
  }
}

/** One failure, published at once under the service dimension alone, apart from the request's tenant and app metrics. */
function countBreachReportFailure(): void {
  const single = metrics.singleMetric();
  single.addMetric(BREACH_REPORT_FAILURES_METRIC, MetricUnit.Count, 1);
}

/** A cache hit, or undefined; a cache that fails is a miss (logged), never a failed request. */
async function cachedCompletion(deps: ProxyDeps, parts: CacheKeyParts, serviceToken: string, now: Date): Promise<Completion | undefined> {
  if (!deps.cache?.cacheable(parts.call)) return undefined;
  try {
    return await deps.cache.get(parts, await deps.keyring(parts.tenantId, serviceToken), now);
  } catch (error) {
    if (error instanceof ApiError) throw error; // the tenant's credentials were refused: the token is not this tenant's
    logger.warn('Completion cache not read', { error: errorSummary(error) });
    return undefined;
  }
}

async function storeInCache(deps: ProxyDeps, parts: CacheKeyParts, completion: Completion, serviceToken: string, now: Date): Promise<void> {
  if (!deps.cache?.cacheable(parts.call)) return;
  try {
    await deps.cache.put(parts, completion, await deps.keyring(parts.tenantId, serviceToken), now);
  } catch (error) {
    logger.warn('Completion not cached', { error: errorSummary(error) });
  }
}

function templateLabel(prompt: ResolvedPrompt): string {
  return prompt.template ? `${prompt.template.id}@${prompt.template.version}` : 'free-form';
}

function completionResponse(
  text: string,
  stopReason: string,
  call: CompletionCall,
  prompt: ResolvedPrompt,
  usage: { inputTokens: number; outputTokens: number },
  cached: boolean,
  lineage: Lineage,
): APIGatewayProxyResult {
  return jsonResponse(200, {
    completion: { text, stopReason },
    model: call.model,
    template: prompt.template ?? null,
    usage: { inputTokens: usage.inputTokens, outputTokens: usage.outputTokens },
    cached,
    redactions: { prompt: lineage.promptRedactions ?? 0, output: lineage.outputRedactions ?? 0 },
  });
}

function countOf(counts: Readonly<Partial<Record<PiiKind, number>>>): number {
  return Object.values(counts).reduce((sum, count) => sum + (count ?? 0), 0);
}

// Lineage: ids, versions, counts and timings. Never the prompt, the variables, the answer or a token.
function logLineage(message: string, lineage: Lineage, status: number, startedAt: number): void {
  logger.info(message, { ...lineage, status, latencyMs: Math.round(performance.now() - startedAt) });
}

function logFailure(error: unknown, lineage: Lineage, status: number, startedAt: number): void {
  if (error instanceof ApiError && status < 500) {
    logLineage('Completion refused', { ...lineage, stopReason: error.code }, status, startedAt);
  } else {
    logger.error('Completion failed', { ...lineage, status, error: errorSummary(error), cause: errorSummary((error as Error)?.cause) });
  }
}

export const handler = traced(tracer, createProxyHandler(productionDeps(process.env)));

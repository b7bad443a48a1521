import type { AppRecord } from '../shared/app-registry';
import { proxyErrors } from './errors';
// zod/mini, as in the registry: the proxy loads this at every cold start.
import * as z from 'zod/mini';
import { DATA_CLASSES, type DataClass, type ModelPrice, type PromptTemplate, type ProxyConfig } from './proxy-config';
import type { CompletionRequest } from './request';
import { renderTemplate, withDataNotice, type RenderedPrompt } from './templates';

const appLlmPolicySchema = z.object({
  dataClassification: z.enum(DATA_CLASSES),
  models: z.optional(z.array(z.string())),
  dailyTokenBudget: z.int().check(z.positive()),
  maxOutputTokens: z.int().check(z.positive()),
  freeFormPrompts: z.boolean(),
});

/** The LLM policy of an app, from its registry entry (written by its tenant stack: lib/constructs/tenant-apps.ts). */
export type AppLlmPolicy = z.infer<typeof appLlmPolicySchema>;

/**
 * The LLM policy of an app's registry entry; undefined when the app has none (no llm.complete scope).
 * A malformed policy is a platform bug and throws (a 500), never a default.
 */
export function llmPolicyOf(record: AppRecord): AppLlmPolicy | undefined {
  if (record.llm === undefined) return undefined;
  const policy = appLlmPolicySchema.safeParse(record.llm);
  if (!policy.success) throw new Error(`App registry entry for ${record.appId} has a malformed llm policy`);
  return policy.data;
}

/** The system part of a free-form prompt: the app's prompt is the user message, and nothing more. */
export const FREE_FORM_SYSTEM = 'You are an assistant inside a company app. Answer the user message helpfully and concisely.';

/** What the proxy will send, before redaction and model choice. */
export interface ResolvedPrompt extends RenderedPrompt {
  /** The template, or undefined for a free-form prompt. */
  readonly template?: Pick<PromptTemplate, 'id' | 'version'>;
  readonly temperature: number;
  /** The output cap: the lowest of the template's, the app's and the request's. */
  readonly maxOutputTokens: number;
}

/**
 * The prompt of a request: a template the app may use rendered with its variables, or the app's own
 * prompt when its config allows free-form prompts.
 */
export function resolvePrompt(config: ProxyConfig, appId: string, app: AppLlmPolicy, request: CompletionRequest): ResolvedPrompt {
  const caps = [app.maxOutputTokens, request.maxOutputTokens ?? Number.MAX_SAFE_INTEGER];
  if (request.kind === 'free-form') {
    if (!app.freeFormPrompts) throw proxyErrors.freeFormNotAllowed(appId);
    return {
      system: withDataNotice(FREE_FORM_SYSTEM),
      user: request.prompt,
      temperature: request.temperature,
      maxOutputTokens: Math.min(...caps),
    };
  }
  const template = config.templates.find((candidate) => candidate.id === request.templateId);
  if (!template) throw proxyErrors.templateNotFound(request.templateId);
  if (!template.apps.includes(appId)) throw proxyErrors.templateNotAllowed(template.id, appId);
  return {
    ...renderTemplate(template, request.variables),
    template: { id: template.id, version: template.version },
    temperature: template.temperature,
    maxOutputTokens: Math.min(template.maxOutputTokens, ...caps),
  };
}

/**
 * The models an app may call, cheapest first: what the environment allows for the app's data class,
 * narrowed by the app's own list. Privately hosted models count as free (their nodes are paid for).
 */
export function allowedModels(config: ProxyConfig, app: AppLlmPolicy): string[] {
  const permitted = config.allowedByClassification[app.dataClassification as DataClass] ?? [];
  const narrowed = app.models ? permitted.filter((model) => app.models!.includes(model)) : [...permitted];
  return narrowed
    .map((model, order) => ({ model, order, cost: blendedPrice(config.prices[model], model) }))
    .sort((a, b) => a.cost - b.cost || a.order - b.order)
    .map(({ model }) => model);
}

/** The model of a request: the one it names if allowed, else the cheapest allowed; 403 when none may be used. */
export function chooseModel(config: ProxyConfig, app: AppLlmPolicy, requested?: string): string {
  const allowed = allowedModels(config, app);
  if (allowed.length === 0) throw proxyErrors.noModelForDataClass(app.dataClassification);
  if (requested === undefined) return allowed[0];
  if (!allowed.includes(requested)) throw proxyErrors.modelNotAllowed(requested, allowed);
  return requested;
}

/** Whether a model is hosted by the platform (`private:<name>`). */
export function isPrivateModel(model: string): boolean {
  return model.startsWith('private:');
}

// Output usually costs several times input; a prompt of typical length weighs both about equally.
function blendedPrice(price: ModelPrice | undefined, model: string): number {
  if (isPrivateModel(model)) return 0;
  if (!price) return Number.POSITIVE_INFINITY; // the loader refuses unpriced models; never pick one first
  return price.inputPerMillionTokensUsd + price.outputPerMillionTokensUsd;
}

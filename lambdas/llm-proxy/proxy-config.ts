// zod/mini: this loads at every cold start of the proxy.
import * as z from 'zod/mini';
import type { PiiKind } from '../shared/pii';

/**
 * The proxy's configuration file, written at synth from `config/prompts/*.yaml` and the environment's
 * `models` policy (lib/constructs/llm-proxy.ts), shipped in a layer and read once per container. The
 * config loader validates every field with clear messages first; the proxy checks the shape again so a
 * damaged file fails the cold start instead of a request.
 */

/** The data classifications of apps, least to most sensitive. */
export const DATA_CLASSES = ['public', 'internal', 'confidential', 'regulated'] as const;
/** A data classification. */
export type DataClass = (typeof DATA_CLASSES)[number];

/** A text variable: inserted as delimited, escaped data. */
export interface StringVariable {
  readonly type: 'string';
  readonly maxLength: number;
  /** @default 0 */
  readonly minLength?: number;
  /** Whether line breaks are allowed. @default false */
  readonly multiline?: boolean;
}

/** A whole number from `minimum` to `maximum`. */
export interface IntegerVariable {
  readonly type: 'integer';
  readonly minimum: number;
  readonly maximum: number;
}

/** One of a fixed list of words. */
export interface EnumVariable {
  readonly type: 'enum';
  readonly values: readonly string[];
}

/** `true` or `false`. */
export interface BooleanVariable {
  readonly type: 'boolean';
}

/** A variable of a template, with whether the caller must give it. */
export type TemplateVariable = (StringVariable | IntegerVariable | EnumVariable | BooleanVariable) & {
  /** @default true */
  readonly required?: boolean;
  /** The value used when an optional variable is left out. @default - the variable renders empty */
  readonly default?: string | number | boolean;
};

/** A server-side prompt template. */
export interface PromptTemplate {
  readonly id: string;
  readonly version: number;
  readonly apps: readonly string[];
  readonly system: string;
  readonly user: string;
  readonly variables: Readonly<Record<string, TemplateVariable>>;
  readonly maxOutputTokens: number;
  readonly temperature: number;
}

/** What one model costs, USD per million tokens. */
export interface ModelPrice {
  readonly inputPerMillionTokensUsd: number;
  readonly outputPerMillionTokensUsd: number;
}

/** Everything the proxy knows at cold start. */
export interface ProxyConfig {
  readonly environmentName: string;
  readonly templates: readonly PromptTemplate[];
  readonly allowedByClassification: Readonly<Record<DataClass, readonly string[]>>;
  readonly prices: Readonly<Record<string, ModelPrice>>;
  readonly redaction: Readonly<Record<DataClass, readonly PiiKind[]>>;
  /** @default - no guardrail */
  readonly guardrail?: { readonly id: string; readonly version: string };
  /** 0 turns the cache off. */
  readonly cacheTtlSeconds: number;
}

/** The file name of the proxy config inside its layer (`/opt/<name>` in Lambda). */
export const PROXY_CONFIG_FILE = 'microplane/llm-proxy.json';

const shape = z.object({
  environmentName: z.string(),
  templates: z.array(
    z.object({
      id: z.string(),
      version: z.number(),
      apps: z.array(z.string()),
      system: z.string(),
      user: z.string(),
      variables: z.record(z.string(), z.looseObject({ type: z.enum(['string', 'integer', 'enum', 'boolean']) })),
      maxOutputTokens: z.number(),
      temperature: z.number(),
    }),
  ),
  allowedByClassification: z.object({
    public: z.array(z.string()),
    internal: z.array(z.string()),
    confidential: z.array(z.string()),
    regulated: z.array(z.string()),
  }),
  prices: z.record(z.string(), z.object({ inputPerMillionTokensUsd: z.number(), outputPerMillionTokensUsd: z.number() })),
  redaction: z.object({
    public: z.array(z.string()),
    internal: z.array(z.string()),
    confidential: z.array(z.string()),
    regulated: z.array(z.string()),
  }),
  guardrail: z.optional(z.object({ id: z.string(), version: z.string() })),
  cacheTtlSeconds: z.number(),
});

/** The proxy config from the file's JSON text; throws naming what is wrong. */
export function parseProxyConfig(text: string): ProxyConfig {
  const result = shape.safeParse(JSON.parse(text));
  if (!result.success) throw new Error(`The LLM proxy config is malformed: ${z.prettifyError(result.error)}`);
  return result.data as ProxyConfig;
}

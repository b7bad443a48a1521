import { requireEnv } from '../env';
import { validateChunking, type ChunkingOptions } from './chunking';

/** The environment the documents and documents-worker functions share, parsed at cold start. */
export interface PipelineSettings {
  /** `VECTOR_REGISTRY_PARAMETER_PREFIX`, e.g. `/microplane/dev/vectors/`. */
  readonly registryPrefix: string;
  /** `TENANT_ROLE_ARN_TEMPLATE`: the tenant role ARN with `{tenantId}`. */
  readonly roleArnTemplate: string;
  /** `EMBEDDING_MODEL_ID`. */
  readonly embeddingModelId: string;
  /** `EMBEDDING_DIMENSIONS`: must equal the index's `knn_vector` dimension. */
  readonly embeddingDimensions: number;
  /** `CHUNK_CHARACTERS` and `CHUNK_OVERLAP_CHARACTERS`. */
  readonly chunking: ChunkingOptions;
  /** `AWS_REGION`, which Lambda sets: the region of the collections and keys. */
  readonly region: string;
}

/** Reads the shared pipeline settings; a missing or malformed variable fails the cold start. */
export function pipelineSettings(env: NodeJS.ProcessEnv = process.env): PipelineSettings {
  return {
    registryPrefix: requireEnv('VECTOR_REGISTRY_PARAMETER_PREFIX', env),
    roleArnTemplate: requireEnv('TENANT_ROLE_ARN_TEMPLATE', env),
    embeddingModelId: requireEnv('EMBEDDING_MODEL_ID', env),
    embeddingDimensions: positiveInt('EMBEDDING_DIMENSIONS', env, 16_000),
    chunking: validateChunking({
      size: positiveInt('CHUNK_CHARACTERS', env),
      overlap: nonNegativeInt('CHUNK_OVERLAP_CHARACTERS', env),
    }),
    region: requireEnv('AWS_REGION', env),
  };
}

/** A required positive integer variable, at most `max`. */
export function positiveInt(name: string, env: NodeJS.ProcessEnv, max = Number.MAX_SAFE_INTEGER): number {
  const value = nonNegativeInt(name, env);
  if (value < 1 || value > max) throw new Error(`Environment variable ${name} must be an integer from 1 to ${max}`);
  return value;
}

/** An optional positive integer variable, `fallback` when unset. */
export function optionalPositiveInt(name: string, env: NodeJS.ProcessEnv, fallback: number): number {
  return env[name] === undefined || env[name] === '' ? fallback : positiveInt(name, env);
}

function nonNegativeInt(name: string, env: NodeJS.ProcessEnv): number {
  const raw = requireEnv(name, env);
  if (!/^\d{1,15}$/.test(raw)) throw new Error(`Environment variable ${name} must be a non-negative integer`);
  return Number(raw);
}

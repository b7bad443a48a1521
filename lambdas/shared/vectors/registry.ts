import { paginateGetParametersByPath, type SSMClient } from '@aws-sdk/client-ssm';
import { getParameter } from '@aws-lambda-powertools/parameters/ssm';
// zod/mini keeps the worker and sweeper, which load this at cold start, small.
import * as z from 'zod/mini';
import { isTenantId } from '../ids';

/** Registry entries are cached for five minutes, like the app and database registries. */
const REGISTRY_MAX_AGE_SECONDS = 300;

/**
 * The collection endpoint: HTTPS, or plain HTTP on the loopback interface only, so a local OpenSearch
 * (tests, a developer's container) can stand in for the collection. Nothing listens there in Lambda.
 */
const endpoint = z.url().check(
  z.refine((value) => {
    const url = new URL(value);
    const loopback = url.hostname === '127.0.0.1' || url.hostname === 'localhost';
    return url.protocol === 'https:' || (url.protocol === 'http:' && loopback);
  }, 'must be an https URL'),
);

const entrySchema = z.object({
  endpoint,
  index: z.string().check(z.regex(/^[a-z0-9][a-z0-9-]{0,254}$/)),
  keyArn: z.string().check(z.regex(/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/)),
});

/** Where one tenant's documents live, as its stack publishes it under `<prefix><tenantId>`. */
export interface VectorRegistryEntry {
  readonly tenantId: string;
  /** The collection endpoint, e.g. `https://<collection-id>.<region>.aoss.amazonaws.com`. */
  readonly endpoint: string;
  /** The tenant's index: always `tenant-<tenantId>`. */
  readonly index: string;
  /** The tenant's KMS key, which envelope-encrypts the stored text. */
  readonly keyArn: string;
}

/** The index name of a tenant, as the tenant stack creates it. */
export function indexNameOf(tenantId: string): string {
  return `tenant-${tenantId}`;
}

/**
 * The registry entry of `tenantId`, cached for five minutes. A malformed entry, or one naming another
 * tenant's index, is a platform bug and throws (a 500), never a silent fallback.
 */
export async function loadVectorRegistryEntry(prefix: string, tenantId: string): Promise<VectorRegistryEntry> {
  if (!isTenantId(tenantId)) throw new Error('Invalid tenant id'); // it becomes a parameter name
  const value = await getParameter(`${prefix}${tenantId}`, {
    transform: 'json',
    maxAge: REGISTRY_MAX_AGE_SECONDS,
    throwOnMissing: true,
  });
  return parseEntry(tenantId, value);
}

/** The whole registry: the usable entries, and the names of parameters that are not. */
export interface VectorRegistry {
  readonly entries: readonly VectorRegistryEntry[];
  readonly malformed: readonly string[];
}

/**
 * Every tenant's entry under `prefix`, read page by page (for the sweeper, which visits them all). A
 * malformed entry is listed apart, so one bad parameter does not stop the others from being served.
 */
export async function listVectorRegistry(ssm: SSMClient, prefix: string): Promise<VectorRegistry> {
  const entries: VectorRegistryEntry[] = [];
  const malformed: string[] = [];
  for await (const page of paginateGetParametersByPath({ client: ssm }, { Path: prefix, Recursive: false })) {
    for (const parameter of page.Parameters ?? []) {
      const name = parameter.Name ?? '';
      try {
        entries.push(parseEntry(name.slice(prefix.length), JSON.parse(parameter.Value ?? 'null')));
      } catch {
        malformed.push(name);
      }
    }
  }
  return { entries, malformed };
}

function parseEntry(tenantId: string, value: unknown): VectorRegistryEntry {
  const entry = entrySchema.safeParse(value);
  if (!isTenantId(tenantId) || !entry.success || entry.data.index !== indexNameOf(tenantId)) {
    throw new Error(`The vector registry entry of tenant ${tenantId} is malformed`);
  }
  return { tenantId, ...entry.data };
}

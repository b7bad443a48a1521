import { z } from 'zod';
import { hasLoneSurrogate } from '../shared/json-request';
import { CLASSIFICATIONS, type Classification } from '../shared/vectors/document';
import type { SearchFilters } from '../shared/vectors/document-store';
import { ValidationError, type FieldProblem } from './errors';

/** Limits of the request fields. The text limit keeps a queued document inside one SQS message. */
export const INPUT_LIMITS = {
  textMaxCharacters: 400_000,
  originMaxCharacters: 512,
  authorMaxCharacters: 200,
  queryMaxCharacters: 2_000,
  maxK: 50,
  defaultK: 10,
} as const;

/** What a document is stored with when the caller does not say. */
export const DEFAULT_CLASSIFICATION: Classification = 'internal';

/** A document to ingest, validated, defaults applied. */
export interface IngestInput {
  readonly text: string;
  readonly origin?: string;
  readonly author?: string;
  readonly classification: Classification;
  readonly ttlDays: number;
}

/** A search, validated, defaults applied; dates normalised to ISO 8601 UTC. */
export interface SearchInput {
  readonly query: string;
  readonly k: number;
  readonly minScore?: number;
  readonly filter: SearchFilters;
}

/** Days a document lives: the default when the caller gives none, and the most it may ask for. */
export interface TtlLimits {
  readonly defaultTtlDays: number;
  readonly maxTtlDays: number;
}

const required = (expected: string) => (issue: { input: unknown }) =>
  issue.input === undefined ? 'is required' : `must be ${expected}`;

const text = (max: number) =>
  z
    .string({ error: required('a string') })
    .refine((value) => value.trim() !== '', { error: 'must not be blank' })
    .refine((value) => value.length <= max, { error: `must be at most ${max} characters` })
    .refine((value) => !hasLoneSurrogate(value) && !value.includes('\u0000'), { error: 'must be valid Unicode text' });

const label = (max: number) => text(max).transform((value) => value.trim());

const classification = z.enum(CLASSIFICATIONS, { error: `must be one of ${CLASSIFICATIONS.join(', ')}` });

const isoDate = z.iso
  .datetime({ offset: true, error: 'must be an ISO 8601 date-time, e.g. 2025-01-31T00:00:00Z' })
  .transform((value) => new Date(value).toISOString());

// Strict objects: a field naming an index or tenant (`index`, `tenant`, `tenantId`), or anything else
// unknown, is refused. The tenant and its index come only from the authorizer context and the registry.
const ingestSchema = (ttl: TtlLimits) =>
  z.strictObject(
    {
      text: text(INPUT_LIMITS.textMaxCharacters),
      origin: label(INPUT_LIMITS.originMaxCharacters).optional(),
      author: label(INPUT_LIMITS.authorMaxCharacters).optional(),
      classification: classification.default(DEFAULT_CLASSIFICATION),
      ttlDays: z
        .int({ error: `must be an integer from 1 to ${ttl.maxTtlDays}` })
        .min(1, { error: `must be an integer from 1 to ${ttl.maxTtlDays}` })
        .max(ttl.maxTtlDays, { error: `must be an integer from 1 to ${ttl.maxTtlDays}` })
        .default(ttl.defaultTtlDays),
    },
    { error: 'must be a JSON object' },
  );

const filterSchema = z.strictObject(
  {
    app: label(40).optional(),
    origin: label(INPUT_LIMITS.originMaxCharacters).optional(),
    author: label(INPUT_LIMITS.authorMaxCharacters).optional(),
    classification: z
      .union([classification.transform((value) => [value]), z.array(classification).min(1).max(CLASSIFICATIONS.length)])
      .optional(),
    createdAfter: isoDate.optional(),
    createdBefore: isoDate.optional(),
  },
  { error: 'must be a JSON object' },
);

const searchSchema = z.strictObject(
  {
    query: text(INPUT_LIMITS.queryMaxCharacters),
    k: z
      .int({ error: `must be an integer from 1 to ${INPUT_LIMITS.maxK}` })
      .min(1, { error: `must be an integer from 1 to ${INPUT_LIMITS.maxK}` })
      .max(INPUT_LIMITS.maxK, { error: `must be an integer from 1 to ${INPUT_LIMITS.maxK}` })
      .default(INPUT_LIMITS.defaultK),
    minScore: z.number({ error: 'must be a number' }).min(0, { error: 'must be at least 0' }).optional(),
    filter: filterSchema.default({}),
  },
  { error: 'must be a JSON object' },
);

/** The document to ingest from a parsed JSON body; throws {@link ValidationError} naming every bad field. */
export function parseIngest(input: unknown, ttl: TtlLimits): IngestInput {
  return parseWith(ingestSchema(ttl), input);
}

/** The search from a parsed JSON body; throws {@link ValidationError} naming every bad field. */
export function parseSearch(input: unknown): SearchInput {
  return parseWith(searchSchema, input);
}

function parseWith<T>(schema: z.ZodType<T, unknown>, input: unknown): T {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new ValidationError(result.error.issues.flatMap(fieldProblems));
}

/** The whole body is named `(root)`; nested fields by their path, e.g. `filter.index`. */
function fieldProblems(issue: z.core.$ZodIssue): FieldProblem[] {
  const at = issue.path.map(String);
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({ field: [...at, key].join('.'), message: 'is not allowed' }));
  }
  return [{ field: at.length === 0 ? '(root)' : at.join('.'), message: issue.message }];
}

import { z } from 'zod';
import { ValidationError, type FieldProblem } from './errors';

/**
 * The rules of a note's fields. They match `NoteCreate`/`NoteUpdate` in `lambdas/openapi/openapi.json`,
 * which the gateway also enforces; this check is the one that counts, because the gateway skips its
 * model for a body sent with another content type.
 */
export const NOTE_LIMITS = {
  titleMaxLength: 200,
  bodyMaxLength: 20_000,
  maxTags: 20,
  tagMaxLength: 40,
} as const;

/** A tag: 1 to 40 characters of lowercase letters, digits and hyphens. */
export const TAG_PATTERN = /^[a-z0-9-]{1,40}$/;

/** A note to create, validated, with defaults applied. */
export interface NoteCreate {
  readonly title: string;
  readonly body: string;
  readonly tags: readonly string[];
}

/** The fields a PATCH changes; at least one is present. */
export type NoteUpdate = Partial<NoteCreate>;

// JSON Schema's maxLength counts Unicode characters, not UTF-16 units; so does PostgreSQL's char_length.
const characters = (value: string): number => [...value].length;

const required = (expected: string) => (issue: { input: unknown }) =>
  issue.input === undefined ? 'is required' : `must be ${expected}`;

/** PostgreSQL text cannot hold NUL: refused here rather than failing in the database. */
export const NO_NUL_PATTERN = /^[^\u0000]*$/;

const text = (min: number, max: number) =>
  z
    .string({ error: required('a string') })
    .refine((value) => characters(value) >= min && characters(value) <= max, {
      error: min === 0 ? `must be at most ${max} characters` : `must be ${min} to ${max} characters`,
    })
    .regex(NO_NUL_PATTERN, { error: 'must not contain NUL characters' });

const title = text(1, NOTE_LIMITS.titleMaxLength);
const body = text(0, NOTE_LIMITS.bodyMaxLength);
const tags = z
  .array(z.string({ error: 'must be a string' }).regex(TAG_PATTERN, { error: 'must be 1 to 40 of a-z, 0-9 and -' }), {
    error: required('an array of strings'),
  })
  .max(NOTE_LIMITS.maxTags, { error: `must hold at most ${NOTE_LIMITS.maxTags} tags` })
  .refine((values) => new Set(values).size === values.length, { error: 'must not repeat a tag' });

const createSchema = z.strictObject({ title, body: body.default(''), tags: tags.default([]) }, { error: 'must be a JSON object' });
const updateSchema = z
  .strictObject({ title: title.optional(), body: body.optional(), tags: tags.optional() }, { error: 'must be a JSON object' })
  .refine((update) => Object.keys(update).length > 0, { error: 'must change at least one of title, body, tags' });

/** The note to create from a parsed JSON body; throws {@link ValidationError} naming every bad field. */
export function parseNoteCreate(input: unknown): NoteCreate {
  return parseWith(createSchema, input);
}

/** The changes of a PATCH from a parsed JSON body; throws {@link ValidationError} naming every bad field. */
export function parseNoteUpdate(input: unknown): NoteUpdate {
  return parseWith(updateSchema, input);
}

function parseWith<T>(schema: z.ZodType<T>, input: unknown): T {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new ValidationError(result.error.issues.flatMap(fieldProblems));
}

/** The whole body is named `(root)`; nested fields by their path, e.g. `tags.3`. */
export const ROOT_FIELD = '(root)';

function fieldProblems(issue: z.core.$ZodIssue): FieldProblem[] {
  const at = issue.path.map(String);
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({ field: [...at, key].join('.'), message: 'is not allowed' }));
  }
  return [{ field: at.length === 0 ? ROOT_FIELD : at.join('.'), message: issue.message }];
}

import type { z } from 'zod';

/** One thing wrong with the config, precise enough to fix without reading code. */
export interface ConfigProblem {
  /** The config file, relative to the working directory, e.g. `config/tenants/acme.yaml`. */
  readonly file: string;
  /** The field, e.g. `apps[0].tier`; `(file)` when the whole file is wrong. */
  readonly path: string;
  /** What is wrong, ending with `(allowed: …)` whenever the allowed values can be listed. */
  readonly message: string;
}

/** The path of a problem that concerns a whole file rather than one field. */
export const WHOLE_FILE = '(file)';

/** Every problem found in the config, thrown at once so one run shows everything to fix. */
export class ConfigError extends Error {
  public readonly problems: readonly ConfigProblem[];

  constructor(problems: readonly ConfigProblem[]) {
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    super(`The config has ${count}:\n${problems.map(formatProblem).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** `file: path.to.field: what is wrong (allowed: …)` */
export function formatProblem(problem: ConfigProblem): string {
  return `${problem.file}: ${problem.path}: ${problem.message}`;
}

/** `apps[0].callbackUrls[1]` from `['apps', 0, 'callbackUrls', 1]`; `(file)` for the root. */
export function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return WHOLE_FILE;
  return path
    .map((segment, index) => (typeof segment === 'number' ? `[${segment}]` : `${index === 0 ? '' : '.'}${String(segment)}`))
    .join('');
}

/** ` (allowed: a, b, c)` */
export function allowed(values: readonly unknown[]): string {
  return ` (allowed: ${values.length > 0 ? values.map(String).join(', ') : 'none'})`;
}

/**
 * Turns zod's issues for one file into problems. Messages written in the schema are kept; zod's
 * generic ones are replaced by {@link describeIssue} (passed to `safeParse` as its error map), and a
 * field that is simply absent reads `is required`. One problem per field: a bad id breaks several
 * rules at once, and the first one says enough.
 */
export function problemsFromIssues(
  file: string,
  issues: readonly z.core.$ZodIssue[],
  input: unknown,
  schema: z.core.$ZodType,
): ConfigProblem[] {
  const byPath = new Map<string, ConfigProblem>();
  for (const issue of issues) {
    for (const problem of problemsFromIssue(file, issue, input, schema)) {
      if (!byPath.has(problem.path)) byPath.set(problem.path, problem);
    }
  }
  return [...byPath.values()];
}

function problemsFromIssue(file: string, issue: z.core.$ZodIssue, input: unknown, schema: z.core.$ZodType): ConfigProblem[] {
  if (issue.code === 'unrecognized_keys') {
    const fields = allowed(fieldsAt(schema, issue.path));
    return issue.keys.map((key) => ({
      file,
      path: formatPath([...issue.path, key]),
      message: `unknown field "${key}"${fields}`,
    }));
  }
  const missing = issue.path.length > 0 && valueAt(input, issue.path) === undefined;
  const message = missing ? `is required${issue.code === 'invalid_value' ? allowed(issue.values) : ''}` : issue.message;
  return [{ file, path: formatPath(issue.path), message }];
}

/** The error map for `safeParse`: only called for issues whose schema has no message of its own. */
export function describeIssue(issue: z.core.$ZodRawIssue): string | undefined {
  switch (issue.code) {
    case 'invalid_type':
      return `must be ${TYPE_NAMES[issue.expected] ?? issue.expected} (got ${describeValue(issue.input)})`;
    case 'invalid_value':
      return `unknown value ${JSON.stringify(issue.input)}${allowed(issue.values)}`;
    case 'invalid_union':
      return describeUnion(issue);
    case 'invalid_key':
      return issue.issues.map((inner) => inner.message).join('; ');
    case 'too_small':
      // `.positive()` is an exclusive bound: "at least 0" would allow the 0 it refuses.
      return `must ${bound(issue.origin, issue.inclusive === false ? 'more than' : 'at least', issue.minimum)}`;
    case 'too_big':
      return `must ${bound(issue.origin, issue.inclusive === false ? 'less than' : 'at most', issue.maximum)}`;
    case 'invalid_format':
      return `must be a valid ${issue.format}`;
    default:
      return undefined;
  }
}

const TYPE_NAMES: Record<string, string> = {
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  object: 'a mapping of fields',
  array: 'a list',
};

function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'an empty value';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `${typeof value} ${JSON.stringify(value)}`;
}

/** A union of literals (e.g. log retention days) reads like an enum. */
function describeUnion(issue: z.core.$ZodRawIssue<z.core.$ZodIssueInvalidUnion>): string | undefined {
  const options = issue.errors.map((branch) => (branch.length === 1 && branch[0].code === 'invalid_value' ? branch[0].values : undefined));
  if (options.some((values) => values === undefined)) return undefined;
  return `unknown value ${JSON.stringify(issue.input)}${allowed(options.flat())}`;
}

function bound(origin: string, direction: string, limit: number | bigint): string {
  switch (origin) {
    case 'string':
      return `be ${direction} ${limit} characters long`;
    case 'array':
    case 'set':
      return `list ${direction} ${limit} item${limit === 1 ? '' : 's'}`;
    default:
      return `be ${NUMBER_DIRECTIONS[direction] ?? direction} ${limit}`;
  }
}

const NUMBER_DIRECTIONS: Record<string, string> = { 'more than': 'greater than' };

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let current = input;
  for (const segment of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[segment];
  }
  return current;
}

/** The field names the object schema at `path` accepts, for "unknown field" messages. */
function fieldsAt(schema: z.core.$ZodType, path: readonly PropertyKey[]): string[] {
  let current = unwrap(schema);
  for (const segment of path) {
    const def = current._zod.def;
    if (def.type === 'object') current = unwrap((def as z.core.$ZodObjectDef).shape[String(segment)]);
    else if (def.type === 'array') current = unwrap((def as z.core.$ZodArrayDef).element);
    else if (def.type === 'record') current = unwrap((def as z.core.$ZodRecordDef).valueType);
    else return [];
  }
  const def = current._zod.def;
  if (def.type === 'object') return Object.keys((def as z.core.$ZodObjectDef).shape);
  // A record keyed by an enum (e.g. functions.reservedConcurrency) accepts exactly the enum's values.
  if (def.type === 'record') {
    const keyDef = unwrap((def as z.core.$ZodRecordDef).keyType)._zod.def;
    if (keyDef.type === 'enum') return Object.values((keyDef as z.core.$ZodEnumDef).entries).map(String);
  }
  return [];
}

/** Looks through optional, default and pipe wrappers to the schema that does the work. */
function unwrap(schema: z.core.$ZodType): z.core.$ZodType {
  const def = schema._zod.def as z.core.$ZodTypeDef & { innerType?: z.core.$ZodType; in?: z.core.$ZodType };
  const inner = def.innerType ?? (def.type === 'pipe' ? def.in : undefined);
  return inner ? unwrap(inner) : schema;
}

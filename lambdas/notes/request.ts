import type { APIGatewayProxyEvent } from 'aws-lambda';
import { unauthorized } from '../shared/errors';
import { headerValue } from '../shared/http';
import { hasLoneSurrogate, jsonBody as parseJsonBody } from '../shared/json-request';
import { isAppId, isTenantId } from '../shared/ids';
import { decodeCursor, UUID_PATTERN, type Cursor } from './cursor';
import { notesErrors, ValidationError, type FieldProblem } from './errors';
import { ROOT_FIELD, TAG_PATTERN } from './note-input';

/** Who is calling: set by the authorizer from the verified service token, never by the request. */
export interface Caller {
  readonly tenantId: string;
  readonly appId: string;
  readonly subject: string;
}

/** The largest JSON body accepted, in bytes. */
export const MAX_BODY_BYTES = 64 * 1024;
const IDEMPOTENCY_KEY = /^[\x21-\x7E]{1,128}$/;
const ETAG = /^"([1-9][0-9]{0,8})"$/; // at most 9 digits: fits the int column
const MAX_QUERY_LENGTH = 200;

/** The caller from the authorizer context; 401 when any part is missing or malformed (fail closed). */
export function callerOf(event: APIGatewayProxyEvent): Caller {
  const { tenantId, appId, subject } = event.requestContext?.authorizer ?? {};
  if (!isTenantId(tenantId) || !isAppId(appId) || typeof subject !== 'string' || subject === '') {
    throw unauthorized();
  }
  return { tenantId, appId, subject };
}

/**
 * The JSON body; 415 unless it is sent as JSON, 413 above {@link MAX_BODY_BYTES}, 400 `invalid_json`
 * when absent or not JSON, 400 `invalid_body` when a string holds a lone surrogate.
 */
export function jsonBody(event: APIGatewayProxyEvent): unknown {
  // The gateway validates a body against its model only under application/json: anything else is refused.
  const body = parseJsonBody(event, MAX_BODY_BYTES);
  const field = loneSurrogateAt(body);
  if (field !== undefined) throw notesErrors.invalidBody(field);
  return body;
}

/**
 * The path of the first key or string holding a lone surrogate (`"\ud800"` parses, and would be
 * stored as U+FFFD), `(root)` for the body itself; `undefined` when there is none.
 */
function loneSurrogateAt(value: unknown, path: readonly string[] = []): string | undefined {
  const name = (): string => (path.length === 0 ? ROOT_FIELD : path.join('.'));
  if (typeof value === 'string') return hasLoneSurrogate(value) ? name() : undefined;
  if (typeof value !== 'object' || value === null) return undefined;
  for (const [key, item] of Object.entries(value)) {
    if (hasLoneSurrogate(key)) return [...path, key].join('.');
    const found = loneSurrogateAt(item, [...path, key]);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** The note id of the path; 400 naming `id` unless it is a UUID. */
export function noteIdOf(event: APIGatewayProxyEvent): string {
  // The resource names the parameter (`/v1/notes/{id}`); the gateway may call it otherwise.
  const name = /\{([A-Za-z0-9_]+)\}/.exec(event.resource ?? '')?.[1] ?? 'id';
  const id = event.pathParameters?.[name];
  if (id === undefined || !UUID_PATTERN.test(id)) {
    throw new ValidationError([{ field: 'id', message: 'must be a UUID' }]);
  }
  return id.toLowerCase();
}

/** The `Idempotency-Key` header, if sent: 1 to 128 visible ASCII characters. */
export function idempotencyKeyOf(event: APIGatewayProxyEvent): string | undefined {
  const key = headerValue(event.headers, 'Idempotency-Key');
  if (key === undefined) return undefined;
  if (!IDEMPOTENCY_KEY.test(key)) {
    throw notesErrors.invalidHeader('Idempotency-Key', 'Idempotency-Key must be 1 to 128 visible ASCII characters.');
  }
  return key;
}

/** The version named by `If-Match: "<version>"`, or `undefined` when the header is absent. */
export function expectedVersionOf(event: APIGatewayProxyEvent): number | undefined {
  const value = headerValue(event.headers, 'If-Match');
  if (value === undefined) return undefined;
  const match = ETAG.exec(value.trim());
  if (!match) throw notesErrors.invalidHeader('If-Match', 'If-Match must be one ETag of a note, e.g. "3".');
  return Number(match[1]);
}

/** The version `If-Match` names; 428 when it is absent. */
export function requiredVersionOf(event: APIGatewayProxyEvent): number {
  const version = expectedVersionOf(event);
  if (version === undefined) throw notesErrors.preconditionRequired();
  return version;
}

/** What `GET /v1/notes` asks for. */
export interface ListQuery {
  readonly limit: number;
  readonly after?: Cursor;
  readonly tag?: string;
  readonly q?: string;
  readonly includeDeleted: boolean;
}

export const DEFAULT_LIMIT = 20;
export const MAX_LIMIT = 100;

/** The list query parameters; unknown parameters are ignored, bad values named in a 400. */
export function listQueryOf(event: APIGatewayProxyEvent): ListQuery {
  const params = event.queryStringParameters ?? {};
  const problems: FieldProblem[] = [];
  const check = (field: string, valid: boolean, message: string): void => {
    if (!valid) problems.push({ field, message });
  };
  const { limit, tag, q, includeDeleted, cursor } = params;
  check('limit', limit === undefined || (/^\d{1,3}$/.test(limit) && Number(limit) >= 1 && Number(limit) <= MAX_LIMIT), `must be an integer from 1 to ${MAX_LIMIT}`);
  check('tag', tag === undefined || TAG_PATTERN.test(tag), 'must be 1 to 40 of a-z, 0-9 and -');
  check('q', q === undefined || (q !== '' && [...q].length <= MAX_QUERY_LENGTH && !q.includes('\u0000')), `must be 1 to ${MAX_QUERY_LENGTH} characters`);
  check('includeDeleted', includeDeleted === undefined || includeDeleted === 'true' || includeDeleted === 'false', 'must be true or false');
  if (problems.length > 0) throw new ValidationError(problems);
  return {
    limit: limit === undefined ? DEFAULT_LIMIT : Number(limit),
    after: cursor === undefined ? undefined : decodeCursor(cursor),
    tag,
    q,
    includeDeleted: includeDeleted === 'true',
  };
}

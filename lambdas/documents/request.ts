import type { APIGatewayProxyEvent } from 'aws-lambda';
import { unauthorized } from '../shared/errors';
import { headerValue } from '../shared/http';
import { isAppId, isTenantId } from '../shared/ids';
import { documentsErrors, ValidationError } from './errors';

/** Who is calling: set by the authorizer from the verified service token, never by the request. */
export interface Caller {
  readonly tenantId: string;
  readonly appId: string;
  /** The scopes the authorizer granted (space-separated in its context). */
  readonly scopes: ReadonlySet<string>;
}

/** The largest JSON body accepted, in bytes (the text itself is limited in input.ts). */
export const MAX_BODY_BYTES = 1024 * 1024;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** `application/json`, optionally with `charset=utf-8`, in any case (RFC 8259 §8.1: JSON is UTF-8). */
const JSON_MEDIA_TYPE = /^application\/json[ \t]*(?:;[ \t]*charset[ \t]*=[ \t]*(?:utf-8|"utf-8")[ \t]*)?$/i;

/** The caller from the authorizer context; 401 when any part is missing or malformed (fail closed). */
export function callerOf(event: APIGatewayProxyEvent): Caller {
  const { tenantId, appId, scopes } = event.requestContext?.authorizer ?? {};
  if (!isTenantId(tenantId) || !isAppId(appId) || typeof scopes !== 'string') throw unauthorized();
  return { tenantId, appId, scopes: new Set(scopes.split(' ').filter((scope) => scope !== '')) };
}

/** 415 unless sent as JSON, 413 above {@link MAX_BODY_BYTES}, 400 `invalid_json` when absent or not JSON. */
export function jsonBody(event: APIGatewayProxyEvent): unknown {
  if (!JSON_MEDIA_TYPE.test(headerValue(event.headers, 'Content-Type')?.trim() ?? '')) throw documentsErrors.unsupportedMediaType();
  const bytes = Buffer.from(event.body ?? '', event.isBase64Encoded ? 'base64' : 'utf8');
  if (bytes.length > MAX_BODY_BYTES) throw documentsErrors.payloadTooLarge(MAX_BODY_BYTES);
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw documentsErrors.invalidJson();
  }
}

/** The document id of the path; 400 naming `id` unless it is a UUID. */
export function documentIdOf(event: APIGatewayProxyEvent): string {
  const name = /\{([A-Za-z0-9_]+)\}/.exec(event.resource ?? '')?.[1] ?? 'id';
  const id = event.pathParameters?.[name];
  if (id === undefined || !UUID.test(id)) throw new ValidationError([{ field: 'id', message: 'must be a UUID' }]);
  return id.toLowerCase();
}

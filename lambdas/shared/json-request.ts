import type { APIGatewayProxyEvent } from 'aws-lambda';
import { ApiError, unauthorized } from './errors';
import { headerValue } from './http';
import { isAppId, isTenantId } from './ids';

/** Who is calling: set by the authorizer from the verified service token, never by the request. */
export interface Caller {
  readonly tenantId: string;
  readonly appId: string;
  /** The scopes the authorizer granted (space-separated in its context). */
  readonly scopes: ReadonlySet<string>;
}

/** The errors of reading a JSON request, shared by the JSON APIs. */
export const requestErrors = {
  invalidJson: () => new ApiError(400, 'invalid_json', 'The request body is not valid JSON.'),
  unsupportedMediaType: () =>
    new ApiError(415, 'unsupported_media_type', 'Send the body as application/json (UTF-8).', { header: 'Content-Type' }),
  payloadTooLarge: (limit: number) =>
    new ApiError(413, 'payload_too_large', `The request body exceeds ${limit} bytes.`, { limitBytes: limit }),
  missingScope: (scope: string) => new ApiError(403, 'insufficient_scope', `This route requires the scope ${scope}.`, { scope }),
};

/** `application/json`, optionally with `charset=utf-8`, in any case (RFC 8259 §8.1: JSON is UTF-8). */
const JSON_MEDIA_TYPE = /^application\/json[ \t]*(?:;[ \t]*charset[ \t]*=[ \t]*(?:utf-8|"utf-8")[ \t]*)?$/i;

/** The caller from the authorizer context; 401 when any part is missing or malformed (fail closed). */
export function callerOf(event: APIGatewayProxyEvent): Caller {
  const { tenantId, appId, scopes } = event.requestContext?.authorizer ?? {};
  if (!isTenantId(tenantId) || !isAppId(appId) || typeof scopes !== 'string') throw unauthorized();
  return { tenantId, appId, scopes: new Set(scopes.split(' ').filter((scope) => scope !== '')) };
}

/**
 * The parsed JSON body: 415 unless sent as JSON, 413 above `maxBytes`, 400 `invalid_json` when absent,
 * not JSON or not UTF-8.
 */
export function jsonBody(event: APIGatewayProxyEvent, maxBytes: number): unknown {
  if (!JSON_MEDIA_TYPE.test(headerValue(event.headers, 'Content-Type')?.trim() ?? '')) throw requestErrors.unsupportedMediaType();
  const bytes = Buffer.from(event.body ?? '', event.isBase64Encoded ? 'base64' : 'utf8');
  if (bytes.length > maxBytes) throw requestErrors.payloadTooLarge(maxBytes);
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw requestErrors.invalidJson();
  }
}

/** A lone surrogate is an unpaired code point (`"\ud800"` parses as JSON): the `u` flag reads pairs as one character. */
const LONE_SURROGATE = /\p{Cs}/u;

/** Whether `text` holds a lone UTF-16 surrogate, which is no Unicode text. */
export function hasLoneSurrogate(text: string): boolean {
  return LONE_SURROGATE.test(text);
}

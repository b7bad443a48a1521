import type { APIGatewayProxyEvent } from 'aws-lambda';
import { jsonBody as parseJsonBody } from '../shared/json-request';
import { ValidationError } from './errors';

export { callerOf, type Caller } from '../shared/json-request';

/** The largest JSON body accepted, in bytes (the text itself is limited in input.ts). */
export const MAX_BODY_BYTES = 1024 * 1024;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** 415 unless sent as JSON, 413 above {@link MAX_BODY_BYTES}, 400 `invalid_json` when absent or not JSON. */
export function jsonBody(event: APIGatewayProxyEvent): unknown {
  return parseJsonBody(event, MAX_BODY_BYTES);
}

/** The document id of the path; 400 naming `id` unless it is a UUID. */
export function documentIdOf(event: APIGatewayProxyEvent): string {
  const name = /\{([A-Za-z0-9_]+)\}/.exec(event.resource ?? '')?.[1] ?? 'id';
  const id = event.pathParameters?.[name];
  if (id === undefined || !UUID.test(id)) throw new ValidationError([{ field: 'id', message: 'must be a UUID' }]);
  return id.toLowerCase();
}

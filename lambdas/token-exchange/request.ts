import type { APIGatewayProxyEvent } from 'aws-lambda';
import { OAuthError } from '../shared/errors';
import { headerValue } from '../shared/http';

export const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
export const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';
export const JWT_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:jwt';

const MAX_BODY_BYTES = 16 * 1024;
const FORM_CONTENT_TYPE = 'application/x-www-form-urlencoded';
/** RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ). */
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

/** A token exchange request, validated. */
export interface ExchangeRequest {
  readonly subjectToken: string;
  readonly audience: string;
  /** The scopes asked for; `undefined` asks for all the app's scopes. */
  readonly scopes?: readonly string[];
}

/** Parses the form body of `POST /oauth2/token`; throws `invalid_request` or `invalid_scope`. */
export function parseExchangeRequest(event: APIGatewayProxyEvent): ExchangeRequest {
  const form = readForm(event);
  const param = (name: string): string | undefined => form.get(name) ?? undefined;
  const required = (name: string): string => {
    const value = param(name);
    if (!value) throw invalidRequest(`The ${name} parameter is required.`, name);
    return value;
  };

  if (required('grant_type') !== TOKEN_EXCHANGE_GRANT) {
    throw new OAuthError('unsupported_grant_type', `The grant_type must be ${TOKEN_EXCHANGE_GRANT}.`, { parameter: 'grant_type' });
  }
  const subjectToken = required('subject_token');
  if (required('subject_token_type') !== ACCESS_TOKEN_TYPE) {
    throw invalidRequest(`The subject_token_type must be ${ACCESS_TOKEN_TYPE}.`, 'subject_token_type');
  }
  if (param('actor_token') !== undefined) {
    throw invalidRequest('Delegation (actor_token) is not supported.', 'actor_token');
  }
  const requestedTokenType = param('requested_token_type');
  if (requestedTokenType !== undefined && requestedTokenType !== ACCESS_TOKEN_TYPE && requestedTokenType !== JWT_TOKEN_TYPE) {
    throw invalidRequest(`The requested_token_type must be ${ACCESS_TOKEN_TYPE} or ${JWT_TOKEN_TYPE}.`, 'requested_token_type');
  }
  if (param('resource') !== undefined) {
    // Resource indicators (RFC 8707) are not supported: the app is named by audience alone.
    throw new OAuthError('invalid_target', 'The resource parameter is not supported; name the app with audience.', { parameter: 'resource' });
  }
  const audience = required('audience');
  const scope = param('scope');
  return { subjectToken, audience, scopes: scope === undefined ? undefined : parseScope(scope) };
}

function readForm(event: APIGatewayProxyEvent): URLSearchParams {
  const contentType = headerValue(event.headers, 'content-type')?.split(';')[0].trim().toLowerCase();
  if (contentType !== FORM_CONTENT_TYPE) {
    throw invalidRequest(`The request body must be ${FORM_CONTENT_TYPE}.`, 'content-type');
  }
  if (!event.body) throw invalidRequest('The request body is empty.', 'body');
  const bytes = Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8');
  if (bytes.length > MAX_BODY_BYTES) {
    throw invalidRequest(`The request body exceeds ${MAX_BODY_BYTES} bytes.`, 'body');
  }
  const form = new URLSearchParams(bytes.toString('utf8'));
  const seen = new Set<string>();
  for (const name of form.keys()) {
    // RFC 6749 §3.2: parameters must not be included more than once.
    if (seen.has(name)) throw invalidRequest(`The ${name} parameter is repeated.`, name);
    seen.add(name);
  }
  return form;
}

function parseScope(scope: string): string[] {
  const scopes = [...new Set(scope.split(' ').filter((token) => token !== ''))];
  if (scopes.length === 0 || !scopes.every((token) => SCOPE_TOKEN.test(token))) {
    throw new OAuthError('invalid_scope', 'The scope parameter is malformed.', { parameter: 'scope' });
  }
  return scopes;
}

function invalidRequest(description: string, parameter: string): OAuthError {
  return new OAuthError('invalid_request', description, { parameter });
}

import type { APIGatewayProxyResult } from 'aws-lambda';
import { jsonResponse } from './http';

/** Extra facts about an error that help the caller fix the request, e.g. the offending parameter. */
export type ErrorDetails = Record<string, string | number | boolean | readonly string[]>;

/** An error the API reports to its caller: a status, a stable code, a message and details. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: ErrorDetails = {},
    cause?: unknown,
  ) {
    super(message, { cause }); // the cause is logged, never returned
    this.name = 'ApiError';
  }

  /** The house envelope. */
  toBody(): Record<string, unknown> {
    return { code: this.code, message: this.message, details: this.details };
  }

  /**
   * Headers beside the envelope, from the status and details: a 401 names the scheme to authenticate
   * with (RFC 9110 §11.6.1), a 405 the methods allowed (`details.allowed`, §15.5.6), a 429 when to retry
   * (`details.retryAfterSeconds`, RFC 6585 §4).
   */
  headers(): Record<string, string> {
    const { allowed, retryAfterSeconds } = this.details;
    if (this.status === 401) return { 'WWW-Authenticate': BEARER_CHALLENGE };
    if (this.status === 405 && Array.isArray(allowed)) return { Allow: allowed.join(', ') };
    if (this.status === 429 && typeof retryAfterSeconds === 'number') return { 'Retry-After': String(retryAfterSeconds) };
    return {};
  }
}

/** The challenge of every 401 (RFC 6750 §3); the gateway's own 401 sends the same. */
export const BEARER_CHALLENGE = 'Bearer realm="microplane"';

/** Statuses of the OAuth errors (RFC 6749 §5.2, RFC 8693 §2.2.2); a bad subject token is 401 by house rule. */
const OAUTH_ERROR_STATUS = {
  invalid_request: 400,
  invalid_target: 400,
  invalid_scope: 400,
  invalid_grant: 401,
  unsupported_grant_type: 400,
  server_error: 500,
} as const;

/** An OAuth error code the token endpoint returns. */
export type OAuthErrorCode = keyof typeof OAUTH_ERROR_STATUS;

/** An error of the token endpoint: carries the OAuth fields and the house envelope. */
export class OAuthError extends ApiError {
  constructor(code: OAuthErrorCode, description: string, details: ErrorDetails = {}, cause?: unknown) {
    super(OAUTH_ERROR_STATUS[code], code, description, details, cause);
    this.name = 'OAuthError';
  }

  override toBody(): Record<string, unknown> {
    return { error: this.code, error_description: this.message, ...super.toBody() };
  }

  // A refused subject token is a bad token (RFC 6750 §3.1), whichever endpoint refused it.
  override headers(): Record<string, string> {
    return this.code === 'invalid_grant' ? { 'WWW-Authenticate': `${BEARER_CHALLENGE}, error="invalid_token"` } : super.headers();
  }
}

/** 401 for a request without a usable identity. */
export function unauthorized(message = 'The request is not authenticated.'): ApiError {
  return new ApiError(401, 'unauthorized', message);
}

const INTERNAL_ERROR = new ApiError(500, 'internal_error', 'The server could not complete the request.');

/**
 * The one place errors become responses. An `ApiError` is reported as is; anything else is a bug or an
 * outage and becomes `fallback`, so internals never reach the caller.
 */
export function errorResponse(error: unknown, fallback: ApiError = INTERNAL_ERROR): APIGatewayProxyResult {
  const apiError = error instanceof ApiError ? error : fallback;
  return jsonResponse(apiError.status, apiError.toBody(), apiError.headers());
}

import type { APIGatewayProxyEvent } from 'aws-lambda';
import { headerValue } from './http';

/** `Bearer <token>`; the scheme is case-insensitive (RFC 9110 §11.1). */
const BEARER = /^bearer +([A-Za-z0-9_.~+/-]+=*)$/i;

/**
 * The caller's service token from the `Authorization` header, which API Gateway forwards to proxy
 * integrations after the authorizer accepted it; empty when there is none. Tenant functions exchange it
 * with STS for tenant credentials, so the tenant is proven by the token's signature, not by the event.
 */
export function bearerTokenOf(event: Pick<APIGatewayProxyEvent, 'headers'>): string {
  return BEARER.exec(headerValue(event.headers, 'Authorization') ?? '')?.[1] ?? '';
}

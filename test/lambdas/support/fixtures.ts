import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { nowSeconds, type Claims } from './tokens';

/** The environment the functions get from the CDK side, with test values. */
export const USER_POOL_ID = 'eu-west-1_TestPool1';
export const COGNITO_ISSUER = `https://cognito-idp.eu-west-1.amazonaws.com/${USER_POOL_ID}`;
export const SIGNING_KEY_ID = '1234abcd-12ab-34cd-56ef-1234567890ab';
export const SIGNING_KEY_ARN = `arn:aws:kms:eu-west-1:123456789012:key/${SIGNING_KEY_ID}`;
export const SERVICE_TOKEN_ISSUER = 'https://abcdef1234.execute-api.eu-west-1.amazonaws.com/live';
export const SERVICE_TOKEN_AUDIENCE = 'microplane-dev-api';
export const SERVICE_TOKEN_TTL_SECONDS = 600;
export const APP_REGISTRY_PREFIX = '/microplane/dev/apps/';
export const ROUTES = [
  { method: 'GET', path: '/v1/whoami', scope: 'whoami.read' },
  { method: 'GET', path: '/v1/notes', scope: 'notes.read' },
  { method: 'GET', path: '/v1/notes/{noteId}', scope: 'notes.read' },
  { method: 'POST', path: '/v1/notes', scope: 'notes.write' },
  { method: 'DELETE', path: '/v1/notes/{noteId}', scope: 'notes.write' },
];

export const PLATFORM_ENV = {
  AWS_REGION: 'eu-west-1',
  POWERTOOLS_LOG_LEVEL: 'INFO',
  USER_POOL_ID,
  SIGNING_KEY_ARN,
  SERVICE_TOKEN_ISSUER,
  SERVICE_TOKEN_AUDIENCE,
  SERVICE_TOKEN_TTL_SECONDS: String(SERVICE_TOKEN_TTL_SECONDS),
  APP_REGISTRY_PREFIX,
  ROUTE_SCOPES: JSON.stringify(ROUTES),
};

/** An app registry entry as the platform writes it to SSM. */
export interface AppRecordJson {
  tenantId: string;
  appId: string;
  clientId: string;
  scopes: string[];
  expires: string;
  enabled: boolean;
  usageKey: string;
  tier: string;
  /** What the LLM proxy reads of an app with the llm.complete scope. */
  llm?: {
    dataClassification: 'public' | 'internal' | 'confidential' | 'regulated';
    models?: string[];
    dailyTokenBudget: number;
    maxOutputTokens: number;
    freeFormPrompts: boolean;
  };
}

/** `YYYY-MM-DD`, `days` from today in UTC. */
export function isoDay(days: number): string {
  return new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
}

/** Acme's notes app, valid and enabled, unless overridden. */
export function appRecord(overrides: Partial<AppRecordJson> = {}): AppRecordJson {
  return {
    tenantId: 'acme',
    appId: 'acme-notes',
    clientId: 'client-acme-notes',
    scopes: ['whoami.read', 'notes.read', 'notes.write'],
    expires: isoDay(30),
    enabled: true,
    usageKey: 'usage-key-acme-notes',
    tier: 'standard',
    ...overrides,
  };
}

/** Claims of a Cognito access token of an acme user signed in to the acme notes app. */
export function cognitoAccessClaims(overrides: Claims = {}): Claims {
  const now = nowSeconds();
  return {
    sub: 'user-0001',
    iss: COGNITO_ISSUER,
    client_id: 'client-acme-notes',
    origin_jti: randomUUID(),
    event_id: randomUUID(),
    token_use: 'access',
    scope: 'openid microplane/whoami.read',
    auth_time: now - 30,
    iat: now - 30,
    exp: now + 3600,
    jti: randomUUID(),
    username: 'alice',
    tenant_id: 'acme',
    ...overrides,
  };
}

/** The session-tags claim STS reads from a web identity token: the tenant as the `TenantId` tag. */
export function sessionTagsClaim(tenantId: string): Claims {
  return { principal_tags: { TenantId: [tenantId] }, transitive_tag_keys: ['TenantId'] };
}

/** Claims of a service token for the acme notes app. */
export function serviceClaims(overrides: Claims = {}): Claims {
  const now = nowSeconds();
  return {
    iss: SERVICE_TOKEN_ISSUER,
    sub: 'user-0001',
    aud: SERVICE_TOKEN_AUDIENCE,
    tenant_id: 'acme',
    'https://aws.amazon.com/tags': sessionTagsClaim('acme'),
    app_id: 'acme-notes',
    scope: 'whoami.read notes.read',
    client_id: 'client-acme-notes',
    token_use: 'service',
    jti: randomUUID(),
    iat: now,
    nbf: now,
    exp: now + SERVICE_TOKEN_TTL_SECONDS,
    ...overrides,
  };
}

/** A `POST /oauth2/token` proxy event with a form body. */
export function tokenRequest(
  body: string | Record<string, string>,
  options: { contentType?: string; base64?: boolean } = {},
): APIGatewayProxyEvent {
  const form = typeof body === 'string' ? body : new URLSearchParams(body).toString();
  return {
    httpMethod: 'POST',
    path: '/oauth2/token',
    resource: '/oauth2/token',
    headers: { 'Content-Type': options.contentType ?? 'application/x-www-form-urlencoded' },
    body: options.base64 ? Buffer.from(form).toString('base64') : form,
    isBase64Encoded: options.base64 ?? false,
    requestContext: { requestId: 'request-0001' },
  } as unknown as APIGatewayProxyEvent;
}

/** The form of a valid token exchange for `subjectToken`; `overrides` change or add parameters. */
export function exchangeForm(subjectToken: string, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
    subject_token: subjectToken,
    subject_token_type: 'urn:ietf:params:oauth:token-type:access_token',
    audience: 'acme-notes',
    ...overrides,
  };
}

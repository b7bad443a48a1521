import { createHash } from 'node:crypto';
import { AssumeRoleWithWebIdentityCommand, STSClient, STSServiceException } from '@aws-sdk/client-sts';
import { requireEnv } from './env';
import { ApiError } from './errors';
import { isTenantId } from './ids';

/** Temporary AWS credentials in the shape every AWS SDK v3 client accepts as `credentials`. */
export interface TenantAwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  readonly expiration: Date;
}

/** Properties of {@link TenantCredentials}. */
export interface TenantCredentialsProps {
  /**
   * The tenant role ARN with a `{tenantId}` placeholder.
   * @default process.env.TENANT_ROLE_ARN_TEMPLATE
   */
  readonly roleArnTemplate?: string;
  /**
   * The STS client. AssumeRoleWithWebIdentity is not signed: the service token is the only credential.
   * @default a client for the function's region
   */
  readonly sts?: STSClient;
  /**
   * The clock, in milliseconds since the epoch.
   * @default Date.now
   */
  readonly now?: () => number;
  /**
   * How many sessions are kept; the oldest is dropped first.
   * @default 500
   */
  readonly maxCachedSessions?: number;
}

/** Session length: the shortest STS allows, so a leaked session is short-lived. */
const SESSION_SECONDS = 900;
/** Credentials are renewed this long before they expire, so a request never starts with stale ones. */
const RENEW_BEFORE_MS = 60_000;

/** STS errors that mean "this token may not act as this tenant": the caller's fault, never a 500. */
const REFUSALS = new Set([
  'AccessDenied',
  'ExpiredTokenException',
  'IDPRejectedClaimException',
  'InvalidIdentityTokenException',
  'JWTPayloadSizeExceededException',
]);

interface CacheEntry {
  readonly request: Promise<TenantAwsCredentials>;
  credentials?: TenantAwsCredentials;
}

/**
 * Credentials of one tenant's role, obtained by exchanging the caller's own service token with
 * `sts:AssumeRoleWithWebIdentity`. IAM, not this code, decides the tenant: the role trusts only the
 * platform's OIDC provider and only tokens whose `TenantId` session tag (from the token's signed
 * `https://aws.amazon.com/tags` claim) names that tenant. A function handed a forged tenant id, or
 * another tenant's id with a valid token, gets `AccessDenied` from STS.
 *
 * Sessions are cached per token (by its hash), never per tenant: a cached session of tenant A can only
 * be reached again by presenting the token that obtained it.
 */
export class TenantCredentials {
  private readonly roleArnTemplate: string;
  private readonly sts: STSClient;
  private readonly now: () => number;
  private readonly maxCachedSessions: number;
  private readonly cache = new Map<string, CacheEntry>();

  constructor(props: TenantCredentialsProps = {}) {
    this.roleArnTemplate = props.roleArnTemplate ?? requireEnv('TENANT_ROLE_ARN_TEMPLATE');
    if (!this.roleArnTemplate.includes('{tenantId}')) {
      throw new Error('The tenant role ARN template must contain {tenantId}');
    }
    this.sts = props.sts ?? new STSClient({});
    this.now = props.now ?? Date.now;
    this.maxCachedSessions = props.maxCachedSessions ?? 500;
  }

  /**
   * Credentials acting as `tenantId`, obtained with `serviceToken`. Rejects an invalid tenant id
   * without calling STS; an STS refusal becomes a 403 `ApiError`.
   */
  async forCaller(tenantId: string, serviceToken: string): Promise<TenantAwsCredentials> {
    if (!isTenantId(tenantId)) throw new Error('Invalid tenant id');
    if (serviceToken === '') throw forbidden();
    const key = cacheKey(tenantId, serviceToken);
    const entry = this.cache.get(key);
    // An entry without credentials is still in flight: share it.
    if (entry && (!entry.credentials || this.isFresh(entry.credentials))) return entry.request;
    return this.renew(key, tenantId, serviceToken);
  }

  private isFresh(credentials: TenantAwsCredentials): boolean {
    return credentials.expiration.getTime() - RENEW_BEFORE_MS > this.now();
  }

  private renew(key: string, tenantId: string, serviceToken: string): Promise<TenantAwsCredentials> {
    const entry: CacheEntry = { request: this.assumeRole(tenantId, serviceToken) };
    this.evictIfFull();
    this.cache.set(key, entry);
    entry.request.then(
      (credentials) => {
        entry.credentials = credentials;
      },
      () => {
        if (this.cache.get(key) === entry) this.cache.delete(key); // the next call retries
      },
    );
    return entry.request;
  }

  private evictIfFull(): void {
    while (this.cache.size >= this.maxCachedSessions) {
      const oldest = this.cache.keys().next().value as string;
      this.cache.delete(oldest);
    }
  }

  private async assumeRole(tenantId: string, serviceToken: string): Promise<TenantAwsCredentials> {
    let response;
    try {
      response = await this.sts.send(
        new AssumeRoleWithWebIdentityCommand({
          RoleArn: this.roleArnTemplate.replaceAll('{tenantId}', tenantId),
          RoleSessionName: `tenant-${tenantId}`,
          WebIdentityToken: serviceToken,
          DurationSeconds: SESSION_SECONDS,
        }),
      );
    } catch (error) {
      if (error instanceof STSServiceException && REFUSALS.has(error.name)) throw forbidden(error);
      throw error;
    }
    const { AccessKeyId, SecretAccessKey, SessionToken, Expiration } = response.Credentials ?? {};
    if (!AccessKeyId || !SecretAccessKey || !SessionToken || !Expiration) {
      throw new Error('STS returned incomplete credentials');
    }
    return { accessKeyId: AccessKeyId, secretAccessKey: SecretAccessKey, sessionToken: SessionToken, expiration: Expiration };
  }
}

function cacheKey(tenantId: string, serviceToken: string): string {
  return createHash('sha256').update(tenantId).update('\0').update(serviceToken).digest('base64url');
}

function forbidden(cause?: unknown): ApiError {
  return new ApiError(403, 'forbidden', 'The service token may not act for this tenant.', {}, cause);
}

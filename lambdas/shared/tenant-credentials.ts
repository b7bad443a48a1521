import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { requireEnv } from './env';
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
   * The STS client.
   * @default a client for the function's region
   */
  readonly sts?: STSClient;
  /**
   * The clock, in milliseconds since the epoch.
   * @default Date.now
   */
  readonly now?: () => number;
}

/** Session length: the shortest STS allows, so a leaked session is short-lived. */
const SESSION_SECONDS = 900;
/** Credentials are renewed this long before they expire, so a request never starts with stale ones. */
const RENEW_BEFORE_MS = 60_000;

interface CacheEntry {
  readonly request: Promise<TenantAwsCredentials>;
  credentials?: TenantAwsCredentials;
}

/**
 * Credentials of one tenant's role, assumed with the `TenantId` session tag that tenant resources
 * (keys, secrets, indexes) require. Cached per tenant until a minute before expiry; concurrent
 * callers for the same tenant share one STS request.
 */
export class TenantCredentials {
  private readonly roleArnTemplate: string;
  private readonly sts: STSClient;
  private readonly now: () => number;
  private readonly cache = new Map<string, CacheEntry>();

  constructor(props: TenantCredentialsProps = {}) {
    this.roleArnTemplate = props.roleArnTemplate ?? requireEnv('TENANT_ROLE_ARN_TEMPLATE');
    if (!this.roleArnTemplate.includes('{tenantId}')) {
      throw new Error('The tenant role ARN template must contain {tenantId}');
    }
    this.sts = props.sts ?? new STSClient({});
    this.now = props.now ?? Date.now;
  }

  /** Credentials acting as `tenantId`; rejects an invalid tenant id without calling STS. */
  async forTenant(tenantId: string): Promise<TenantAwsCredentials> {
    if (!isTenantId(tenantId)) throw new Error('Invalid tenant id');
    const entry = this.cache.get(tenantId);
    // An entry without credentials is still in flight: share it.
    if (entry && (!entry.credentials || this.isFresh(entry.credentials))) return entry.request;
    return this.renew(tenantId);
  }

  private isFresh(credentials: TenantAwsCredentials): boolean {
    return credentials.expiration.getTime() - RENEW_BEFORE_MS > this.now();
  }

  private renew(tenantId: string): Promise<TenantAwsCredentials> {
    const entry: CacheEntry = { request: this.assumeRole(tenantId) };
    this.cache.set(tenantId, entry);
    entry.request.then(
      (credentials) => {
        entry.credentials = credentials;
      },
      () => {
        if (this.cache.get(tenantId) === entry) this.cache.delete(tenantId); // the next call retries
      },
    );
    return entry.request;
  }

  private async assumeRole(tenantId: string): Promise<TenantAwsCredentials> {
    const { Credentials: credentials } = await this.sts.send(
      new AssumeRoleCommand({
        RoleArn: this.roleArnTemplate.replaceAll('{tenantId}', tenantId),
        RoleSessionName: `tenant-${tenantId}`,
        DurationSeconds: SESSION_SECONDS,
        Tags: [{ Key: 'TenantId', Value: tenantId }],
      }),
    );
    const { AccessKeyId, SecretAccessKey, SessionToken, Expiration } = credentials ?? {};
    if (!AccessKeyId || !SecretAccessKey || !SessionToken || !Expiration) {
      throw new Error('STS returned incomplete credentials');
    }
    return { accessKeyId: AccessKeyId, secretAccessKey: SecretAccessKey, sessionToken: SessionToken, expiration: Expiration };
  }
}

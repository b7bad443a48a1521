import { KMSClient } from '@aws-sdk/client-kms';
import type { Client } from '@opensearch-project/opensearch';
import type { TenantAwsCredentials, TenantCredentials } from '../tenant-credentials';
import type { DataKeyCache } from './data-key-cache';
import { DocumentStore } from './document-store';
import { collectionClient } from './opensearch-client';
import { loadVectorRegistryEntry, type VectorRegistryEntry } from './registry';
import { TenantKeyring } from './tenant-keyring';

/** Everything a request needs to work on one tenant's documents, all acting as that tenant. */
export interface TenantVectorContext {
  readonly entry: VectorRegistryEntry;
  /** The tenant's index, signed with the tenant's credentials. */
  readonly store: DocumentStore;
  /** The tenant's KMS key, with the tenant's credentials; it calls KMS only when used. */
  readonly keyring: TenantKeyring;
}

/** Resolves the tenant context of a caller from its tenant id and service token. */
export type TenantVectorContexts = (tenantId: string, serviceToken: string) => Promise<TenantVectorContext>;

/** Where the functions find tenants' vector stores and how they act as a tenant. */
export interface TenantVectorContextsProps {
  /** SSM prefix of the vector registry; the tenant id follows it. */
  readonly parameterPrefix: string;
  /** The tenant-scoped credentials (STS with the caller's own service token). */
  readonly credentials: TenantCredentials;
  /** The region of the collections and keys. */
  readonly region: string;
  /** The container's cache of encryption data keys. */
  readonly dataKeys: DataKeyCache;
}

interface Clients {
  readonly endpoint: string;
  readonly search: Client;
  readonly kms: KMSClient;
}

/**
 * The production {@link TenantVectorContexts}: the registry entry from SSM (the index never comes from
 * the request), the tenant's role assumed with the caller's own token, and an OpenSearch and a KMS client
 * signed with those credentials. Clients are kept per session (so per token) until the credentials are
 * renewed, as the notes function keeps its database clients.
 */
export function tenantVectorContexts(props: TenantVectorContextsProps): TenantVectorContexts {
  const clients = new WeakMap<TenantAwsCredentials, Clients>();
  const clientsFor = (credentials: TenantAwsCredentials, endpoint: string): Clients => {
    const cached = clients.get(credentials);
    // TenantCredentials returns the same object until it renews, so identity means "not expired".
    if (cached && cached.endpoint === endpoint) return cached;
    const created = {
      endpoint,
      search: collectionClient({ endpoint, region: props.region, getCredentials: async () => credentials }),
      kms: new KMSClient({ region: props.region, credentials }),
    };
    clients.set(credentials, created);
    return created;
  };
  return async (tenantId, serviceToken) => {
    const [entry, credentials] = await Promise.all([
      loadVectorRegistryEntry(props.parameterPrefix, tenantId),
      props.credentials.forCaller(tenantId, serviceToken),
    ]);
    const { search, kms } = clientsFor(credentials, entry.endpoint);
    return {
      entry,
      store: new DocumentStore(search, entry.index, tenantId),
      keyring: new TenantKeyring({ kms, keyArn: entry.keyArn, tenantId, cache: props.dataKeys }),
    };
  };
}

import { SSMClient } from '@aws-sdk/client-ssm';
import type { Client } from '@opensearch-project/opensearch';
import { requireEnv } from '../shared/env';
import { DocumentStore } from '../shared/vectors/document-store';
import { collectionClient } from '../shared/vectors/opensearch-client';
import { listVectorRegistry } from '../shared/vectors/registry';
import type { SweeperDeps } from './handler';

/**
 * The production dependencies: the registry under `VECTOR_REGISTRY_PARAMETER_PREFIX`, and one
 * OpenSearch client per collection signed with the sweeper's own role from the default credential chain
 * (the SDK client's resolved provider, which refreshes the Lambda role's credentials).
 */
export function productionDeps(env: NodeJS.ProcessEnv = process.env): SweeperDeps {
  const prefix = requireEnv('VECTOR_REGISTRY_PARAMETER_PREFIX', env);
  const region = requireEnv('AWS_REGION', env);
  const ssm = new SSMClient({ region });
  const clients = new Map<string, Client>();
  const clientFor = (endpoint: string): Client => {
    let client = clients.get(endpoint);
    if (!client) {
      client = collectionClient({ endpoint, region, getCredentials: () => ssm.config.credentials() });
      clients.set(endpoint, client);
    }
    return client;
  };
  return {
    registry: () => listVectorRegistry(ssm, prefix),
    storeFor: (entry) => new DocumentStore(clientFor(entry.endpoint), entry.index, entry.tenantId),
  };
}

import { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import { TenantCredentials } from '../tenant-credentials';
import { DataKeyCache } from './data-key-cache';
import { BedrockTitanEmbedder, type Embedder } from './embedding';
import type { PipelineSettings } from './settings';
import { tenantVectorContexts, type TenantVectorContexts } from './tenant-context';

/** What the documents API and the ingest worker both need: each tenant's index and key, and the embedder. */
export interface PipelineClients {
  readonly tenantContext: TenantVectorContexts;
  readonly embedder: Embedder;
}

/**
 * The production clients of the pipeline. OpenSearch and KMS are reached with the tenant's credentials
 * (exchanged for the caller's service token); Bedrock with the function's own role.
 */
export function pipelineClients(pipeline: PipelineSettings, countTokens?: (inputTokens: number) => void): PipelineClients {
  return {
    tenantContext: tenantVectorContexts({
      parameterPrefix: pipeline.registryPrefix,
      credentials: new TenantCredentials({ roleArnTemplate: pipeline.roleArnTemplate }),
      region: pipeline.region,
      dataKeys: new DataKeyCache(),
    }),
    embedder: new BedrockTitanEmbedder({
      client: new BedrockRuntimeClient({ region: pipeline.region }),
      modelId: pipeline.embeddingModelId,
      dimensions: pipeline.embeddingDimensions,
      countTokens,
    }),
  };
}

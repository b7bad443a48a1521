import { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import { TenantCredentials } from '../shared/tenant-credentials';
import { DataKeyCache } from '../shared/vectors/data-key-cache';
import { BedrockTitanEmbedder } from '../shared/vectors/embedding';
import { pipelineSettings } from '../shared/vectors/settings';
import { tenantVectorContexts } from '../shared/vectors/tenant-context';
import type { WorkerDeps } from './handler';

/** The production dependencies, from the function's environment; a missing variable fails the cold start. */
export function productionDeps(env: NodeJS.ProcessEnv = process.env, countTokens?: (inputTokens: number) => void): WorkerDeps {
  const pipeline = pipelineSettings(env);
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
    chunking: pipeline.chunking,
  };
}

import { pipelineClients } from '../shared/vectors/pipeline';
import { pipelineSettings } from '../shared/vectors/settings';
import type { WorkerDeps } from './handler';

/** The production dependencies, from the function's environment; a missing variable fails the cold start. */
export function productionDeps(env: NodeJS.ProcessEnv = process.env, countTokens?: (inputTokens: number) => void): WorkerDeps {
  const pipeline = pipelineSettings(env);
  return {
    ...pipelineClients(pipeline, countTokens),
    chunking: pipeline.chunking,
  };
}

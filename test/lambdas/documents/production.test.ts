import { productionDeps as documentsDeps } from '../../../lambdas/documents/production';
import { productionDeps as sweeperDeps } from '../../../lambdas/documents-sweeper/production';
import { productionDeps as workerDeps } from '../../../lambdas/documents-worker/production';
import { DOCUMENTS_ENV } from './support/aws-fakes';

// The functions' environment, as the CDK side sets it, read at cold start: a missing or malformed
// variable fails the cold start, never a request.

const env = (overrides: Record<string, string | undefined> = {}): NodeJS.ProcessEnv => ({ ...DOCUMENTS_ENV, ...overrides });

test('the documents function reads its limits from the environment, with TTL and message-size defaults', () => {
  expect(documentsDeps(env()).settings).toEqual({
    syncIngestMaxBytes: 4000,
    maxMessageBytes: 262_144,
    chunking: { size: 400, overlap: 60 },
    defaultTtlDays: 90,
    maxTtlDays: 365,
  });
  expect(
    documentsDeps(env({ DOCUMENT_DEFAULT_TTL_DAYS: '30', DOCUMENT_MAX_TTL_DAYS: '60', INGEST_QUEUE_MAX_MESSAGE_BYTES: '1048576' })).settings,
  ).toMatchObject({ defaultTtlDays: 30, maxTtlDays: 60, maxMessageBytes: 1_048_576 });
});

test.each([
  ['VECTOR_REGISTRY_PARAMETER_PREFIX', undefined, 'VECTOR_REGISTRY_PARAMETER_PREFIX is required'],
  ['TENANT_ROLE_ARN_TEMPLATE', undefined, 'TENANT_ROLE_ARN_TEMPLATE is required'],
  ['EMBEDDING_MODEL_ID', undefined, 'EMBEDDING_MODEL_ID is required'],
  ['EMBEDDING_DIMENSIONS', 'many', 'EMBEDDING_DIMENSIONS must be'],
  ['INGEST_QUEUE_URL', undefined, 'INGEST_QUEUE_URL is required'],
  ['SYNC_INGEST_MAX_BYTES', '0', 'SYNC_INGEST_MAX_BYTES must be'],
  ['CHUNK_CHARACTERS', '10', 'chunk size'],
  ['CHUNK_OVERLAP_CHARACTERS', '300', 'overlap'],
  ['DOCUMENT_DEFAULT_TTL_DAYS', '400', 'must not exceed'],
  ['INGEST_QUEUE_MAX_MESSAGE_BYTES', '2000000', 'at most 1048576'],
])('the documents function refuses to start when %s is %s', (name, value, message) => {
  expect(() => documentsDeps(env({ [name]: value }))).toThrow(message);
});

test('the worker needs the shared pipeline variables, not the queue URL', () => {
  expect(workerDeps(env({ INGEST_QUEUE_URL: undefined, SYNC_INGEST_MAX_BYTES: undefined })).chunking).toEqual({ size: 400, overlap: 60 });
  expect(() => workerDeps(env({ EMBEDDING_MODEL_ID: undefined }))).toThrow('EMBEDDING_MODEL_ID is required');
});

test('the sweeper needs only the registry prefix (and the region Lambda sets)', () => {
  expect(() => sweeperDeps({ AWS_REGION: 'eu-west-1', VECTOR_REGISTRY_PARAMETER_PREFIX: '/microplane/dev/vectors/' })).not.toThrow();
  expect(() => sweeperDeps({ AWS_REGION: 'eu-west-1' })).toThrow('VECTOR_REGISTRY_PARAMETER_PREFIX is required');
});

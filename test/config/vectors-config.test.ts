import { loadConfig } from '../../lib/config';
import { NOW, copyExampleConfig, editYaml, problem, problemsLoading, removeConfigCopies } from './config-fixture';

const DEV = 'environments/dev.yaml';

afterAll(removeConfigCopies);

/** The problems of the dev example with `vectors.<field>` set to `value`. */
function problemsWith(field: string, value: unknown) {
  const config = copyExampleConfig();
  editYaml(config, DEV, (doc) => doc.setIn(['vectors', field], value));
  return { config, problems: problemsLoading(config) };
}

describe('vectors settings', () => {
  test('the example environments load with vectors on, standby replicas only in prod', () => {
    const dev = loadConfig({ configDir: copyExampleConfig(), environment: 'dev', now: NOW }).environment.vectors;
    const prod = loadConfig({ configDir: copyExampleConfig(), environment: 'prod', now: NOW }).environment.vectors;
    expect(dev).toMatchObject({ enabled: true, dimensions: 1024, engine: 'faiss', spaceType: 'l2', standbyReplicas: 'disabled' });
    expect(prod).toMatchObject({ enabled: true, standbyReplicas: 'enabled' });
  });

  test('an environment without a vectors section gets the defaults', () => {
    const config = copyExampleConfig();
    editYaml(config, DEV, (doc) => doc.delete('vectors'));
    const vectors = loadConfig({ configDir: config, environment: 'dev', now: NOW }).environment.vectors;
    expect(vectors).toEqual({
      enabled: true,
      embeddingModelId: 'amazon.titan-embed-text-v2:0',
      dimensions: 1024,
      engine: 'faiss',
      spaceType: 'l2',
      defaultTtlDays: 90,
      maxTtlDays: 365,
      syncIngestMaxBytes: 65_536,
      chunkCharacters: 2000,
      chunkOverlapCharacters: 200,
      standbyReplicas: 'enabled',
    });
  });

  test.each([
    ['an unknown embedding model', 'embeddingModelId', 'amazon.titan-embed-text-v1', 'vectors.embeddingModelId', 'unknown value "amazon.titan-embed-text-v1" (allowed: amazon.titan-embed-text-v2:0)'],
    ['an engine OpenSearch Serverless lacks', 'engine', 'lucene', 'vectors.engine', 'unknown value "lucene" (allowed: faiss, nmslib)'],
    ['an unknown space type', 'spaceType', 'hamming', 'vectors.spaceType', 'unknown value "hamming" (allowed: l2, innerproduct, cosinesimil)'],
    ['a standby setting that is not enabled or disabled', 'standbyReplicas', 'yes', 'vectors.standbyReplicas', 'unknown value "yes" (allowed: enabled, disabled)'],
    ['a dimension that is not a whole number', 'dimensions', 1024.5, 'vectors.dimensions', 'must be a whole number'],
    ['a default TTL of zero days', 'defaultTtlDays', 0, 'vectors.defaultTtlDays', 'must be at least 1'],
    ['a maximum TTL over ten years', 'maxTtlDays', 3651, 'vectors.maxTtlDays', 'must be at most 3650'],
    ['a sync ingest limit below 1 KiB', 'syncIngestMaxBytes', 100, 'vectors.syncIngestMaxBytes', 'must be at least 1024'],
    ['a sync ingest limit above what a request can carry', 'syncIngestMaxBytes', 6_000_000, 'vectors.syncIngestMaxBytes', 'must be at most 1000000'],
    ['chunks of fewer than 200 characters', 'chunkCharacters', 50, 'vectors.chunkCharacters', 'must be at least 200'],
    ['chunks of more than 20,000 characters', 'chunkCharacters', 20_001, 'vectors.chunkCharacters', 'must be at most 20000'],
    ['a negative overlap', 'chunkOverlapCharacters', -1, 'vectors.chunkOverlapCharacters', 'must be at least 0'],
    ['enabled as text', 'enabled', 'yes please', 'vectors.enabled', 'must be true or false'],
  ])('%s is refused, naming the file and field', (_, field, value, fieldPath, message) => {
    const { config, problems } = problemsWith(field, value);
    expect(problems).toEqual([problem(config, DEV, fieldPath, message)]);
  });

  test('an unknown field lists the vectors fields', () => {
    const { config, problems } = problemsWith('shards', 2);
    expect(problems).toEqual([
      problem(
        config,
        DEV,
        'vectors.shards',
        'unknown field "shards" (allowed: enabled, embeddingModelId, dimensions, engine, spaceType, defaultTtlDays, maxTtlDays, syncIngestMaxBytes, chunkCharacters, chunkOverlapCharacters, standbyReplicas)',
      ),
    ]);
  });

  test('a dimension the model does not return is refused, listing those it does', () => {
    const { config, problems } = problemsWith('dimensions', 1536);
    expect(problems).toEqual([
      problem(config, DEV, 'vectors.dimensions', 'amazon.titan-embed-text-v2:0 returns no vectors of 1536 dimensions (allowed: 256, 512, 1024)'),
    ]);
  });

  test('cosine distance with faiss is refused, listing the spaces faiss has', () => {
    const { config, problems } = problemsWith('spaceType', 'cosinesimil');
    expect(problems).toEqual([problem(config, DEV, 'vectors.spaceType', 'engine faiss has no cosinesimil space in OpenSearch Serverless (allowed: l2, innerproduct)')]);
  });

  test('cosine distance with nmslib is accepted', () => {
    const config = copyExampleConfig();
    editYaml(config, DEV, (doc) => {
      doc.setIn(['vectors', 'engine'], 'nmslib');
      doc.setIn(['vectors', 'spaceType'], 'cosinesimil');
    });
    expect(loadConfig({ configDir: config, environment: 'dev', now: NOW }).environment.vectors).toMatchObject({ engine: 'nmslib', spaceType: 'cosinesimil' });
  });

  test('a maximum TTL below the default TTL is refused', () => {
    const { config, problems } = problemsWith('maxTtlDays', 3);
    expect(problems).toEqual([problem(config, DEV, 'vectors.maxTtlDays', 'must be at least defaultTtlDays (7)')]);
  });

  test('an overlap of half a chunk or more is refused', () => {
    const { config, problems } = problemsWith('chunkOverlapCharacters', 1000);
    expect(problems).toEqual([problem(config, DEV, 'vectors.chunkOverlapCharacters', 'must be less than half of chunkCharacters (2000)')]);
  });

  test('reserved concurrency may name the documents functions', () => {
    const config = copyExampleConfig();
    editYaml(config, DEV, (doc) => doc.setIn(['functions'], { reservedConcurrency: { documents: 5, 'documents-worker': 2, 'documents-sweeper': 1 } }));
    const functions = loadConfig({ configDir: config, environment: 'dev', now: NOW }).environment.functions;
    expect(functions.reservedConcurrency).toEqual({ documents: 5, 'documents-worker': 2, 'documents-sweeper': 1 });
  });
});

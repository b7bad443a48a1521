import { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import { KMSClient } from '@aws-sdk/client-kms';
import { SQSClient } from '@aws-sdk/client-sqs';
import { SSMClient } from '@aws-sdk/client-ssm';
import { STSClient } from '@aws-sdk/client-sts';
import { clearCaches } from '@aws-lambda-powertools/parameters';
import { mockClient } from 'aws-sdk-client-mock';
import { captureLogs } from '../../support/aws';
import { DOCUMENTS_ENV, fakeBedrock, fakeKms, fakeRegistry, fakeSqs, fakeSts, registryEntry, TENANTS } from './aws-fakes';
import { FakeOpenSearch } from './fake-opensearch';

/**
 * Everything a documents test runs against: AWS faked at the SDK boundary (SSM registry, STS, KMS,
 * Bedrock, SQS) and OpenSearch as a local HTTP server, reset before each test.
 */
export class Harness {
  readonly ssm = mockClient(SSMClient);
  readonly sts = mockClient(STSClient);
  readonly kms = mockClient(KMSClient);
  readonly bedrock = mockClient(BedrockRuntimeClient);
  readonly sqs = mockClient(SQSClient);
  readonly opensearch = new FakeOpenSearch();
  endpoint = '';
  logs!: ReturnType<typeof captureLogs>;

  /** Registers the jest hooks of a test file. */
  static install(): Harness {
    const harness = new Harness();
    beforeAll(async () => {
      Object.assign(process.env, DOCUMENTS_ENV);
      harness.endpoint = await harness.opensearch.start();
    });
    afterAll(() => harness.opensearch.stop());
    beforeEach(() => harness.reset());
    afterEach(() => jest.restoreAllMocks());
    return harness;
  }

  /** Every tenant registered with its own index on the fake collection, every fake answering. */
  reset(): void {
    for (const stub of [this.ssm, this.sts, this.kms, this.bedrock, this.sqs]) stub.reset();
    clearCaches();
    this.opensearch.reset();
    for (const tenant of TENANTS) this.opensearch.createIndex(`tenant-${tenant}`);
    this.register(Object.fromEntries(TENANTS.map((tenant) => [tenant, registryEntry(tenant, this.endpoint)])));
    fakeSts(this.sts);
    fakeKms(this.kms);
    fakeBedrock(this.bedrock);
    fakeSqs(this.sqs);
    this.logs = captureLogs();
  }

  /** Replaces the registry. */
  register(entries: Record<string, unknown>): void {
    this.ssm.reset();
    clearCaches();
    fakeRegistry(this.ssm, entries);
  }
}

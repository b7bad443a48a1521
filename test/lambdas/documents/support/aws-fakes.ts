import { createHash, randomBytes } from 'node:crypto';
import { BedrockRuntimeClient, InvokeModelCommand } from '@aws-sdk/client-bedrock-runtime';
import { DecryptCommand, GenerateDataKeyCommand, KMSClient, KMSServiceException } from '@aws-sdk/client-kms';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { GetParameterCommand, GetParametersByPathCommand, ParameterNotFound, SSMClient } from '@aws-sdk/client-ssm';
import { AssumeRoleWithWebIdentityCommand, STSClient, STSServiceException } from '@aws-sdk/client-sts';
import type { AwsClientStub } from 'aws-sdk-client-mock';

/** The environment the CDK side gives the documents functions, with test values. */
export const DOCUMENTS_ENV = {
  AWS_REGION: 'eu-west-1',
  POWERTOOLS_LOG_LEVEL: 'INFO',
  VECTOR_REGISTRY_PARAMETER_PREFIX: '/microplane/dev/vectors/',
  TENANT_ROLE_ARN_TEMPLATE: 'arn:aws:iam::123456789012:role/microplane-dev-tenant-{tenantId}',
  EMBEDDING_MODEL_ID: 'amazon.titan-embed-text-v2:0',
  EMBEDDING_DIMENSIONS: '16',
  INGEST_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/microplane-dev-documents-ingest',
  SYNC_INGEST_MAX_BYTES: '4000',
  CHUNK_CHARACTERS: '400',
  CHUNK_OVERLAP_CHARACTERS: '60',
  // The sweeper's own role, from the default credential chain.
  AWS_ACCESS_KEY_ID: 'AKIASWEEPERROLE00001',
  AWS_SECRET_ACCESS_KEY: 'sweeper-secret',
};

export const PREFIX = DOCUMENTS_ENV.VECTOR_REGISTRY_PARAMETER_PREFIX;
export const TENANTS = ['acme', 'globex'] as const;
export type TestTenant = (typeof TENANTS)[number];

/** Each tenant's service token: STS accepts a token only for its own tenant's role. */
export const TOKENS: Record<TestTenant, string> = {
  acme: 'eyJhbGciOiJFUzI1NiJ9.eyJ0ZW5hbnRfaWQiOiJhY21lIn0.YWNtZQ',
  globex: 'eyJhbGciOiJFUzI1NiJ9.eyJ0ZW5hbnRfaWQiOiJnbG9iZXgifQ.Z2xvYmV4',
};

/** The access key id STS hands out for a tenant's session. */
export const accessKeyOf = (tenantId: string): string => `ASIA${tenantId.toUpperCase().padEnd(16, '0')}`;
export const keyArnOf = (tenantId: string): string =>
  `arn:aws:kms:eu-west-1:123456789012:key/${createHash('sha256').update(tenantId).digest('hex').slice(0, 8)}-1111-2222-3333-444444444444`;

/** The registry entry a tenant stack publishes. */
export function registryEntry(tenantId: string, endpoint: string, overrides: Record<string, string> = {}): Record<string, string> {
  return { endpoint, index: `tenant-${tenantId}`, keyArn: keyArnOf(tenantId), ...overrides };
}

/** SSM holding the given registry entries (GetParameter for the API, GetParametersByPath for the sweeper). */
export function fakeRegistry(ssm: AwsClientStub<SSMClient>, entries: Record<string, unknown>, pageSize = 1): void {
  ssm.on(GetParameterCommand).rejects(new ParameterNotFound({ message: 'ParameterNotFound', $metadata: {} }));
  const parameters = Object.entries(entries).map(([tenantId, entry]) => ({ Name: `${PREFIX}${tenantId}`, Type: 'String' as const, Value: JSON.stringify(entry) }));
  for (const parameter of parameters) ssm.on(GetParameterCommand, { Name: parameter.Name }).resolves({ Parameter: parameter });
  ssm.on(GetParametersByPathCommand).callsFake((input: { NextToken?: string }) => {
    const start = Number(input.NextToken ?? '0');
    const next = start + pageSize;
    return { Parameters: parameters.slice(start, next), ...(next < parameters.length ? { NextToken: String(next) } : {}) };
  });
}

/** STS as the tenant roles' trust policies make it: a token acts only for its own tenant. */
export function fakeSts(sts: AwsClientStub<STSClient>): void {
  sts.on(AssumeRoleWithWebIdentityCommand).callsFake((input: { RoleArn: string; WebIdentityToken: string }) => {
    const tenant = TENANTS.find((candidate) => TOKENS[candidate] === input.WebIdentityToken);
    if (!tenant || !input.RoleArn.endsWith(`-tenant-${tenant}`)) {
      throw new STSServiceException({ name: 'AccessDenied', $fault: 'client', $metadata: {}, message: 'Not authorized' });
    }
    return {
      Credentials: {
        AccessKeyId: accessKeyOf(tenant),
        SecretAccessKey: `secret-${tenant}`,
        SessionToken: `session-${tenant}`,
        Expiration: new Date(Date.now() + 900_000),
      },
    };
  });
}

/**
 * KMS with one key per tenant: a data key's ciphertext records the key and the encryption context, and
 * Decrypt refuses another key or context, as KMS does.
 */
export function fakeKms(kms: AwsClientStub<KMSClient>): void {
  kms.on(GenerateDataKeyCommand).callsFake((input: { KeyId: string; EncryptionContext?: Record<string, string> }) => {
    const plaintext = randomBytes(32);
    const blob = JSON.stringify({ key: input.KeyId, context: input.EncryptionContext ?? {}, plaintext: plaintext.toString('base64') });
    return { KeyId: input.KeyId, Plaintext: plaintext, CiphertextBlob: Buffer.from(blob) };
  });
  kms.on(DecryptCommand).callsFake((input: { KeyId?: string; CiphertextBlob: Uint8Array; EncryptionContext?: Record<string, string> }) => {
    const wrapped = JSON.parse(Buffer.from(input.CiphertextBlob).toString('utf8')) as { key: string; context: Record<string, string>; plaintext: string };
    if (wrapped.key !== input.KeyId || JSON.stringify(wrapped.context) !== JSON.stringify(input.EncryptionContext ?? {})) {
      throw new KMSServiceException({ name: 'InvalidCiphertextException', $fault: 'client', $metadata: {}, message: 'Invalid ciphertext' });
    }
    return { KeyId: wrapped.key, Plaintext: Buffer.from(wrapped.plaintext, 'base64') };
  });
}

/**
 * Titan Text Embeddings V2: a deterministic unit vector from the words of `inputText` (hashed into the
 * dimensions), so texts sharing words are near each other.
 */
export function fakeBedrock(bedrock: AwsClientStub<BedrockRuntimeClient>): void {
  bedrock.on(InvokeModelCommand).callsFake((input: { body: string }) => {
    const { inputText, dimensions } = JSON.parse(input.body) as { inputText: string; dimensions: number };
    return { body: new TextEncoder().encode(JSON.stringify({ embedding: embeddingOf(inputText, dimensions), inputTextTokenCount: (inputText.match(/\S+/g) ?? []).length })) };
  });
}

export function embeddingOf(text: string, dimensions: number): number[] {
  const vector = new Array<number>(dimensions).fill(0);
  for (const word of text.toLowerCase().match(/[a-z]+/g) ?? []) {
    vector[createHash('sha256').update(word).digest()[0] % dimensions] += 1;
  }
  const norm = Math.hypot(...vector) || 1;
  return vector.map((value) => value / norm);
}

export function fakeSqs(sqs: AwsClientStub<SQSClient>): void {
  sqs.on(SendMessageCommand).resolves({ MessageId: 'message-0001' });
}

/** The bodies Bedrock was asked to embed. */
export function embeddedTexts(bedrock: AwsClientStub<BedrockRuntimeClient>): Array<{ modelId?: string; body: Record<string, unknown> }> {
  return bedrock.commandCalls(InvokeModelCommand).map((call) => ({
    modelId: call.args[0].input.modelId,
    body: JSON.parse(String(call.args[0].input.body)) as Record<string, unknown>,
  }));
}

import { sign } from 'node:crypto';
import { GetPublicKeyCommand, KMSClient, SignCommand } from '@aws-sdk/client-kms';
import { GetParameterCommand, ParameterNotFound, SSMClient } from '@aws-sdk/client-ssm';
import type { AwsClientStub } from 'aws-sdk-client-mock';
import { APP_REGISTRY_PREFIX, SIGNING_KEY_ARN, type AppRecordJson } from './fixtures';
import type { TestKey } from './tokens';

type KmsStub = AwsClientStub<KMSClient>;
type SsmStub = AwsClientStub<SSMClient>;

/**
 * KMS backed by a local P-256 key: GetPublicKey returns its DER SPKI and Sign returns a DER signature
 * (node:crypto's default), as the real service does.
 */
export function fakeKms(kms: KmsStub, key: TestKey): void {
  kms.on(GetPublicKeyCommand).resolves(publicKeyResponse(key));
  kms.on(SignCommand).callsFake((input: { Message: Uint8Array }) => ({
    KeyId: SIGNING_KEY_ARN,
    Signature: sign('sha256', input.Message, key.privateKey),
    SigningAlgorithm: 'ECDSA_SHA_256',
  }));
}

/** What KMS GetPublicKey answers for the P-256 signing key `key`. */
export function publicKeyResponse(key: TestKey) {
  return {
    KeyId: SIGNING_KEY_ARN,
    PublicKey: key.publicKey.export({ format: 'der', type: 'spki' }),
    KeySpec: 'ECC_NIST_P256' as const,
    KeyUsage: 'SIGN_VERIFY' as const,
    SigningAlgorithms: ['ECDSA_SHA_256' as const],
  };
}

/** The SSM app registry holding exactly `apps`. */
export function fakeRegistry(ssm: SsmStub, apps: readonly AppRecordJson[]): void {
  ssm.on(GetParameterCommand).rejects(new ParameterNotFound({ message: 'ParameterNotFound', $metadata: {} }));
  for (const app of apps) {
    ssm
      .on(GetParameterCommand, { Name: `${APP_REGISTRY_PREFIX}${app.appId}` })
      .resolves({ Parameter: { Name: `${APP_REGISTRY_PREFIX}${app.appId}`, Type: 'String', Value: JSON.stringify(app) } });
  }
}

/** Captures what the Powertools loggers write, and keeps it off the test output. */
export function captureLogs(): { text: () => string; lines: () => Record<string, unknown>[] } {
  const spies = [process.stdout, process.stderr].map((stream) => jest.spyOn(stream, 'write').mockImplementation(() => true));
  const text = (): string => spies.flatMap((spy) => spy.mock.calls.map(([chunk]) => String(chunk))).join('');
  return {
    text,
    lines: () =>
      text()
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

import { createPublicKey } from 'node:crypto';
import { GetPublicKeyCommand, type KMSClient } from '@aws-sdk/client-kms';
import type { JwkWithKid } from 'aws-jwt-verify/jwk';

/** The JWS algorithm of service tokens, matching the KMS key spec ECC_NIST_P256. */
export const SERVICE_TOKEN_ALG = 'ES256';

const KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/([A-Za-z0-9-]+)$/;

/** The `kid` of the signing key: the key id, i.e. the last path segment of its ARN. */
export function keyIdOf(keyArn: string): string {
  const match = KEY_ARN.exec(keyArn);
  if (!match) throw new Error(`Not a KMS key ARN: ${keyArn}`);
  return match[1];
}

/** The public JWK of the KMS signing key, read with GetPublicKey (DER SPKI) and converted by node:crypto. */
export async function fetchSigningJwk(kms: KMSClient, keyArn: string): Promise<JwkWithKid> {
  const key = await kms.send(new GetPublicKeyCommand({ KeyId: keyArn }));
  if (!key.PublicKey || key.KeySpec !== 'ECC_NIST_P256' || key.KeyUsage !== 'SIGN_VERIFY') {
    throw new Error(`KMS key ${keyArn} is not an ECC_NIST_P256 signing key`);
  }
  const jwk = createPublicKey({ key: Buffer.from(key.PublicKey), format: 'der', type: 'spki' }).export({ format: 'jwk' });
  return { kty: 'EC', crv: jwk.crv!, x: jwk.x!, y: jwk.y!, kid: keyIdOf(keyArn), alg: SERVICE_TOKEN_ALG, use: 'sig' };
}

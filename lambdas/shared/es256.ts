import { SignCommand, type KMSClient } from '@aws-sdk/client-kms';
import { keyIdOf, SERVICE_TOKEN_ALG } from './signing-key';

/** Bytes of each of R and S for P-256. */
const P256_SCALAR_BYTES = 32;

/**
 * Converts an ECDSA signature from DER (`SEQUENCE { INTEGER r, INTEGER s }`, what KMS returns) to the
 * fixed-size R||S form JWS requires (RFC 7518 §3.4).
 */
export function derToJose(der: Uint8Array, scalarBytes = P256_SCALAR_BYTES): Buffer {
  const reader = new DerReader(der);
  reader.expectTag(0x30);
  const sequenceEnd = reader.readLength() + reader.offset;
  const r = reader.readInteger();
  const s = reader.readInteger();
  if (reader.offset !== sequenceEnd || sequenceEnd !== der.length) throw new Error('Malformed DER signature');
  return Buffer.concat([toFixed(r, scalarBytes), toFixed(s, scalarBytes)]);
}

function toFixed(integer: Buffer, size: number): Buffer {
  let start = 0;
  while (start < integer.length - 1 && integer[start] === 0) start += 1; // DER adds a 0x00 to keep it positive
  const bytes = integer.subarray(start);
  if (bytes.length > size) throw new Error('Malformed DER signature');
  return Buffer.concat([Buffer.alloc(size - bytes.length), bytes]);
}

class DerReader {
  offset = 0;
  constructor(private readonly bytes: Uint8Array) {}

  expectTag(tag: number): void {
    if (this.bytes[this.offset] !== tag) throw new Error('Malformed DER signature');
    this.offset += 1;
  }

  readLength(): number {
    const first = this.next();
    if (first < 0x80) return first;
    if (first !== 0x81) throw new Error('Malformed DER signature'); // P-256 signatures are under 256 bytes
    return this.next();
  }

  readInteger(): Buffer {
    this.expectTag(0x02);
    const length = this.readLength();
    if (length === 0 || this.offset + length > this.bytes.length) throw new Error('Malformed DER signature');
    const value = Buffer.from(this.bytes.subarray(this.offset, this.offset + length));
    this.offset += length;
    return value;
  }

  private next(): number {
    if (this.offset >= this.bytes.length) throw new Error('Malformed DER signature');
    return this.bytes[this.offset++];
  }
}

const base64url = (value: string | Buffer): string => Buffer.from(value).toString('base64url');

/** Signs `claims` as an ES256 JWS with the KMS key; the private key never leaves KMS. */
export async function signJwtWithKms(kms: KMSClient, keyArn: string, claims: object): Promise<string> {
  const header = { alg: SERVICE_TOKEN_ALG, typ: 'JWT', kid: keyIdOf(keyArn) };
  const signingInput = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
  const { Signature } = await kms.send(
    new SignCommand({
      KeyId: keyArn,
      Message: Buffer.from(signingInput),
      MessageType: 'RAW',
      SigningAlgorithm: 'ECDSA_SHA_256',
    }),
  );
  if (!Signature) throw new Error('KMS returned no signature');
  return `${signingInput}.${base64url(derToJose(Signature))}`;
}

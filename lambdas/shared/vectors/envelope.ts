import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * Envelope encryption of stored text: AES-256-GCM under a 256-bit data key that KMS generated from the
 * tenant's key. The sealed form is `base64(version ‖ iv ‖ ciphertext ‖ tag)`; the additional
 * authenticated data binds a ciphertext to where it belongs (tenant, document, chunk), so a ciphertext
 * copied onto another document or chunk fails to open.
 */
const FORMAT_VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;

/** A data key: the plaintext (memory only) and the KMS ciphertext stored beside what it encrypts. */
export interface DataKey {
  readonly plaintext: Buffer;
  /** Base64 of KMS's `CiphertextBlob`. */
  readonly encrypted: string;
}

/** Encrypts `plaintext` under `key`, bound to `aad`. */
export function seal(key: Buffer, plaintext: Buffer | string, aad: string): string {
  assertKey(key);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([Buffer.from([FORMAT_VERSION]), iv, body, cipher.getAuthTag()]).toString('base64');
}

/** Decrypts what {@link seal} produced; throws when the key, the data or `aad` do not match. */
export function open(key: Buffer, sealed: string, aad: string): Buffer {
  assertKey(key);
  const bytes = Buffer.from(sealed, 'base64');
  if (bytes.length < 1 + IV_BYTES + TAG_BYTES || bytes[0] !== FORMAT_VERSION) throw new Error('Not a sealed text');
  const iv = bytes.subarray(1, 1 + IV_BYTES);
  const tag = bytes.subarray(bytes.length - TAG_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  decipher.setAAD(Buffer.from(aad, 'utf8'));
  decipher.setAuthTag(tag);
  return Buffer.concat([decipher.update(bytes.subarray(1 + IV_BYTES, bytes.length - TAG_BYTES)), decipher.final()]);
}

/** The authenticated data of one stored chunk. */
export function chunkAad(tenantId: string, documentId: string, chunk: number): string {
  return `microplane/documents/v1|${tenantId}|${documentId}|chunk:${chunk}`;
}

/** The authenticated data of a queued document body. */
export function queuedBodyAad(tenantId: string, documentId: string): string {
  return `microplane/documents/v1|${tenantId}|${documentId}|queued-body`;
}

function assertKey(key: Buffer): void {
  if (key.length !== KEY_BYTES) throw new Error('A data key must be 256 bits');
}

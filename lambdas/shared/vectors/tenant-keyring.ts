import { DecryptCommand, GenerateDataKeyCommand, type KMSClient } from '@aws-sdk/client-kms';
import type { DataKeyCache } from './data-key-cache';
import type { DataKey } from './envelope';

/** What a {@link TenantKeyring} works with. */
export interface TenantKeyringProps {
  /** A KMS client signed with the tenant's own credentials: only they may use the tenant key. */
  readonly kms: KMSClient;
  /** The tenant key, from the tenant's registry entry. */
  readonly keyArn: string;
  readonly tenantId: string;
  /** The container's cache of encryption data keys. */
  readonly cache: DataKeyCache;
}

/**
 * The tenant key as the document pipeline uses it, for one request. Data keys are bound by the KMS
 * encryption context `{ tenant }`: KMS refuses to decrypt one under another tenant's context, and
 * CloudTrail records the tenant of every call. The document is not part of the context, so one cached
 * data key can serve many documents (see {@link DataKeyCache}); the document and chunk are bound by the
 * AES-GCM additional data instead.
 */
export class TenantKeyring {
  private readonly decrypted = new Map<string, Promise<Buffer>>();

  constructor(private readonly props: TenantKeyringProps) {}

  /** The encryption context of every data key of this tenant. */
  get encryptionContext(): Record<string, string> {
    return { tenant: this.props.tenantId };
  }

  /** A data key to encrypt `messages` messages with, cached within the cache's limits. */
  dataKeyFor(messages: number): Promise<DataKey> {
    const { cache, keyArn, tenantId } = this.props;
    return cache.acquire(`${keyArn}|${tenantId}`, messages, () => this.generate());
  }

  /** The plaintext of a stored data key; each distinct key is decrypted once per request. */
  decryptDataKey(encrypted: string): Promise<Buffer> {
    let plaintext = this.decrypted.get(encrypted);
    if (!plaintext) {
      plaintext = this.decrypt(encrypted);
      this.decrypted.set(encrypted, plaintext);
    }
    return plaintext;
  }

  private async generate(): Promise<DataKey> {
    const { CiphertextBlob, Plaintext } = await this.props.kms.send(
      new GenerateDataKeyCommand({ KeyId: this.props.keyArn, KeySpec: 'AES_256', EncryptionContext: this.encryptionContext }),
    );
    if (!CiphertextBlob || !Plaintext) throw new Error('KMS returned no data key');
    return { plaintext: Buffer.from(Plaintext), encrypted: Buffer.from(CiphertextBlob).toString('base64') };
  }

  private async decrypt(encrypted: string): Promise<Buffer> {
    const { Plaintext } = await this.props.kms.send(
      new DecryptCommand({
        // Naming the key makes KMS refuse a ciphertext of any other key instead of trying it.
        KeyId: this.props.keyArn,
        CiphertextBlob: Buffer.from(encrypted, 'base64'),
        EncryptionContext: this.encryptionContext,
      }),
    );
    if (!Plaintext) throw new Error('KMS returned no plaintext');
    return Buffer.from(Plaintext);
  }
}

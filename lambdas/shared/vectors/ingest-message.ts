import { deflateRawSync, inflateRawSync } from 'node:zlib';
// zod/mini keeps the worker, which loads this at cold start, small.
import * as z from 'zod/mini';
import type { PiiKind } from '../pii';
import { CLASSIFICATIONS, type DocumentDescription } from './document';
import { open, queuedBodyAad, seal } from './envelope';
import type { TenantKeyring } from './tenant-keyring';

/**
 * The largest message SQS accepts by default (256 KiB, a queue's `MaximumMessageSize` unless raised; the
 * most it can be raised to is 1 MiB). A queued document travels inside its message, so a document whose
 * message would be larger is refused with 413; the body is compressed before it is encrypted, so prose
 * of several hundred KB fits.
 */
export const SQS_DEFAULT_MAX_MESSAGE_BYTES = 256 * 1024;
/** The largest `MaximumMessageSize` SQS allows. */
export const SQS_LARGEST_MAX_MESSAGE_BYTES = 1024 * 1024;

/** The largest body a job may unpack to (far above what fits a message compressed). */
const MAX_BODY_BYTES = 16 * 1024 * 1024;

const description = z.object({
  origin: z.optional(z.string()),
  author: z.optional(z.string()),
  classification: z.enum(CLASSIFICATIONS),
  created: z.iso.datetime(),
  expires: z.iso.datetime(),
  pii: z.array(z.string().check(z.minLength(1))),
  fingerprint: z.string().check(z.regex(/^[0-9a-f]{64}$/)),
});

const messageSchema = z.object({
  version: z.literal(1),
  tenantId: z.string(),
  appId: z.string(),
  documentId: z.uuid(),
  /** The caller's service token: the worker acts as the tenant with it, as the API did. */
  serviceToken: z.string().check(z.minLength(1)),
  document: description,
  /** The normalised, redacted text, deflated and sealed under a tenant data key (never plaintext in the queue). */
  body: z.object({ ciphertext: z.string(), encryptedKey: z.string() }),
});

/** One queued ingestion job. */
export type IngestMessage = z.infer<typeof messageSchema>;

/** The job of ingesting `text` (prepared) as `description`, its body sealed with a tenant data key. */
export async function buildIngestMessage(
  description: DocumentDescription,
  text: string,
  serviceToken: string,
  keyring: TenantKeyring,
): Promise<IngestMessage> {
  const { tenantId, appId, documentId, origin, author, classification, created, expires, pii, fingerprint } = description;
  const dataKey = await keyring.dataKeyFor(1);
  return {
    version: 1,
    tenantId,
    appId,
    documentId,
    serviceToken,
    document: {
      ...(origin === undefined ? {} : { origin }),
      ...(author === undefined ? {} : { author }),
      classification,
      created: created.toISOString(),
      expires: expires.toISOString(),
      pii: [...pii],
      fingerprint,
    },
    body: {
      ciphertext: seal(dataKey.plaintext, deflateRawSync(Buffer.from(text, 'utf8')), queuedBodyAad(tenantId, documentId)),
      encryptedKey: dataKey.encrypted,
    },
  };
}

/** Parses a queue message body; throws when it is not a job of this version. */
export function parseIngestMessage(body: string): IngestMessage {
  return messageSchema.parse(JSON.parse(body));
}

/** The document a job describes. */
export function describedDocument(message: IngestMessage): DocumentDescription {
  const { tenantId, appId, documentId, document } = message;
  return {
    tenantId,
    appId,
    documentId,
    ...(document.origin === undefined ? {} : { origin: document.origin }),
    ...(document.author === undefined ? {} : { author: document.author }),
    classification: document.classification,
    created: new Date(document.created),
    expires: new Date(document.expires),
    pii: document.pii as PiiKind[],
    fingerprint: document.fingerprint,
  };
}

/** The prepared text of a job, decrypted with the tenant's key. */
export async function openIngestBody(message: IngestMessage, keyring: TenantKeyring): Promise<string> {
  const key = await keyring.decryptDataKey(message.body.encryptedKey);
  const deflated = open(key, message.body.ciphertext, queuedBodyAad(message.tenantId, message.documentId));
  return inflateRawSync(deflated, { maxOutputLength: MAX_BODY_BYTES }).toString('utf8');
}

/** The size SQS counts for a message body. */
export function messageBytes(message: IngestMessage): number {
  return Buffer.byteLength(JSON.stringify(message), 'utf8');
}

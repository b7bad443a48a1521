import { Client } from '@opensearch-project/opensearch';
// The SDK v3 flavour: without `getCredentials` it falls back to the SDK's default chain, not to SDK v2.
import { AwsSigv4Signer } from '@opensearch-project/opensearch/aws-v3';

/** AWS credentials in the shape the signer reads; `expiration` lets it ask again before they lapse. */
export interface SigningCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  readonly expiration?: Date;
}

/** Where and as whom a client talks to OpenSearch Serverless. */
export interface CollectionClientProps {
  /** The collection endpoint, from the registry. */
  readonly endpoint: string;
  readonly region: string;
  /** The credentials every request is signed with (SigV4, service `aoss`). */
  readonly getCredentials: () => Promise<SigningCredentials>;
  /**
   * Milliseconds a request may take.
   * @default 10_000
   */
  readonly requestTimeoutMs?: number;
}

/** The official OpenSearch client, signing every request for OpenSearch Serverless. */
export function collectionClient(props: CollectionClientProps): Client {
  return new Client({
    ...AwsSigv4Signer({ region: props.region, service: 'aoss', getCredentials: props.getCredentials as never }),
    node: props.endpoint,
    requestTimeout: props.requestTimeoutMs ?? 10_000,
    // Bulk indexing is not idempotent (the collection assigns ids): a retry after a timeout could store a
    // chunk twice. The caller's retry, or the queue's redelivery, retries the whole step instead.
    maxRetries: 0,
  });
}

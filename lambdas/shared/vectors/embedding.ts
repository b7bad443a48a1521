import { InvokeModelCommand, type BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';

/** Turns text into a vector. */
export interface Embedder {
  /** The vector of `text`, of the configured dimension. */
  embed(text: string): Promise<number[]>;
}

/** Properties of {@link BedrockTitanEmbedder}. */
export interface BedrockTitanEmbedderProps {
  /** A client in the function's own role: it may invoke the embedding model and nothing else of Bedrock. */
  readonly client: BedrockRuntimeClient;
  /** The model id, e.g. `amazon.titan-embed-text-v2:0`. */
  readonly modelId: string;
  /** The vector dimension: 256, 512 or 1024 for Titan Text Embeddings V2; must match the index mapping. */
  readonly dimensions: number;
  /**
   * Told the input tokens of every call, as the model counted them: how token use is metered per tenant.
   * @default - not metered
   */
  readonly countTokens?: (inputTokens: number) => void;
}

/**
 * Amazon Titan Text Embeddings V2 through Bedrock `InvokeModel`, with the request shape
 * `{ inputText, dimensions, normalize: true }`: unit vectors, so cosine, inner product and L2 rank alike.
 */
export class BedrockTitanEmbedder implements Embedder {
  constructor(private readonly props: BedrockTitanEmbedderProps) {}

  async embed(text: string): Promise<number[]> {
    const { client, modelId, dimensions } = this.props;
    const response = await client.send(
      new InvokeModelCommand({
        modelId,
        contentType: 'application/json',
        accept: 'application/json',
        body: JSON.stringify({ inputText: text, dimensions, normalize: true }),
      }),
    );
    const { embedding, inputTextTokenCount } = JSON.parse(new TextDecoder().decode(response.body)) as { embedding?: unknown; inputTextTokenCount?: unknown };
    if (!Array.isArray(embedding) || embedding.length !== dimensions || !embedding.every(Number.isFinite)) {
      throw new Error(`The embedding model returned no ${dimensions}-dimensional vector`);
    }
    if (typeof inputTextTokenCount === 'number' && Number.isFinite(inputTextTokenCount)) this.props.countTokens?.(inputTextTokenCount);
    return embedding as number[];
  }
}

import { type BedrockRuntimeClient, ConverseCommand, type ConverseCommandInput } from '@aws-sdk/client-bedrock-runtime';
import { proxyErrors } from './errors';

/** One completion a model is asked for. */
export interface CompletionCall {
  readonly model: string;
  readonly system: string;
  readonly user: string;
  readonly maxOutputTokens: number;
  readonly temperature: number;
}

/** What a model answered. */
export interface Completion {
  readonly text: string;
  readonly inputTokens: number;
  readonly outputTokens: number;
  /** Why the model stopped: `end_turn`, `max_tokens`, `guardrail_intervened`, `content_filtered`, … */
  readonly stopReason: string;
}

/** A model endpoint the proxy can call. */
export interface ModelClient {
  complete(call: CompletionCall): Promise<Completion>;
}

/** Properties of {@link BedrockModels}. */
export interface BedrockModelsProps {
  readonly client: BedrockRuntimeClient;
  /** @default - no guardrail */
  readonly guardrail?: { readonly id: string; readonly version: string };
}

/** Amazon Bedrock through the Converse API, one request shape for every model family. */
export class BedrockModels implements ModelClient {
  constructor(private readonly props: BedrockModelsProps) {}

  async complete(call: CompletionCall): Promise<Completion> {
    const input: ConverseCommandInput = {
      modelId: call.model,
      system: [{ text: call.system }],
      messages: [{ role: 'user', content: [{ text: call.user }] }],
      inferenceConfig: { maxTokens: call.maxOutputTokens, temperature: call.temperature },
      ...(this.props.guardrail
        ? { guardrailConfig: { guardrailIdentifier: this.props.guardrail.id, guardrailVersion: this.props.guardrail.version, trace: 'disabled' } }
        : {}),
    };
    let output;
    try {
      output = await this.props.client.send(new ConverseCommand(input));
    } catch (error) {
      throw bedrockError(call.model, error);
    }
    const text = (output.output?.message?.content ?? []).flatMap((block) => (block.text === undefined ? [] : [block.text])).join('');
    return {
      text,
      inputTokens: output.usage?.inputTokens ?? 0,
      outputTokens: output.usage?.outputTokens ?? 0,
      stopReason: output.stopReason ?? 'end_turn',
    };
  }
}

/** Bedrock errors that are the request's fault, not an outage. */
const REFUSED_INPUT = new Set(['ValidationException']);

function bedrockError(model: string, error: unknown): Error {
  const name = (error as { name?: string }).name ?? '';
  if (REFUSED_INPUT.has(name)) return proxyErrors.modelRefusedInput(model, error);
  if (name === 'ModelTimeoutException' || name === 'TimeoutError') return proxyErrors.modelTimedOut(model, error);
  return proxyErrors.modelFailed(model, error);
}

/** Properties of {@link OpenAiCompatibleModels}. */
export interface OpenAiCompatibleModelsProps {
  /** Base URLs by private model name (`llama-8b` for `private:llama-8b`), e.g. `http://internal-lb:8000/v1`. */
  readonly endpoints: Readonly<Record<string, string>>;
  /**
   * How long a completion may take.
   * @default 60 seconds
   */
  readonly timeoutMs?: number;
  /**
   * The fetch implementation.
   * @default globalThis.fetch
   */
  readonly fetch?: typeof fetch;
}

interface ChatCompletionResponse {
  choices?: { message?: { content?: string | null }; finish_reason?: string | null }[];
  usage?: { prompt_tokens?: number; completion_tokens?: number };
}

/**
 * Privately hosted models (vLLM on the platform's EKS cluster) through the OpenAI-compatible chat
 * completions API. The model server serves each model under its private name.
 */
export class OpenAiCompatibleModels implements ModelClient {
  private readonly fetch: typeof fetch;

  constructor(private readonly props: OpenAiCompatibleModelsProps) {
    this.fetch = props.fetch ?? globalThis.fetch;
  }

  /** Whether a private model has an endpoint here. */
  has(name: string): boolean {
    return Object.hasOwn(this.props.endpoints, name);
  }

  async complete(call: CompletionCall): Promise<Completion> {
    const name = call.model.slice('private:'.length);
    if (!this.has(name)) throw proxyErrors.modelUnavailable(call.model);
    const body = {
      model: name,
      messages: [
        { role: 'system', content: call.system },
        { role: 'user', content: call.user },
      ],
      max_tokens: call.maxOutputTokens,
      temperature: call.temperature,
    };
    let response: Response;
    try {
      response = await this.fetch(`${this.props.endpoints[name].replace(/\/+$/, '')}/chat/completions`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.props.timeoutMs ?? 60_000),
      });
    } catch (error) {
      const name = (error as { name?: string }).name;
      throw name === 'TimeoutError' || name === 'AbortError' ? proxyErrors.modelTimedOut(call.model, error) : proxyErrors.modelFailed(call.model, error);
    }
    if (response.status === 400) throw proxyErrors.modelRefusedInput(call.model, new Error(`HTTP 400 from ${call.model}`));
    if (!response.ok) throw proxyErrors.modelFailed(call.model, new Error(`HTTP ${response.status} from ${call.model}`));
    const answer = (await response.json().catch(() => ({}))) as ChatCompletionResponse;
    const choice = answer.choices?.[0];
    if (!choice || typeof choice.message?.content !== 'string') throw proxyErrors.modelFailed(call.model, new Error('No completion in the answer'));
    return {
      text: choice.message.content,
      inputTokens: answer.usage?.prompt_tokens ?? 0,
      outputTokens: answer.usage?.completion_tokens ?? 0,
      stopReason: choice.finish_reason === 'length' ? 'max_tokens' : 'end_turn',
    };
  }
}

/** Routes each call to Bedrock or to the private model server by the model id. */
export class ModelRouter implements ModelClient {
  constructor(
    private readonly bedrock: ModelClient,
    private readonly privateModels: ModelClient,
  ) {}

  complete(call: CompletionCall): Promise<Completion> {
    return call.model.startsWith('private:') ? this.privateModels.complete(call) : this.bedrock.complete(call);
  }
}

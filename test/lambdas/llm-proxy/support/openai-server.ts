import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the fake model server received. */
export interface ChatRequest {
  readonly path: string;
  readonly body: {
    model: string;
    messages: { role: string; content: string }[];
    max_tokens: number;
    temperature: number;
  };
}

/**
 * A local HTTP server speaking the OpenAI chat completions shape, as vLLM serves it: `POST
 * /v1/chat/completions` answers with `choices[0].message.content` and `usage`. It records what it was
 * sent; `status` makes it fail and `delayMs` makes it slow.
 */
export class OpenAiServer {
  readonly requests: ChatRequest[] = [];
  reply = 'Private model answer.';
  status = 200;
  delayMs = 0;
  private server?: Server;

  async start(): Promise<string> {
    this.server = createServer((request, response) => {
      void readBody(request).then(async (text) => {
        this.requests.push({ path: request.url ?? '', body: JSON.parse(text) as ChatRequest['body'] });
        if (this.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
        if (request.method !== 'POST' || request.url !== '/v1/chat/completions') {
          response.writeHead(404).end();
          return;
        }
        response.writeHead(this.status, { 'Content-Type': 'application/json' });
        response.end(
          JSON.stringify({
            id: 'chatcmpl-1',
            object: 'chat.completion',
            choices: [{ index: 0, message: { role: 'assistant', content: this.reply }, finish_reason: 'stop' }],
            usage: { prompt_tokens: 42, completion_tokens: 7, total_tokens: 49 },
          }),
        );
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}/v1`;
  }

  reset(): void {
    this.requests.length = 0;
    this.reply = 'Private model answer.';
    this.status = 200;
    this.delayMs = 0;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

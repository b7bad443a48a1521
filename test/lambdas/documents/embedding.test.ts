import { BedrockRuntimeClient, InvokeModelCommand } from '@aws-sdk/client-bedrock-runtime';
import { mockClient } from 'aws-sdk-client-mock';
import { BedrockTitanEmbedder } from '../../../lambdas/shared/vectors/embedding';

const bedrock = mockClient(BedrockRuntimeClient);
beforeEach(() => bedrock.reset());

function answer(body: unknown): void {
  bedrock.on(InvokeModelCommand).resolves({ body: new TextEncoder().encode(JSON.stringify(body)) } as never);
}

test('sends the Titan V2 request and meters the input tokens the model counted', async () => {
  // GIVEN
  answer({ embedding: [0.6, 0.8], inputTextTokenCount: 7 });
  const counted: number[] = [];
  const embedder = new BedrockTitanEmbedder({
    client: new BedrockRuntimeClient({ region: 'eu-west-1' }),
    modelId: 'amazon.titan-embed-text-v2:0',
    dimensions: 2,
    countTokens: (tokens) => counted.push(tokens),
  });
  // WHEN
  const vector = await embedder.embed('lunch near the office');
  // THEN
  expect(vector).toEqual([0.6, 0.8]);
  expect(counted).toEqual([7]);
  const [call] = bedrock.commandCalls(InvokeModelCommand);
  expect(call.args[0].input.modelId).toBe('amazon.titan-embed-text-v2:0');
  expect(JSON.parse(String(call.args[0].input.body))).toEqual({ inputText: 'lunch near the office', dimensions: 2, normalize: true });
});

test('an answer without a token count meters nothing; a vector of the wrong size is an error', async () => {
  const counted: number[] = [];
  const embedder = new BedrockTitanEmbedder({ client: new BedrockRuntimeClient({ region: 'eu-west-1' }), modelId: 'm', dimensions: 2, countTokens: (t) => counted.push(t) });
  answer({ embedding: [1, 0] });
  await embedder.embed('x');
  expect(counted).toEqual([]);
  answer({ embedding: [1, 0, 0], inputTextTokenCount: 1 });
  await expect(embedder.embed('x')).rejects.toThrow('no 2-dimensional vector');
});

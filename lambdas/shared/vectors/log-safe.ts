/**
 * The name and message of an unexpected error, without its other properties: an OpenSearch client
 * error carries the request (document chunks, query vectors) in its `meta`, and such data must never
 * reach the logs.
 */
export function errorSummary(error: unknown): { name: string; message: string } {
  return error instanceof Error ? { name: error.name, message: error.message.slice(0, 500) } : { name: 'Error', message: String(error).slice(0, 500) };
}

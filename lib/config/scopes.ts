/**
 * The OAuth scopes of the platform's resource server. Apps request a subset of these in their config;
 * each gateway route requires one. Scopes change only when the platform's API changes, so they live in
 * code rather than config.
 */
export const PLATFORM_SCOPES = {
  'whoami.read': 'Read who the caller is: tenant, app and granted scopes.',
  'notes.read': 'Read the tenant notes of the calling app.',
  'notes.write': 'Create, update and delete the tenant notes of the calling app.',
  'documents.read': 'Search the tenant\'s documents and read their status, without their text.',
  'documents.text': 'Receive the decrypted chunk text in search results (with documents.read).',
  'documents.write': 'Ingest and delete the calling app\'s documents, and purge them all.',
  'llm.complete': 'Call a model through the LLM-safe proxy with a server-side prompt template.',
} as const;

/** A scope name of the platform's resource server, without the resource server prefix. */
export type PlatformScope = keyof typeof PLATFORM_SCOPES;

/** The Cognito resource server identifier; a full scope reads `microplane/whoami.read`. */
export const RESOURCE_SERVER_IDENTIFIER = 'microplane';

/** Every scope name, in a stable order. */
export const PLATFORM_SCOPE_NAMES = Object.keys(PLATFORM_SCOPES) as PlatformScope[];

/** The scope as Cognito writes it in access tokens, e.g. `microplane/whoami.read`. */
export function qualifiedScope(scope: PlatformScope): string {
  return `${RESOURCE_SERVER_IDENTIFIER}/${scope}`;
}

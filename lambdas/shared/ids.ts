/**
 * Id formats shared with the config schema (`lib/config/schema.ts`): lowercase DNS labels. Functions
 * re-check them because ids reach SSM parameter names, role ARNs and session names from untrusted input.
 */
const DNS_LABEL = /^[a-z](?:[a-z0-9]|-(?!-))*[a-z0-9]$/;

/** True for a tenant id: a lowercase DNS label of 3 to 32 characters. */
export function isTenantId(value: unknown): value is string {
  return typeof value === 'string' && value.length >= 3 && value.length <= 32 && DNS_LABEL.test(value);
}

/** True for an app id: a lowercase DNS label of 3 to 40 characters. */
export function isAppId(value: unknown): value is string {
  return typeof value === 'string' && value.length >= 3 && value.length <= 40 && DNS_LABEL.test(value);
}

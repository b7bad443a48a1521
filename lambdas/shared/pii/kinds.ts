/** The kinds of personal data and secrets the redaction finds. */
export type PiiKind = 'email' | 'phone' | 'card' | 'iban' | 'national-id' | 'ip-address' | 'aws-access-key' | 'secret';

/** Every kind, in the order reports list them. */
export const PII_KINDS: readonly PiiKind[] = Object.freeze([
  'email',
  'phone',
  'card',
  'iban',
  'national-id',
  'ip-address',
  'aws-access-key',
  'secret',
] as const);

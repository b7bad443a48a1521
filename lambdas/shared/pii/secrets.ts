import type { Candidate } from './candidate';
import { findLabelledSecrets } from './labelled-secrets';
import { findPrivateKeyBlocks } from './private-key-block';
import { findVendorTokens } from './vendor-tokens';

/** Credentials other than AWS access key ids: private key blocks, vendor tokens and labelled secrets. */
export function findSecrets(text: string): Candidate[] {
  return [...findPrivateKeyBlocks(text), ...findVendorTokens(text), ...findLabelledSecrets(text)];
}

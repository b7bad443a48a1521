import type { Detector } from './candidate';
import { findAwsAccessKeys } from './aws-access-key';
import { findCards } from './card';
import { findEmails } from './email';
import { findIbans } from './iban';
import { findIpAddresses } from './ip-address';
import { findNationalIds } from './national-id';
import { findPhones } from './phone';
import { findSecrets } from './secrets';

/** Every detector; each finds one kind (secrets and national ids combine several formats). */
export const DETECTORS: readonly Detector[] = [
  findEmails,
  findPhones,
  findCards,
  findIbans,
  findNationalIds,
  findIpAddresses,
  findAwsAccessKeys,
  findSecrets,
];

import type { Candidate } from './candidate';
import { findSpanishIds } from './es-dni';
import { findFrenchNirs } from './fr-nir';
import { findUkNinos } from './uk-nino';
import { findUsSsns } from './us-ssn';

/**
 * National identity numbers of four countries: US SSN (issuance rules), UK NINO (prefix and suffix
 * rules), Spanish DNI/NIE (control letter) and French NIR (mod 97 key).
 */
export function findNationalIds(text: string): Candidate[] {
  return [...findUsSsns(text), ...findUkNinos(text), ...findSpanishIds(text), ...findFrenchNirs(text)];
}

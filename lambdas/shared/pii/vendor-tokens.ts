import { type Candidate, matchesOf, Specificity } from './candidate';

/**
 * Credentials recognisable by their issuer's own prefix: GitHub tokens (`ghp_`, `gho_`, `ghu_`, `ghs_`,
 * `ghr_`, `github_pat_`), Slack tokens (`xoxb-`, `xoxp-`, `xoxa-`, `xoxr-` …), JSON Web Tokens (a
 * base64url JSON header `eyJ…` and two more dot-separated parts), Stripe secret and restricted keys
 * (`sk_live_`, `sk_test_`, `rk_…`) and webhook secrets (`whsec_`), Google API keys (`AIza`) and
 * OpenAI/Anthropic-style `sk-…` keys.
 */
export function findVendorTokens(text: string): Candidate[] {
  const found: Candidate[] = [];
  for (const pattern of VENDOR_TOKENS) {
    for (const match of matchesOf(pattern, text)) {
      found.push({ kind: 'secret', start: match.index!, end: match.index! + match[0].length, specificity: Specificity.vendor });
    }
  }
  return found;
}

const VENDOR_TOKENS: readonly RegExp[] = [
  /(?<![A-Za-z0-9_])(?:gh[pousr]_[A-Za-z0-9]{36,251}|github_pat_[A-Za-z0-9_]{22,247})(?![A-Za-z0-9_])/g,
  /(?<![A-Za-z0-9-])xox[abeposr]-[A-Za-z0-9-]{10,250}(?![A-Za-z0-9-])/g,
  /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g,
  /(?<![A-Za-z0-9_])(?:(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{10,247}|whsec_[A-Za-z0-9]{20,250})(?![A-Za-z0-9])/g,
  /(?<![A-Za-z0-9_-])AIza[0-9A-Za-z_-]{35}(?![A-Za-z0-9_-])/g,
  /(?<![A-Za-z0-9_-])sk-[A-Za-z0-9_-]{32,}/g,
];

import { type Candidate, LATIN_LETTER, matchesOf, Specificity } from './candidate';

/**
 * Secrets recognised by what stands before them; only the value is redacted, so `password=hunter2`
 * becomes `password=[REDACTED:secret]`.
 * - AWS secret access keys: 40 base64 characters after an `aws_secret_access_key`-like label or after
 *   the word `secret` (`SecretAccessKey`, `AWS_SECRET_ACCESS_KEY=`, `secret: …`). A bare 40-character
 *   hex or base64 string (a git SHA) is not a secret.
 * - Assignments to a password, secret, API key or token name in several languages (`password=…`,
 *   `api_key: …`, `"client_secret": "…"`, `Passwort: …`, `mot de passe : …`). Placeholders
 *   (`***`, `<password>`, `${DB_PASSWORD}`, `null` …) and code references (`getPassword()`,
 *   `process.env.X`) are not secrets, nor is one plain word followed by more prose
 *   (`Reset password: click the link`). Upper-case environment names ending in such a word count too
 *   (`PGPASSWORD=…`).
 * - `Bearer` tokens, `Authorization: Basic` credentials and the password of a URL's user info
 *   (`postgres://app:S3cret@db:5432`).
 */
export function findLabelledSecrets(text: string): Candidate[] {
  return [...awsSecretAccessKeys(text), ...assignments(text), ...bearerTokens(text), ...urlPasswords(text)];
}

const secret = (start: number, end: number, specificity: Specificity): Candidate => ({ kind: 'secret', start, end, specificity });

/** Where `value` is in the text, given that the match ends with it and then `after` more characters. */
function valueSpan(match: RegExpMatchArray, value: string, after = 0): { start: number; end: number } {
  const end = match.index! + match[0].length - after;
  return { start: end - value.length, end };
}

/** `aws_secret_access_key`, `SecretAccessKey`, `secret` …, an operator or a space (or ` is `), 40 base64. */
const AWS_SECRET_ACCESS_KEY = new RegExp(
  String.raw`(?<![A-Za-z0-9])(?:aws[_ .-]?)?secret(?:[_ .-]?access)?(?:[_ .-]?key)?` +
    String.raw`(?:["']?[ \t]*(?:=>|:=|=|:)[ \t]*|[ \t]+(?:is[ \t]+)?)["']?([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])`,
  'gi',
);

function* awsSecretAccessKeys(text: string): Generator<Candidate> {
  for (const match of matchesOf(AWS_SECRET_ACCESS_KEY, text)) {
    const value = match[1];
    const { start, end } = valueSpan(match, value);
    yield secret(start, end, Specificity.checked);
  }
}

const SECRET_NAME = [
  'password', 'passwd', 'passphrase', 'pwd', 'passwort', 'kennwort', 'mot de passe', 'contraseña', 'contrasena',
  'wachtwoord', 'senha', 'hasło', 'lösenord', 'salasana', 'secret', 'client[_-]?secret', 'secret[_-]?key',
  'api[_ -]?key', 'apikey', 'access[_-]?key', 'access[_-]?token', 'auth[_-]?token', 'refresh[_-]?token',
  'session[_-]?token', 'token', 'private[_-]?key', 'signing[_-]?key', 'encryption[_-]?key',
].join('|');

/** `"value"`, `'value'` or a bare value up to white space or punctuation that ends it in code. */
const VALUE = String.raw`(?:"([^"\n]{1,256})"|'([^'\n]{1,256})'|([^\s"'${'`'},;)\]}]{1,256}))`;

const ASSIGNMENT = new RegExp(
  String.raw`(?<![${LATIN_LETTER}0-9])(?:${SECRET_NAME})(?![${LATIN_LETTER}0-9])["']?[ \t]*(=>|:=|=|:)[ \t]*${VALUE}`,
  'gi',
);

/** Environment variables whose upper-case name ends in a secret word: `PGPASSWORD=…`, `NPMTOKEN=…`. */
const ENVIRONMENT_ASSIGNMENT = new RegExp(
  String.raw`(?<![A-Za-z0-9_])[A-Z][A-Z0-9_]*(?:PASSWORD|PASSWD|PASSPHRASE|SECRET|TOKEN|APIKEY|API_KEY)(=)${VALUE}`,
  'g',
);

/** Values that stand for a secret without being one: masks, template and environment references, empty words. */
const PLACEHOLDER = new RegExp(
  String.raw`^(?:\*+|x{3,}|•+|\.{3,}|<[^>]*>?|\$\{[^}]*\}?|\$\w+|%\w+%|\{\{.*|\[redacted.*|` +
    String.raw`null|nil|none|undefined|true|false|required|optional|string|empty|hidden|masked|redacted|n/a)$`,
  'i',
);
const CODE_REFERENCE = /^(?:[\w$.]+\(|(?:process\.env|os\.environ|env|self|this|config|settings)\b)/;

function* assignments(text: string): Generator<Candidate> {
  for (const pattern of [ASSIGNMENT, ENVIRONMENT_ASSIGNMENT]) {
    for (const match of matchesOf(pattern, text)) {
      const [, operator, doubleQuoted, singleQuoted, bare] = match;
      const quoted = doubleQuoted ?? singleQuoted;
      const value = quoted ?? bare;
      if (value.trim().length < 4 || PLACEHOLDER.test(value.trim()) || CODE_REFERENCE.test(value)) continue;
      const { start, end } = valueSpan(match, value, quoted === undefined ? 0 : 1);
      if (quoted === undefined && operator === ':' && isWordInProse(value, text, end)) continue;
      yield secret(start, end, Specificity.label);
    }
  }
}

/**
 * `Reset password: click the link`: after a colon (prose; `=` is code), one plain word with more words
 * after it on the same line.
 */
function isWordInProse(value: string, text: string, end: number): boolean {
  return /^\p{L}+$/u.test(value) && /^[ \t]+\p{L}/u.test(text.slice(end, end + 4));
}

/** `Bearer <token>` anywhere; `Basic <base64 user:password>` in an Authorization header. */
const BEARER = new RegExp(
  String.raw`(?<![A-Za-z])(?:bearer[ \t]+([A-Za-z0-9._~+/-]{16,}=*)|` +
    String.raw`authorization["']?[ \t]*[:=][ \t]*["']?basic[ \t]+([A-Za-z0-9+/]{8,}={0,2}))`,
  'gi',
);

function* bearerTokens(text: string): Generator<Candidate> {
  for (const match of matchesOf(BEARER, text)) {
    const { start, end } = valueSpan(match, match[1] ?? match[2]);
    yield secret(start, end, Specificity.label);
  }
}

const URL_USER_INFO = /(?<![a-z0-9+.-])[a-z][a-z0-9+.-]*:\/\/[^\s:@/]+:([^\s@/]+)@/gi;

function* urlPasswords(text: string): Generator<Candidate> {
  if (!text.includes('://')) return; // the expression would try every word
  for (const match of matchesOf(URL_USER_INFO, text)) {
    const { start, end } = valueSpan(match, match[1], 1);
    yield secret(start, end, Specificity.label);
  }
}

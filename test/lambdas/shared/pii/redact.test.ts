import { normalizeText, PII_KINDS, redact } from '../../../../lambdas/shared/pii';
import { loadCorpus } from './labelled-corpus';

test('PII_KINDS lists every kind once', () => {
  expect([...PII_KINDS].sort()).toEqual(['aws-access-key', 'card', 'email', 'iban', 'ip-address', 'national-id', 'phone', 'secret']);
});

test('each finding is replaced by its marker and reported with offsets into the input', () => {
  const text = '👋 Jane <jane@example.com>, card 4111 1111 1111 1111, from 10.0.0.1.';
  const result = redact(text);
  expect(result.text).toBe('👋 Jane <[REDACTED:email]>, card [REDACTED:card], from [REDACTED:ip-address].');
  expect(result.findings.map((f) => [f.kind, text.slice(f.start, f.end)])).toEqual([
    ['email', 'jane@example.com'],
    ['card', '4111 1111 1111 1111'],
    ['ip-address', '10.0.0.1'],
  ]);
  expect(result.findings[0].start).toBe(text.indexOf('jane@'));
  expect(result.counts).toEqual({ email: 1, card: 1, 'ip-address': 1 });
});

test('counts add up findings of the same kind and leave absent kinds out', () => {
  const result = redact('a@example.com, b@example.com and +44 20 7946 0958');
  expect(result.counts).toEqual({ email: 2, phone: 1 });
});

test('a text without PII comes back unchanged, with no findings', () => {
  const text = 'The meeting is on 2024-01-15 at 10:30 in room 4.2; version 1.2.3 ships with order 4155550132.';
  expect(redact(text)).toEqual({ text, counts: {}, findings: [] });
  expect(redact('')).toEqual({ text: '', counts: {}, findings: [] });
});

test('when findings overlap, the longest wins', () => {
  // the IBAN's digits "0044 0532 0130 00" alone look like an international phone number
  const text = 'IBAN DE89 3704 0044 0532 0130 00';
  expect(redact(text).findings).toEqual([{ kind: 'iban', start: 5, end: text.length }]);
});

test('when overlapping findings are as long, the most specific wins', () => {
  // "045-12-3456" is both an SSN and the shape of a national phone number with a trunk 0
  expect(redact('SSN 045-12-3456').findings).toEqual([{ kind: 'national-id', start: 4, end: 15 }]);
  // a GitHub token assigned to a token name: the vendor prefix beats the label
  const token = `ghp_${'a'.repeat(36)}`;
  expect(redact(`GITHUB_TOKEN=${token}`).findings).toEqual([{ kind: 'secret', start: 13, end: 13 + token.length }]);
});

test('a finding longer than a more specific one inside it covers it', () => {
  const quoted = 'sk_live_4eC39HqLyjWDarjtT1zdp7dc and more';
  // the quoted password is longer than the Stripe key inside it: one secret, the whole value
  expect(redact(`password="${quoted}"`).findings).toEqual([{ kind: 'secret', start: 10, end: 10 + quoted.length }]);
});

test('the kinds option redacts only those kinds', () => {
  const text = 'jane@example.com +44 20 7946 0958 AKIAIOSFODNN7EXAMPLE';
  const result = redact(text, { kinds: ['email', 'aws-access-key'] });
  expect(result.text).toBe('[REDACTED:email] +44 20 7946 0958 [REDACTED:aws-access-key]');
  expect(result.counts).toEqual({ email: 1, 'aws-access-key': 1 });
  expect(redact(text, { kinds: [] }).text).toBe(text);
});

test('a span of an unrequested kind is not reported as a shorter requested kind inside it', () => {
  expect(redact('IBAN DE89 3704 0044 0532 0130 00', { kinds: ['phone'] }).findings).toEqual([]);
});

test('redacting redacted text finds nothing new, for every corpus line', () => {
  for (const line of loadCorpus()) {
    const once = redact(line.input);
    const twice = redact(once.text);
    expect({ line: line.lineNumber, findings: twice.findings }).toEqual({ line: line.lineNumber, findings: [] });
    expect(twice.text).toBe(once.text);
  }
});

test('an earlier redaction marker is never redacted again, even where a label precedes it', () => {
  const text = 'password=[REDACTED:secret] token: [REDACTED:secret]';
  expect(redact(text)).toEqual({ text, counts: {}, findings: [] });
});

describe('normalizeText', () => {
  test('applies NFKC: full-width digits and letters become ASCII, ligatures split', () => {
    expect(normalizeText('４１１１ ＡＢＣ ﬁle')).toBe('4111 ABC file');
  });

  test('unifies line endings to \\n', () => {
    expect(normalizeText('a\r\nb\rc\u2028d\u2029e\u0085f')).toBe('a\nb\nc\nd\ne\nf');
  });

  test('collapses runs of spaces, tabs and no-break spaces and drops them around line breaks', () => {
    expect(normalizeText('a  \t b\u00a0\u00a0c \n  d')).toBe('a b c\nd');
  });

  test('trims the text', () => {
    expect(normalizeText('  \n hello \n ')).toBe('hello');
  });

  test('makes full-width PII visible to redaction', () => {
    expect(redact(normalizeText('card ４１１１ １１１１ １１１１ １１１１')).text).toBe('card [REDACTED:card]');
  });

  test('is idempotent', () => {
    const once = normalizeText(' Ｈｅｌｌｏ\r\n\tworld  ');
    expect(normalizeText(once)).toBe(once);
  });
});

describe('adversarial input of about 1 MB completes (time is measured in bench/redaction.bench.ts)', () => {
  test.each([
    ['a@ repeated', () => 'a@'.repeat(500_000)],
    ['digits', () => '1'.repeat(1_000_000)],
    ['digits and spaces', () => '1 '.repeat(500_000)],
    ['digit groups', () => '1234 '.repeat(200_000)],
    ['dotted digits', () => '1.'.repeat(500_000)],
    ['zeros and spaces', () => '00 '.repeat(333_333)],
    ['plus signs and digits', () => '+1 '.repeat(333_333)],
    ['colons', () => 'a:'.repeat(500_000)],
    ['double colons', () => '1::'.repeat(333_333)],
    ['a long word before an @', () => `${'x'.repeat(1_000_000)}@example.com`],
    ['dots before an @', () => `${'a.'.repeat(500_000)}@`],
    ['IBAN starts', () => 'DE89 '.repeat(200_000)],
    ['AKIA', () => 'AKIA'.repeat(250_000)],
    ['eyJ', () => 'eyJ.'.repeat(250_000)],
    ['URL user info', () => 'https://a:'.repeat(100_000)],
    ['phone labels', () => 'tel: '.repeat(200_000)],
    ['xoxb', () => `xoxb-${'a'.repeat(1_000_000)}`],
  ])('%s: nothing is found', (_name, build) => {
    expect(redact(build()).findings).toEqual([]); // built in the test, so each input is freed after it
  });

  test('password= repeated: each value is a secret of at most 256 characters', () => {
    const result = redact('password='.repeat(111_111));
    expect(result.findings.length).toBeGreaterThan(1000);
    expect(result.findings.every((f) => f.kind === 'secret' && f.end - f.start <= 256)).toBe(true);
  });

  test('many PEM headers without END lines: each header is a secret', () => {
    const header = '-----BEGIN RSA PRIVATE KEY-----';
    const result = redact(header.repeat(33_000));
    expect(result.findings).toHaveLength(33_000);
    expect(result.counts).toEqual({ secret: 33_000 });
  });

  test('many findings in a row: all are reported', () => {
    const result = redact('jane@example.com '.repeat(60_000));
    expect(result.counts).toEqual({ email: 60_000 });
  });
});

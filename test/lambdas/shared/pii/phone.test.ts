import { isE164 } from '../../../../lambdas/shared/pii/phone';
import { redact } from '../../../../lambdas/shared/pii';

const phones = (text: string) => redact(text, { kinds: ['phone'] }).findings.map((f) => text.slice(f.start, f.end));

test.each([
  ['E.164 spaced', '+44 20 7946 0958'],
  ['E.164 compact', '+447911123456'],
  ['E.164 with a bracketed trunk', '+44 (0)20 7946 0958'],
  ['E.164 with a bracketed country code', '(+44) 20 7946 0958'],
  ['00 prefix', '0049 30 12345678'],
  ['North American with brackets', '(415) 555-0132'],
  ['North American with hyphens', '415-555-0132'],
  ['North American with dots', '415.555.0132'],
  ['North American with country code', '+1 (415) 555-0132'],
  ['toll free', '1-800-555-0199'],
  ['UK national', '020 7946 0958'],
  ['French national', '06 12 34 56 78'],
  ['German national', '030 12345678'],
  ['Dutch national', '06-12345678'],
  ['Swedish national', '08-123 456 78'],
])('%s (%s) is a phone number', (_form, number) => {
  expect(phones(`call ${number} today`)).toEqual([number]);
});

test('a phone label in several languages admits local forms without a trunk prefix', () => {
  expect(phones('Mi móvil es 612 34 56 78.')).toEqual(['612 34 56 78']);
  expect(phones('Cellulare: 347 123 4567')).toEqual(['347 123 4567']);
  expect(phones('Tel. 5550132 intern')).toEqual(['5550132']);
});

test.each([
  ['ISO date', '2024-01-15'],
  ['European date', '15.01.2024'],
  ['US date', '01/15/2024'],
  ['time', '12:30:45'],
  ['version', '10.0.19041'],
  ['order number', '4155550132'],
  ['invalid area code', '123-456-7890'],
  ['seven digits without a label', '555-0132'],
  ['SSN shape', '123-45-6789'],
  ['amount', '+10 000 000'],
  ['decimal', '0.12345678901'],
  ['labelled date', 'fax sent 2024-01-15'],
  ['tail of a longer digit run', 'IBAN DE88 3704 0044 0532 0130 00'],
])('a %s (%s) is not a phone number', (_form, text) => {
  expect(phones(`see ${text} here`)).toEqual([]);
});

test('E.164 numbers need a real country code and 8 to 15 digits', () => {
  expect(isE164('442079460958')).toBe(true);
  expect(isE164('14155550132')).toBe(true);
  expect(isE164('10000000')).toBe(false); // +1 needs a valid area code
  expect(isE164('2812345678')).toBe(false); // no country code starts with 28
  expect(isE164('4412345')).toBe(false); // too short
  expect(isE164('4412345678901234')).toBe(false); // too long
});

test('a number that runs on into more digits ends where its last valid group ends', () => {
  expect(phones('ring 020 7946 0958 10 minutes')).toEqual(['020 7946 0958']);
});

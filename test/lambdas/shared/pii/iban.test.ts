import { ibanChecksumValid, mod97 } from '../../../../lambdas/shared/pii/iban';
import { redact } from '../../../../lambdas/shared/pii';

const found = (text: string) => redact(text).findings.map((f) => [f.kind, text.slice(f.start, f.end)]);

test('mod 97-10 of a numeric string is its remainder modulo 97, letters counting 10 to 35', () => {
  expect(mod97('3214282912345698765432161182')).toBe(1); // GB82WEST… rearranged, letters expanded
  expect(mod97('WEST12345698765432GB82')).toBe(1);
  expect(mod97('98')).toBe(1);
  expect(mod97('A')).toBe(10);
});

test.each(['DE89370400440532013000', 'GB82WEST12345698765432', 'FR1420041010050500013M02606', 'NL91ABNA0417164300', 'BE68539007547034', 'CH9300762011623852957'])(
  'the IBAN %s passes the check',
  (iban) => {
    expect(ibanChecksumValid(iban)).toBe(true);
  },
);

test.each(['DE88370400440532013000', 'GB82WEST12345698765433', 'NL92ABNA0417164300'])('the IBAN %s fails the check', (iban) => {
  expect(ibanChecksumValid(iban)).toBe(false);
});

test('IBANs are found compact and in groups of four, up to their country length', () => {
  const text = 'pay DE89 3704 0044 0532 0130 00 or GB82WEST12345698765432 or NL91 ABNA 0417 1643 00 today';
  expect(found(text)).toEqual([
    ['iban', 'DE89 3704 0044 0532 0130 00'],
    ['iban', 'GB82WEST12345698765432'],
    ['iban', 'NL91 ABNA 0417 1643 00'],
  ]);
});

test('a string of the wrong length for its country, an unknown country or a longer word is not an IBAN', () => {
  expect(found('DE89 3704 0044 0532 0130 0 and DE89370400440532013000X and QQ89370400440532013000')).toEqual([]);
});

test('the digits of an IBAN with wrong check digits are not taken for a phone number', () => {
  // "0044 0532 0130 00" alone has the shape of an international number with the 00 prefix
  expect(found('IBAN DE88 3704 0044 0532 0130 00 rejected')).toEqual([]);
  expect(found('IBAN NL92 ABNA 0417 1643 00 rejected')).toEqual([]);
});

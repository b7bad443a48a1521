import { hasIssuerPrefix, isCardNumber, luhnValid } from '../../../../lambdas/shared/pii/card';
import { redact } from '../../../../lambdas/shared/pii';

const cardsIn = (text: string) => redact(text, { kinds: ['card'] }).findings.map((f) => text.slice(f.start, f.end));

test.each(['4111111111111111', '5555555555554444', '378282246310005', '6011111111111117', '3530111333300000', '79927398713'])(
  'the Luhn check accepts %s',
  (digits) => {
    expect(luhnValid(digits)).toBe(true);
  },
);

test.each(['4111111111111112', '5555555555554445', '378282246310006', '79927398710'])('the Luhn check rejects %s', (digits) => {
  expect(luhnValid(digits)).toBe(false);
});

test('a card number needs a network prefix and length as well as the Luhn check', () => {
  expect(isCardNumber('4111111111111111')).toBe(true); // Visa, 16
  expect(isCardNumber('2223003122003222')).toBe(true); // Mastercard 2-series
  expect(isCardNumber('378282246310005')).toBe(true); // Amex, 15
  expect(hasIssuerPrefix('1111111111111117')).toBe(false); // no network starts with 1
  expect(hasIssuerPrefix('37828224631000')).toBe(false); // Amex is 15 digits, not 14
  expect(hasIssuerPrefix('5655555555555444')).toBe(false); // 56 is not Mastercard
  expect(isCardNumber('4111111111111112')).toBe(false); // Visa prefix, Luhn fails
});

test('cards are found compact and in groups split by spaces or hyphens', () => {
  expect(cardsIn('a 4111111111111111 b 4111 1111 1111 1111 c 4111-1111-1111-1111 d 3782 822463 10005')).toEqual([
    '4111111111111111',
    '4111 1111 1111 1111',
    '4111-1111-1111-1111',
    '3782 822463 10005',
  ]);
});

test('a card followed by its expiry date is found without the date', () => {
  expect(cardsIn('card 4111 1111 1111 1111 12/27')).toEqual(['4111 1111 1111 1111']);
  expect(cardsIn('card 4111 1111 1111 1111 1227')).toEqual(['4111 1111 1111 1111']);
});

test('numbers that fail the Luhn check, lack a prefix or sit inside longer numbers are not cards', () => {
  expect(cardsIn('order 4111111111111112, ref 1111 1111 1111 1117, 94111111111111111, 4111111111111111.5, x4111111111111111')).toEqual([]);
});

test('mixed separators or groups of one or two digits are not a card layout', () => {
  expect(cardsIn('4111-1111 1111-1111 and 41 11 11 11 11 11 11 11')).toEqual([]);
});

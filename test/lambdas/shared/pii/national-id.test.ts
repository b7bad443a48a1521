import { isValidDniOrNie } from '../../../../lambdas/shared/pii/es-dni';
import { isValidNir } from '../../../../lambdas/shared/pii/fr-nir';
import { isValidNino } from '../../../../lambdas/shared/pii/uk-nino';
import { isIssuableSsn } from '../../../../lambdas/shared/pii/us-ssn';
import { redact } from '../../../../lambdas/shared/pii';

const ids = (text: string) => redact(text, { kinds: ['national-id'] }).findings.map((f) => text.slice(f.start, f.end));

describe('US SSN', () => {
  test('an SSN with an issuable area, group and serial is found with hyphens or spaces', () => {
    expect(ids('SSN 123-45-6789 or 078 05 1120.')).toEqual(['123-45-6789', '078 05 1120']);
  });

  test.each([
    ['000', '12', '3456'],
    ['666', '12', '3456'],
    ['900', '12', '3456'],
    ['999', '12', '3456'],
    ['123', '00', '3456'],
    ['123', '45', '0000'],
  ])('area %s, group %s, serial %s was never issued', (area, group, serial) => {
    expect(isIssuableSsn(area, group, serial)).toBe(false);
    expect(ids(`SSN ${area}-${group}-${serial}`)).toEqual([]);
  });

  test('mixed separators and longer numbers are not SSNs', () => {
    expect(ids('123-45 6789, 123-45-67890, 1123-45-6789')).toEqual([]);
  });
});

describe('UK National Insurance number', () => {
  test('a NINO is found spaced or compact', () => {
    expect(ids('NI AB 12 34 56 C and CE123456D')).toEqual(['AB 12 34 56 C', 'CE123456D']);
  });

  const firstLetterNotAllowed = ['DA123456A', 'FA123456A', 'IA123456A', 'QA123456A', 'UA123456A', 'VA123456A'];
  const neverIssued = ['BG123456A', 'GB123456A', 'NK123456A', 'KN123456A', 'TN123456A', 'NT123456A', 'ZZ123456A'];
  test.each([...firstLetterNotAllowed, 'AO123456A', ...neverIssued, 'AB123456E'])(
    '%s breaks the prefix or suffix rules',
    (nino) => {
      expect(isValidNino(nino)).toBe(false);
    },
  );
});

describe('Spanish DNI and NIE', () => {
  test('the control letter is TRWAGMYFPDXBNJZSQVHLCKE[number mod 23]', () => {
    expect(isValidDniOrNie('12345678Z')).toBe(true);
    expect(isValidDniOrNie('12.345.678-Z')).toBe(true);
    expect(isValidDniOrNie('12345678A')).toBe(false);
    expect(isValidDniOrNie('X1234567L')).toBe(true); // X counts as 0
    expect(isValidDniOrNie('Y1234567X')).toBe(true); // Y counts as 1
    expect(isValidDniOrNie('X1234567A')).toBe(false);
  });

  test('DNIs and NIEs are found in text, with dots and a hyphen or compact', () => {
    expect(ids('DNI 12345678Z, NIF 12.345.678-Z, NIE X1234567L, bad 12345678A')).toEqual(['12345678Z', '12.345.678-Z', 'X1234567L']);
  });
});

describe('French NIR', () => {
  test('the key is 97 minus the first 13 digits mod 97', () => {
    expect(isValidNir('1 84 12 76 451 089 46')).toBe(true);
    expect(isValidNir('184127645108946')).toBe(true);
    expect(isValidNir('184127645108947')).toBe(false);
  });

  test('Corsican departments 2A and 2B count as 19 and 18 in the key', () => {
    const key = (digits: string) => String(97 - (Number(digits) % 97)).padStart(2, '0');
    // sex 2, born 1985-02, department 2A, commune 123, order 456
    expect(isValidNir(`285022A123456${key('2850219123456')}`)).toBe(true);
    expect(isValidNir(`185022B123456${key('1850218123456')}`)).toBe(true);
    expect(isValidNir(`185022B123456${key('1850219123456')}`)).toBe(false);
  });

  test('NIRs are found spaced or compact', () => {
    expect(ids('NIR 1 84 12 76 451 089 46 et 184127645108946.')).toEqual(['1 84 12 76 451 089 46', '184127645108946']);
  });
});

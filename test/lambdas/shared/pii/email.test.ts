import { redact } from '../../../../lambdas/shared/pii';

const emails = (text: string) => redact(text, { kinds: ['email'] }).findings.map((f) => text.slice(f.start, f.end));

test('addresses with plus-addressing, subdomains, hyphens and non-ASCII letters are found', () => {
  const text = 'a jane.doe+news@mail.example.co.uk, b o-neil@sub.my-company.example.org, c jürgen.müller@beispiel.de, d ALICE@EXAMPLE.COM.';
  expect(emails(text)).toEqual(['jane.doe+news@mail.example.co.uk', 'o-neil@sub.my-company.example.org', 'jürgen.müller@beispiel.de', 'ALICE@EXAMPLE.COM']);
});

test('an address is cut from the punctuation and markup around it', () => {
  expect(emails('<bob@example.com>, "carol@example.com"; (dan@example.com). mailto:eve@example.com key=frank@example.com')).toEqual([
    'bob@example.com',
    'carol@example.com',
    'dan@example.com',
    'eve@example.com',
    'frank@example.com',
  ]);
});

test('package versions, hosts without a dotted domain, mentions and scp remotes are not addresses', () => {
  expect(emails('lodash@4.17.21 foo@1.2.3 user@localhost @jane git@github.com:org/repo.git 3 @ $4.99 @media')).toEqual([]);
});

test('the password of a URL user info is a secret, not the start of an address', () => {
  const text = 'postgres://app:Tr0ub4dor&3@db.internal:5432/app';
  const result = redact(text);
  expect(result.findings.map((f) => [f.kind, text.slice(f.start, f.end)])).toEqual([['secret', 'Tr0ub4dor&3']]);
});

test('a local part longer than 64 characters is not an address', () => {
  expect(emails(`${'x'.repeat(65)}@example.com`)).toEqual([]);
  expect(emails(`${'x'.repeat(64)}@example.com`)).toEqual([`${'x'.repeat(64)}@example.com`]);
});

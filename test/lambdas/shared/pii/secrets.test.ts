import { redact } from '../../../../lambdas/shared/pii';

const found = (text: string) => redact(text).findings.map((f) => [f.kind, text.slice(f.start, f.end)]);
const secrets = (text: string) => redact(text, { kinds: ['secret'] }).findings.map((f) => text.slice(f.start, f.end));

const AWS_SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const GIT_SHA = '9fceb02d0ae598e95dc970b74767f19372d61af8';

test('AWS access key ids start with AKIA or ASIA and have 16 more upper-case letters or digits', () => {
  expect(found('AKIAIOSFODNN7EXAMPLE ASIAIOSFODNN7EXAMPLE AKIAIOSFODNN7EXAMPL AKIAIOSFODNN7EXAMPLEX akiaiosfodnn7example')).toEqual([
    ['aws-access-key', 'AKIAIOSFODNN7EXAMPLE'],
    ['aws-access-key', 'ASIAIOSFODNN7EXAMPLE'],
  ]);
});

test('a 40-character AWS secret access key is a secret only after a secret label', () => {
  expect(secrets(`aws_secret_access_key = ${AWS_SECRET}`)).toEqual([AWS_SECRET]);
  expect(secrets(`{"SecretAccessKey": "${AWS_SECRET}"}`)).toEqual([AWS_SECRET]);
  expect(secrets(`secret ${AWS_SECRET}`)).toEqual([AWS_SECRET]);
  expect(secrets(`checksum ${AWS_SECRET}`)).toEqual([]);
});

test('a git SHA is not a secret unless a secret label stands before it', () => {
  expect(found(`commit ${GIT_SHA} fixed it`)).toEqual([]);
  expect(secrets(`secret: ${GIT_SHA}`)).toEqual([GIT_SHA]);
});

test('PEM private key blocks are redacted whole, with real or JSON-escaped newlines', () => {
  const block = '-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA7\nabc+/=\n-----END RSA PRIVATE KEY-----';
  expect(secrets(`key:\n${block}\nnext line`)).toEqual([block]);
  const escaped = '-----BEGIN PRIVATE KEY-----\\nMIIEvQIBADANBg\\n-----END PRIVATE KEY-----';
  expect(secrets(`{"pem":"${escaped}"}`)).toEqual([`${escaped}`]);
});

test('a PEM block without its END line is redacted through its last base64 line', () => {
  const truncated = '-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIabc\nMoreBase64+/==';
  expect(secrets(`${truncated}\n\nplease help with this`)).toEqual([truncated]);
});

test('certificates and public keys are not secrets', () => {
  expect(found('-----BEGIN CERTIFICATE-----\nMIIDdzCCAl+g\n-----END CERTIFICATE-----\n-----BEGIN PUBLIC KEY-----\nMFkwEwYH\n-----END PUBLIC KEY-----')).toEqual([]);
});

test.each([
  ['GitHub classic token', `ghp_${'a1B2'.repeat(9)}`],
  ['GitHub fine-grained token', `github_pat_11ABCDEFG0123456789_${'x'.repeat(59)}`],
  ['Slack bot token', 'xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx'],
  ['Slack user token', 'xoxp-12345678901-123456789012-1234567890123-0123456789abcdef0123456789abcdef'],
  ['JWT', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk'],
  ['Stripe live key', `sk_live_${'4eC39HqLyjWDarjtT1zdp7dc'}`],
  ['Stripe restricted key', 'rk_test_51H8abcdefghijklmnopqrstu'],
  ['Google API key', `AIza${'SyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY'}`],
])('a %s is a secret', (_name, token) => {
  expect(found(`token in text ${token} end`)).toEqual([['secret', token]]);
});

test('password, secret, API key and token assignments redact the value only', () => {
  expect(redact('DB_PASSWORD=S3cure!Passw0rd').text).toBe('DB_PASSWORD=[REDACTED:secret]');
  expect(redact('{"password": "correct horse battery staple"}').text).toBe('{"password": "[REDACTED:secret]"}');
  expect(redact("api_key: 'abcd1234efgh'").text).toBe("api_key: '[REDACTED:secret]'");
  expect(redact('Passwort: Sommer2024!').text).toBe('Passwort: [REDACTED:secret]');
  expect(redact('mot de passe : Chat-Noir-77').text).toBe('mot de passe : [REDACTED:secret]');
  expect(redact('PGPASSWORD=pg-Secret-99 psql').text).toBe('PGPASSWORD=[REDACTED:secret] psql');
  expect(redact('Authorization: Basic dXNlcjpwYXNzd29yZA==').text).toBe('Authorization: Basic [REDACTED:secret]');
  expect(redact('Authorization: Bearer abcdefghijklmnop1234').text).toBe('Authorization: Bearer [REDACTED:secret]');
});

test('placeholders, code references and prose after a secret word are not secrets', () => {
  const text = [
    'password: ${DB_PASSWORD}',
    'API_KEY=<your-api-key>',
    '{"password":"********","token":null}',
    'password = get_password()',
    'const token = process.env.API_TOKEN;',
    'Reset password: click the link',
    'max_tokens=4096, token_count: 1500',
    'password_hash = sha256(x)',
    'Bearer tokens are described in RFC 6750',
  ].join('\n');
  expect(found(text)).toEqual([]);
});

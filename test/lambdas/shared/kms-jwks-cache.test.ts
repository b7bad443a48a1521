import { GetPublicKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { JwtWithoutValidKidError, KidNotFoundInJwksError } from 'aws-jwt-verify/error';
import { mockClient } from 'aws-sdk-client-mock';
import { KmsJwksCache } from '../../../lambdas/shared/kms-jwks-cache';
import { publicKeyResponse } from '../support/aws';
import { SIGNING_KEY_ARN, SIGNING_KEY_ID } from '../support/fixtures';
import { ecKey } from '../support/tokens';

const kms = mockClient(KMSClient);
const signingKey = ecKey(SIGNING_KEY_ID);
const JWKS_URI = 'https://microplane.dev.invalid/.well-known/jwks.json';
const jwt = (kid: unknown) => ({ header: { kid } });
let clock: number;
let cache: KmsJwksCache;

beforeEach(() => {
  kms.reset();
  kms.on(GetPublicKeyCommand).resolves(publicKeyResponse(signingKey));
  clock = Date.parse('2025-03-10T12:00:00Z');
  cache = new KmsJwksCache(new KMSClient({ region: 'eu-west-1' }), SIGNING_KEY_ARN, { now: () => clock });
});

const kmsReads = (): number => kms.commandCalls(GetPublicKeyCommand).length;

test('serves the KMS signing key as the JWK of its key id', async () => {
  const { x, y } = signingKey.publicKey.export({ format: 'jwk' });
  await expect(cache.getJwk(JWKS_URI, jwt(SIGNING_KEY_ID))).resolves.toEqual({
    kty: 'EC', crv: 'P-256', x, y, kid: SIGNING_KEY_ID, alg: 'ES256', use: 'sig',
  });
});

test('reads KMS once for many lookups', async () => {
  for (let i = 0; i < 5; i += 1) await cache.getJwk(JWKS_URI, jwt(SIGNING_KEY_ID));
  expect(kmsReads()).toBe(1);
});

test('concurrent first lookups share one KMS read', async () => {
  await Promise.all([1, 2, 3].map(() => cache.getJwk(JWKS_URI, jwt(SIGNING_KEY_ID))));
  expect(kmsReads()).toBe(1);
});

test('an unknown kid within five minutes of the last read is refused without reading KMS', async () => {
  // GIVEN
  await cache.getJwk(JWKS_URI, jwt(SIGNING_KEY_ID));
  clock += 299_000;
  // WHEN / THEN
  await expect(cache.getJwk(JWKS_URI, jwt('unknown-kid'))).rejects.toBeInstanceOf(KidNotFoundInJwksError);
  expect(kmsReads()).toBe(1);
});

test('an unknown kid five minutes after the last read re-reads KMS once', async () => {
  // GIVEN
  await cache.getJwk(JWKS_URI, jwt(SIGNING_KEY_ID));
  clock += 300_000;
  // WHEN
  await expect(cache.getJwk(JWKS_URI, jwt('unknown-kid'))).rejects.toBeInstanceOf(KidNotFoundInJwksError);
  await expect(cache.getJwk(JWKS_URI, jwt('another-unknown-kid'))).rejects.toBeInstanceOf(KidNotFoundInJwksError);
  // THEN
  expect(kmsReads()).toBe(2);
});

test('a failed first read is retried on the next lookup', async () => {
  kms.on(GetPublicKeyCommand).rejectsOnce(new Error('ThrottlingException')).resolves(publicKeyResponse(signingKey));
  await expect(cache.getJwk(JWKS_URI, jwt(SIGNING_KEY_ID))).rejects.toThrow('ThrottlingException');
  await expect(cache.getJwk(JWKS_URI, jwt(SIGNING_KEY_ID))).resolves.toMatchObject({ kid: SIGNING_KEY_ID });
});

test('a token without kid is refused without reading KMS', async () => {
  await expect(cache.getJwk(JWKS_URI, jwt(undefined))).rejects.toBeInstanceOf(JwtWithoutValidKidError);
  expect(kmsReads()).toBe(0);
});

test('the synchronous lookup serves only what is already loaded', async () => {
  expect(() => cache.getCachedJwk(JWKS_URI, jwt(SIGNING_KEY_ID))).toThrow('not loaded');
  await cache.getJwks(JWKS_URI);
  expect(cache.getCachedJwk(JWKS_URI, jwt(SIGNING_KEY_ID))).toMatchObject({ kid: SIGNING_KEY_ID });
});

import { randomBytes } from 'node:crypto';
import { DataKeyCache } from '../../../lambdas/shared/vectors/data-key-cache';
import { chunkAad, open, seal, type DataKey } from '../../../lambdas/shared/vectors/envelope';

const key = randomBytes(32);

describe('AES-256-GCM sealing', () => {
  test('opens what it sealed, and the sealed form shows nothing of the text', () => {
    const sealed = seal(key, 'Hello Jane', chunkAad('acme', 'doc-1', 0));
    expect(Buffer.from(sealed, 'base64').toString('latin1')).not.toContain('Hello');
    expect(open(key, sealed, chunkAad('acme', 'doc-1', 0)).toString()).toBe('Hello Jane');
  });

  test('refuses another tenant, document or chunk, and any change to the ciphertext', () => {
    const sealed = seal(key, 'Hello Jane', chunkAad('acme', 'doc-1', 0));
    expect(() => open(key, sealed, chunkAad('globex', 'doc-1', 0))).toThrow();
    expect(() => open(key, sealed, chunkAad('acme', 'doc-2', 0))).toThrow();
    expect(() => open(key, sealed, chunkAad('acme', 'doc-1', 1))).toThrow();
    const bytes = Buffer.from(sealed, 'base64');
    bytes[20] ^= 1;
    expect(() => open(key, bytes.toString('base64'), chunkAad('acme', 'doc-1', 0))).toThrow();
    expect(() => open(randomBytes(32), sealed, chunkAad('acme', 'doc-1', 0))).toThrow();
  });

  test('never repeats an IV', () => {
    expect(seal(key, 'same', 'aad')).not.toBe(seal(key, 'same', 'aad'));
  });
});

describe('the data key cache', () => {
  let clock = 0;
  let generated = 0;
  const generate = async (): Promise<DataKey> => ({ plaintext: randomBytes(32), encrypted: `key-${++generated}` });
  const cache = () => new DataKeyCache({ maxAgeMs: 300_000, maxMessages: 1000, now: () => clock });

  beforeEach(() => {
    clock = 0;
    generated = 0;
  });

  test('reuses a key within five minutes and 1000 messages', async () => {
    const keys = cache();
    const first = await keys.acquire('acme', 400, generate);
    expect(await keys.acquire('acme', 600, generate)).toBe(first);
    expect((await keys.acquire('acme', 1, generate)).encrypted).toBe('key-2');
  });

  test('renews a key after five minutes', async () => {
    const keys = cache();
    await keys.acquire('acme', 1, generate);
    clock = 300_000;
    expect((await keys.acquire('acme', 1, generate)).encrypted).toBe('key-2');
  });

  test('never shares a key between partitions (tenant keys)', async () => {
    const keys = cache();
    const acme = await keys.acquire('acme', 1, generate);
    expect(await keys.acquire('globex', 1, generate)).not.toBe(acme);
  });

  test('a batch above the message limit gets a key of its own, not cached', async () => {
    const keys = cache();
    await keys.acquire('acme', 1001, generate);
    await keys.acquire('acme', 1, generate);
    expect(generated).toBe(2);
  });
});

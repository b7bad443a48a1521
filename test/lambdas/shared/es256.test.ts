import { generateKeyPairSync, sign, verify } from 'node:crypto';
import { derToJose } from '../../../lambdas/shared/es256';

const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });

/** DER `SEQUENCE { INTEGER r, INTEGER s }` from raw integer bytes (already with any DER sign byte). */
function der(r: number[], s: number[]): Buffer {
  const integer = (bytes: number[]) => [0x02, bytes.length, ...bytes];
  const body = [...integer(r), ...integer(s)];
  return Buffer.from([0x30, body.length, ...body]);
}

test('a DER signature from KMS becomes a 64-byte R||S signature that verifies', () => {
  for (let i = 0; i < 50; i += 1) {
    // GIVEN a DER signature, as KMS and node:crypto produce by default
    const message = Buffer.from(`message ${i}`);
    const signature = sign('sha256', message, privateKey);
    // WHEN
    const jose = derToJose(signature);
    // THEN
    expect(jose).toHaveLength(64);
    expect(verify('sha256', message, { key: publicKey, dsaEncoding: 'ieee-p1363' }, jose)).toBe(true);
  }
});

test('the sign byte DER adds to a high integer is dropped', () => {
  const r = [0x00, 0x80, ...Array(31).fill(0x11)];
  const s = [0x7f, ...Array(31).fill(0x22)];
  expect(derToJose(der(r, s))).toEqual(Buffer.from([0x80, ...Array(31).fill(0x11), 0x7f, ...Array(31).fill(0x22)]));
});

test('a short integer is left-padded with zeros to 32 bytes', () => {
  const r = Array(30).fill(0x33);
  const s = [0x01];
  expect(derToJose(der(r, s))).toEqual(Buffer.from([0, 0, ...Array(30).fill(0x33), ...Array(31).fill(0), 0x01]));
});

test('a DER signature with trailing bytes is refused', () => {
  expect(() => derToJose(Buffer.concat([der([1], [2]), Buffer.from([0])]))).toThrow('Malformed DER signature');
});

test('a truncated DER signature is refused', () => {
  expect(() => derToJose(der([1], [2]).subarray(0, 6))).toThrow('Malformed DER signature');
});

test('an integer longer than the curve allows is refused', () => {
  expect(() => derToJose(der(Array(33).fill(0x44), [1]))).toThrow('Malformed DER signature');
});

test('bytes that are not a DER sequence are refused', () => {
  expect(() => derToJose(Buffer.alloc(64, 1))).toThrow('Malformed DER signature');
});

import { test, describe, mock } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fc from 'fast-check';
import {
  API_KEY_PREFIX,
  KEY_ID_LENGTH,
  KEY_SECRET_LENGTH,
  hashApiKeySecret,
  mintApiKey,
  parseApiKey,
  randomBase62,
  verifyApiKeySecret,
} from '../../src/auth/api-keys.js';

describe('API key format', () => {
  test('a minted key is ragd_ + 12 id + 32 secret base62 characters and parses back', () => {
    const k = mintApiKey();
    assert.match(k.plaintext, /^ragd_[0-9A-Za-z]{44}$/);
    const parsed = parseApiKey(k.plaintext);
    assert.ok(parsed);
    assert.equal(parsed.id, k.id);
    assert.equal(parsed.id.length, KEY_ID_LENGTH);
    assert.equal(parsed.secret.length, KEY_SECRET_LENGTH);
    assert.equal(k.plaintext, API_KEY_PREFIX + parsed.id + parsed.secret);
  });

  test('malformed keys do not parse', () => {
    for (const bad of ['', 'ragd_', 'ragd_short', `ragd_${'a'.repeat(43)}`, `ragd_${'a'.repeat(45)}`, `xagd_${'a'.repeat(44)}`, `ragd_${'a'.repeat(43)}!`]) {
      assert.equal(parseApiKey(bad), undefined, bad);
    }
  });

  test('the stored hash is never the plaintext, nor any part of it', () => {
    const k = mintApiKey();
    const hex = k.hash.toString('hex');
    const b64 = k.hash.toString('base64');
    const secret = parseApiKey(k.plaintext)!.secret;
    for (const form of [hex, b64, k.hash.toString('utf8')]) {
      assert.notEqual(form, k.plaintext);
      assert.ok(!form.includes(secret));
    }
  });

  test('verification accepts the secret and rejects any other', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 40 }), (other) => {
        const k = mintApiKey();
        const { id, secret } = parseApiKey(k.plaintext)!;
        assert.ok(verifyApiKeySecret(id, secret, k.salt, k.hash));
        if (other !== secret) assert.ok(!verifyApiKeySecret(id, other, k.salt, k.hash));
      }),
      { numRuns: 200 },
    );
  });

  test('per-key salts: the same secret hashes differently under two salts', () => {
    const a = hashApiKeySecret('id', 'secret', Buffer.alloc(16, 1));
    const b = hashApiKeySecret('id', 'secret', Buffer.alloc(16, 2));
    assert.notDeepEqual(a, b);
  });

  test('verification compares in constant time (crypto.timingSafeEqual)', () => {
    const spy = mock.method(crypto, 'timingSafeEqual');
    try {
      const k = mintApiKey();
      const { id, secret } = parseApiKey(k.plaintext)!;
      verifyApiKeySecret(id, secret, k.salt, k.hash);
      verifyApiKeySecret(id, secret.replace(/.$/, (c) => (c === 'a' ? 'b' : 'a')), k.salt, k.hash);
      assert.equal(spy.mock.callCount(), 2);
    } finally {
      spy.mock.restore();
    }
  });

  test('randomness is injectable and base62 output stays in the alphabet', () => {
    let n = 0;
    const counter = (size: number) => Uint8Array.from({ length: size }, () => n++ % 256);
    const a = randomBase62(64, counter);
    assert.match(a, /^[0-9A-Za-z]{64}$/);
    n = 0;
    assert.equal(randomBase62(64, counter), a);
    // Bytes >= 248 are rejected (no modulo bias): an all-255 prefix is skipped.
    let calls = 0;
    const skewed = (size: number) => (calls++ === 0 ? new Uint8Array(size).fill(255) : new Uint8Array(size).fill(1));
    assert.equal(randomBase62(4, skewed), '1111');
  });
});

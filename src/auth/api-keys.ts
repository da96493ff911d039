/**
 * The API key format and its hashing. A key is `ragd_<id><secret>`: `id` is 12 base62 characters
 * (~71 bits) that are not secret and find the row in one indexed lookup; `secret` is 32 base62
 * characters (~190 bits) that are stored only as a salted hash.
 *
 * Why HMAC-SHA256 with a per-key salt and not scrypt: scrypt and friends exist to slow down
 * guessing of low-entropy passwords. A 190-bit random secret cannot be guessed at any hash speed,
 * so a slow KDF adds no security, while costing ~50 ms of CPU on every cache miss, which would hand
 * attackers a cheap CPU-exhaustion lever. HMAC-SHA256 costs ~1 us. The 16-byte per-key salt keys
 * the HMAC, so identical secrets never share a hash and nothing can be precomputed across rows.
 */
import crypto from 'node:crypto';
import { digestsEqual } from './constant-time.js';

export const API_KEY_PREFIX = 'ragd_';
/** Base62 characters of the public key id. 12 (~71 bits) makes an id collision practically impossible. */
export const KEY_ID_LENGTH = 12;
/** Base62 characters of the secret part. 32 (~190 bits) is beyond brute force for any hash speed. */
export const KEY_SECRET_LENGTH = 32;
/** Bytes of random salt per key. */
export const KEY_SALT_BYTES = 16;

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const KEY_PATTERN = new RegExp(`^${API_KEY_PREFIX}([0-9A-Za-z]{${KEY_ID_LENGTH}})([0-9A-Za-z]{${KEY_SECRET_LENGTH}})$`);

/** Source of random bytes; defaults to `crypto.randomBytes`. Injectable for deterministic tests. */
export type RandomBytes = (size: number) => Uint8Array;

export interface MintedApiKey {
  /** The full key: shown to its owner once, never stored. */
  plaintext: string;
  id: string;
  salt: Buffer;
  hash: Buffer;
}

export interface ParsedApiKey {
  id: string;
  secret: string;
}

/** Uniform base62 string: bytes >= 248 are rejected so `% 62` has no modulo bias. */
export function randomBase62(length: number, random: RandomBytes = crypto.randomBytes): string {
  let out = '';
  while (out.length < length) {
    for (const byte of random(length * 2)) {
      if (byte < 248) out += BASE62[byte % 62];
      if (out.length === length) break;
    }
  }
  return out;
}

/** HMAC-SHA256 keyed by the row's salt over `id:secret`, binding the hash to its row. */
export function hashApiKeySecret(id: string, secret: string, salt: Uint8Array): Buffer {
  return crypto.createHmac('sha256', salt).update(`${id}:${secret}`).digest();
}

/** Constant-time check of a presented secret against a stored hash. */
export function verifyApiKeySecret(id: string, secret: string, salt: Uint8Array, hash: Uint8Array): boolean {
  return digestsEqual(hashApiKeySecret(id, secret, salt), hash);
}

/** A fresh key with its id, salt and hash. */
export function mintApiKey(random: RandomBytes = crypto.randomBytes): MintedApiKey {
  const id = randomBase62(KEY_ID_LENGTH, random);
  const secret = randomBase62(KEY_SECRET_LENGTH, random);
  const salt = Buffer.from(random(KEY_SALT_BYTES));
  return { plaintext: `${API_KEY_PREFIX}${id}${secret}`, id, salt, hash: hashApiKeySecret(id, secret, salt) };
}

/** Splits a presented key; `undefined` when it is not in the `ragd_` format. */
export function parseApiKey(text: string): ParsedApiKey | undefined {
  const m = KEY_PATTERN.exec(text);
  return m ? { id: m[1] as string, secret: m[2] as string } : undefined;
}

export function looksLikeApiKey(text: string): boolean {
  return text.startsWith(API_KEY_PREFIX);
}

/**
 * Constant-time comparison of secrets. Both sides are hashed with SHA-256 first, so the two
 * buffers handed to `timingSafeEqual` always have the same length and neither the length nor a
 * matching prefix of the secret leaks through timing.
 */
import crypto from 'node:crypto';

/** True when `a` and `b` are byte-for-byte equal; takes the same time for any inputs of a given length. */
export function constantTimeEqual(a: string | Uint8Array, b: string | Uint8Array): boolean {
  const da = crypto.createHash('sha256').update(a).digest();
  const db = crypto.createHash('sha256').update(b).digest();
  // Called through the module object (not a named import) so tests can spy on it.
  return crypto.timingSafeEqual(da, db);
}

/** Constant-time equality of two digests that are already of equal, public length (e.g. HMAC outputs). */
export function digestsEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}

/**
 * Constant-time equality of two digests held as binary strings (one char per byte, e.g.
 * `crypto.hash(..., 'binary')`). Hand-written rather than `timingSafeEqual` because that needs two
 * Buffers, and allocating them per request costs more than the hash on the cached API-key path.
 * Every char is visited and the differences OR-ed together, so the time does not depend on where
 * the strings differ; the length is public (a digest's fixed size).
 */
export function digestStringsEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

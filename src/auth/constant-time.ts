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

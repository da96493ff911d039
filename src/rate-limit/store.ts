/**
 * The contract of a rate-limit state store: apply one GCRA step to a key atomically and return the
 * decision. Each store uses its own clock (the memory store an injected one, Redis its server
 * `TIME`), so replicas sharing Redis share one clock. A store that decides in memory returns the
 * decision itself, so the request path makes no promise for it; a remote store returns a promise.
 * Fallback, metrics and headers are deliberately not part of this contract; RateLimiter layers them on top.
 */
import type { GcraDecision, GcraParams } from './gcra.js';

export interface RateLimitStore {
  /** `memory` or `redis`, for logs. */
  readonly kind: string;
  /**
   * Applies one GCRA step to `key`: the decision, or a promise of it. Throws or rejects when the
   * backend is unreachable or slow.
   */
  consume(key: string, params: GcraParams): GcraDecision | Promise<GcraDecision>;
}

/** True for a promise (or any thenable): the cheap test that tells a remote store's answer from a local one. */
export function isPromiseLike<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}

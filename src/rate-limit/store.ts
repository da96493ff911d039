/**
 * The contract of a rate-limit state store: apply one GCRA step to a key atomically and return the
 * decision. Each store uses its own clock (the memory store an injected one, Redis its server
 * `TIME`), so replicas sharing Redis share one clock. Fallback, metrics and headers are deliberately
 * not part of this contract; RateLimiter layers them on top.
 */
import type { GcraDecision, GcraParams } from './gcra.js';

export interface RateLimitStore {
  /** `memory` or `redis`, for logs. */
  readonly kind: string;
  /** Applies one GCRA step to `key`. Rejects when the backend is unreachable or slow. */
  consume(key: string, params: GcraParams): Promise<GcraDecision>;
}

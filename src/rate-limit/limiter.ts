/**
 * RateLimiter: GCRA checks against a primary store (Redis or memory) with a local fallback. When
 * the primary fails or times out, decisions come from an in-process MemoryRateLimitStore instead of
 * failing the request: limits then hold per replica rather than in total, which beats both failing
 * open without limits and failing every request. The outage is reported once (`onOutage`), every
 * fallback decision is counted (`onFallback`, for `rate_limit_fallback_total`), and the primary is
 * probed again after `retryPrimaryAfterMs` so the limiter recovers on its own (`onRecover`).
 */
import { intervalFor, MICROS_PER_SECOND, type GcraDecision } from './gcra.js';
import { MemoryRateLimitStore } from './memory-store.js';
import type { RateLimitStore } from './store.js';

/** How long to stay on the fallback before probing the primary again: 1 s, so at most one slow probe per second. */
export const DEFAULT_RETRY_PRIMARY_AFTER_MS = 1_000;

export interface RateLimitRule {
  /** Sustained rate. */
  ratePerMinute: number;
  /** Units admitted at once after a quiet period. Defaults to `ratePerMinute` (a full minute's worth). */
  burst?: number;
}

export interface CheckOptions extends RateLimitRule {
  /** Units this request costs. Defaults to 1; negative refunds. */
  cost?: number;
  /** Charge a positive cost even when over the limit (settling usage that already happened). */
  force?: boolean;
}

export interface RateLimitResult {
  allowed: boolean;
  /** The burst: most units admitted at once. */
  limit: number;
  remaining: number;
  /** Seconds until back to full capacity (rounded up). */
  resetSeconds: number;
  /** Seconds to wait before retrying (rounded up, at least 1); 0 when allowed. */
  retryAfterSeconds: number;
  /** Seconds over which `limit` units are replenished (`limit / ratePerMinute` minutes). */
  windowSeconds: number;
  /** True when the decision came from the local fallback. */
  fallback: boolean;
}

export interface RateLimiterOptions {
  store: RateLimitStore;
  /** Used while `store` fails. Defaults to a new MemoryRateLimitStore unless `store` is itself in memory. */
  fallback?: RateLimitStore | undefined;
  /** Clock, epoch ms. Defaults to `Date.now`. */
  now?: () => number;
  /** Defaults to {@link DEFAULT_RETRY_PRIMARY_AFTER_MS}. */
  retryPrimaryAfterMs?: number;
  /** Once per fallback decision. */
  onFallback?: () => void;
  /** Once when the primary starts failing. */
  onOutage?: (err: unknown) => void;
  /** Once when the primary answers again. */
  onRecover?: () => void;
}

export class RateLimiter {
  private readonly store: RateLimitStore;
  private readonly fallback: RateLimitStore | undefined;
  private readonly now: () => number;
  private readonly retryAfterMs: number;
  private readonly hooks: Pick<RateLimiterOptions, 'onFallback' | 'onOutage' | 'onRecover'>;
  /** Epoch ms until which the primary is skipped; undefined while it is healthy. */
  private outageUntil: number | undefined;

  constructor(options: RateLimiterOptions) {
    this.store = options.store;
    this.now = options.now ?? Date.now;
    this.fallback = options.fallback ?? (options.store.kind === 'memory' ? undefined : new MemoryRateLimitStore({ now: this.now }));
    this.retryAfterMs = options.retryPrimaryAfterMs ?? DEFAULT_RETRY_PRIMARY_AFTER_MS;
    this.hooks = { onFallback: options.onFallback, onOutage: options.onOutage, onRecover: options.onRecover };
  }

  /** True while decisions come from the fallback. */
  get degraded(): boolean {
    return this.outageUntil !== undefined;
  }

  /**
   * One decision for `key`.
   * @example
   * const r = await limiter.check(`query:key:${id}`, { ratePerMinute: 100 });
   * if (!r.allowed) throw new RagdError('RAGD_ERR_RATE_LIMITED', undefined, { retryAfterSeconds: r.retryAfterSeconds });
   */
  async check(key: string, options: CheckOptions): Promise<RateLimitResult> {
    const burst = Math.max(1, Math.floor(options.burst ?? options.ratePerMinute));
    const intervalUs = intervalFor(options.ratePerMinute);
    const params = { intervalUs, burst, cost: options.cost ?? 1, force: options.force ?? false };
    let decision: GcraDecision;
    let fallback = false;
    if (this.fallback && this.outageUntil !== undefined && this.now() < this.outageUntil) {
      decision = await this.fallback.consume(key, params);
      fallback = true;
    } else {
      try {
        decision = await this.store.consume(key, params);
        if (this.outageUntil !== undefined) {
          this.outageUntil = undefined;
          this.hooks.onRecover?.();
        }
      } catch (err) {
        if (!this.fallback) throw err;
        if (this.outageUntil === undefined) this.hooks.onOutage?.(err);
        this.outageUntil = this.now() + this.retryAfterMs;
        decision = await this.fallback.consume(key, params);
        fallback = true;
      }
    }
    if (fallback) this.hooks.onFallback?.();
    return {
      allowed: decision.allowed,
      limit: burst,
      remaining: decision.remaining,
      resetSeconds: Math.ceil(decision.resetUs / MICROS_PER_SECOND),
      retryAfterSeconds: decision.allowed ? 0 : Math.max(1, Math.ceil(decision.retryAfterUs / MICROS_PER_SECOND)),
      windowSeconds: Math.max(1, Math.round((burst * intervalUs) / MICROS_PER_SECOND)),
      fallback,
    };
  }
}

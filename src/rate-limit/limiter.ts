/**
 * RateLimiter: GCRA checks against a primary store (Redis or memory) with a local fallback. When
 * the primary fails or times out, decisions come from an in-process MemoryRateLimitStore instead of
 * failing the request: limits then hold per replica rather than in total, which beats both failing
 * open without limits and failing every request. The outage is reported once (`onOutage`), every
 * fallback decision is counted (`onFallback`, for `rate_limit_fallback_total`), and the primary is
 * probed again after `retryPrimaryAfterMs` so the limiter recovers on its own (`onRecover`).
 */
import { intervalFor, MICROS_PER_SECOND, type GcraDecision, type GcraParams } from './gcra.js';
import { MemoryRateLimitStore } from './memory-store.js';
import { isPromiseLike, type RateLimitStore } from './store.js';

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
   * One decision for `key`, as a promise (for callers that await anyway, e.g. the token budget).
   * @example
   * const r = await limiter.check(`query:key:${id}`, { ratePerMinute: 100 });
   * if (!r.allowed) throw new RagdError('RAGD_ERR_RATE_LIMITED', undefined, { retryAfterSeconds: r.retryAfterSeconds });
   */
  async check(key: string, options: CheckOptions): Promise<RateLimitResult> {
    return this.decide(key, options);
  }

  /**
   * One decision for `key`: the result itself when the deciding store is synchronous (the memory
   * store, alone or as the fallback during an outage), a promise when it is remote. The request
   * path uses this so a memory-backed limit costs no promise; test the answer with `isPromiseLike`.
   */
  decide(key: string, options: CheckOptions): RateLimitResult | Promise<RateLimitResult> {
    const burst = Math.max(1, Math.floor(options.burst ?? options.ratePerMinute));
    const params: GcraParams = { intervalUs: intervalFor(options.ratePerMinute), burst, cost: options.cost ?? 1, force: options.force ?? false };
    if (this.fallback && this.outageUntil !== undefined && this.now() < this.outageUntil) return this.fromFallback(key, params);
    let answer: GcraDecision | Promise<GcraDecision>;
    try {
      answer = this.store.consume(key, params);
    } catch (err) {
      return this.primaryFailed(err, key, params);
    }
    if (isPromiseLike(answer)) {
      return answer.then(
        (decision) => this.fromPrimary(decision, params),
        (err: unknown) => this.primaryFailed(err, key, params),
      );
    }
    return this.fromPrimary(answer, params);
  }

  private fromPrimary(decision: GcraDecision, params: GcraParams): RateLimitResult {
    if (this.outageUntil !== undefined) {
      this.outageUntil = undefined;
      this.hooks.onRecover?.();
    }
    return toResult(decision, params, false);
  }

  private primaryFailed(err: unknown, key: string, params: GcraParams): RateLimitResult | Promise<RateLimitResult> {
    if (!this.fallback) throw err;
    if (this.outageUntil === undefined) this.hooks.onOutage?.(err);
    this.outageUntil = this.now() + this.retryAfterMs;
    return this.fromFallback(key, params);
  }

  private fromFallback(key: string, params: GcraParams): RateLimitResult | Promise<RateLimitResult> {
    const answer = (this.fallback as RateLimitStore).consume(key, params);
    const settle = (decision: GcraDecision): RateLimitResult => {
      this.hooks.onFallback?.();
      return toResult(decision, params, true);
    };
    return isPromiseLike(answer) ? answer.then(settle) : settle(answer);
  }
}

function toResult(decision: GcraDecision, params: GcraParams, fallback: boolean): RateLimitResult {
  return {
    allowed: decision.allowed,
    limit: params.burst,
    remaining: decision.remaining,
    resetSeconds: Math.ceil(decision.resetUs / MICROS_PER_SECOND),
    retryAfterSeconds: decision.allowed ? 0 : Math.max(1, Math.ceil(decision.retryAfterUs / MICROS_PER_SECOND)),
    windowSeconds: Math.max(1, Math.round((params.burst * params.intervalUs) / MICROS_PER_SECOND)),
    fallback,
  };
}

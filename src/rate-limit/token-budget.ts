/**
 * Cost-based limits for generation: a budget of model tokens per minute per caller, on the same
 * GCRA limiter as request limits. Before the model call a reservation charges the estimated tokens
 * (and is refused with 429 when the budget cannot cover it); afterwards `settle` charges or refunds
 * the difference to the actual count, so the budget tracks real usage. A settle charge is forced:
 * tokens already generated are owed even if that drives the budget negative, which then delays the
 * caller's next reservation. For streams, `track` counts tokens as chunks pass and settles when the
 * stream ends, fails or is abandoned.
 */
import { RagdError } from '../errors/ragd-error.js';
import type { RateLimiter, RateLimitResult } from './limiter.js';

export interface TokenBudgetOptions {
  limiter: RateLimiter;
  /** Sustained tokens per minute per key. */
  tokensPerMinute: number;
  /** Most tokens one caller may spend at once. Defaults to `tokensPerMinute`. */
  burst?: number;
  /** Told when a settle could not be recorded (the limiter had no fallback and its store failed). */
  onSettleError?: (err: unknown) => void;
}

export class TokenReservation {
  /** Tokens charged up front (the estimate, capped at the burst). */
  readonly reserved: number;
  /** The limiter's decision for the reservation, e.g. for `RateLimit` headers of a `tokens` policy. */
  readonly result: RateLimitResult;
  private settledWith: number | undefined;

  constructor(
    private readonly budget: TokenBudget,
    private readonly key: string,
    reserved: number,
    result: RateLimitResult,
  ) {
    this.reserved = reserved;
    this.result = result;
  }

  /** The actual count once settled. */
  get settled(): number | undefined {
    return this.settledWith;
  }

  /** Charges (actual > reserved) or refunds (actual < reserved) the difference. Idempotent; never rejects. */
  async settle(actualTokens: number): Promise<void> {
    if (this.settledWith !== undefined) return;
    const actual = Math.max(0, Math.round(actualTokens));
    this.settledWith = actual;
    await this.budget.adjust(this.key, actual - this.reserved);
  }

  /**
   * Passes `stream` through, counting `tokensOf(chunk)`, and settles with the count when the stream
   * completes, throws, or the consumer stops early.
   */
  async *track<T>(stream: AsyncIterable<T>, tokensOf: (chunk: T) => number): AsyncGenerator<T> {
    let used = 0;
    try {
      for await (const chunk of stream) {
        used += Math.max(0, tokensOf(chunk));
        yield chunk;
      }
    } finally {
      await this.settle(used);
    }
  }
}

export class TokenBudget {
  private readonly limiter: RateLimiter;
  private readonly rule: { ratePerMinute: number; burst: number };
  private readonly onSettleError: (err: unknown) => void;

  constructor(options: TokenBudgetOptions) {
    this.limiter = options.limiter;
    this.rule = { ratePerMinute: options.tokensPerMinute, burst: Math.max(1, Math.floor(options.burst ?? options.tokensPerMinute)) };
    this.onSettleError = options.onSettleError ?? (() => {});
  }

  /**
   * Charges `estimatedTokens` (capped at the burst, so one large request can still run when the
   * budget is full; settle charges the rest) to `key`, e.g. `tokens:key:<id>`.
   * @throws RAGD_ERR_RATE_LIMITED with retryAfterSeconds when the budget cannot cover it now.
   */
  async reserve(key: string, estimatedTokens: number): Promise<TokenReservation> {
    const reserved = Math.min(this.rule.burst, Math.max(0, Math.round(estimatedTokens)));
    const result = await this.limiter.check(key, { ...this.rule, cost: reserved });
    if (!result.allowed) {
      throw new RagdError('RAGD_ERR_RATE_LIMITED', 'token budget exceeded; retry later', {
        retryAfterSeconds: result.retryAfterSeconds,
        details: { limit: 'tokens', tokensPerMinute: this.rule.ratePerMinute },
      });
    }
    return new TokenReservation(this, key, reserved, result);
  }

  /** @internal Applies a settle difference; positive charges are forced. */
  async adjust(key: string, delta: number): Promise<void> {
    if (delta === 0) return;
    try {
      await this.limiter.check(key, { ...this.rule, cost: delta, force: delta > 0 });
    } catch (err) {
      this.onSettleError(err);
    }
  }
}

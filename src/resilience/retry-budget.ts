/**
 * Retry budget, after Finagle's `RetryBudget`: over a sliding window, retries may be at most
 * `ratio` of calls plus a small per-second allowance, so that when a dependency fails hard, retries
 * add at most ~20% load instead of multiplying it by the attempt count.
 *
 * Hand-written: cockatiel has no retry budget. The window is a ring of one-second buckets
 * read with the injected clock.
 */
import { RagdError } from '../errors/ragd-error.js';
import {
  DEFAULT_RETRY_BUDGET_MIN_PER_SECOND,
  DEFAULT_RETRY_BUDGET_RATIO,
  DEFAULT_RETRY_BUDGET_WINDOW_MS,
} from './defaults.js';

export interface RetryBudgetOptions {
  /** Retries earned per call in the window (0.2 = retries add at most 20% load). Defaults to 0.2. */
  ratio: number;
  /** Sliding window length, in ms (whole seconds). Defaults to 10 s. */
  windowMs: number;
  /** Retries allowed per second of window regardless of traffic. Defaults to 10. */
  minRetriesPerSecond: number;
}

export const DEFAULT_RETRY_BUDGET: RetryBudgetOptions = {
  ratio: DEFAULT_RETRY_BUDGET_RATIO,
  windowMs: DEFAULT_RETRY_BUDGET_WINDOW_MS,
  minRetriesPerSecond: DEFAULT_RETRY_BUDGET_MIN_PER_SECOND,
};

export interface RetryBudgetSnapshot {
  calls: number;
  retries: number;
  /** Retries that could be spent right now. */
  available: number;
  /** Retries refused because the budget was spent, since creation. */
  exhausted: number;
}

const BUCKET_MS = 1_000;

export class RetryBudget {
  private readonly slots: number;
  private readonly epochs: number[];
  private readonly calls: number[];
  private readonly retries: number[];
  private exhausted = 0;

  constructor(
    private readonly options: RetryBudgetOptions = DEFAULT_RETRY_BUDGET,
    private readonly now: () => number = Date.now,
  ) {
    if (!(options.ratio >= 0) || !(options.minRetriesPerSecond >= 0) || !(options.windowMs >= BUCKET_MS)) {
      throw new RagdError('RAGD_ERR_CONFIG', 'Retry budget needs ratio >= 0, minRetriesPerSecond >= 0, windowMs >= 1000');
    }
    this.slots = Math.ceil(options.windowMs / BUCKET_MS);
    this.epochs = new Array<number>(this.slots).fill(-1);
    this.calls = new Array<number>(this.slots).fill(0);
    this.retries = new Array<number>(this.slots).fill(0);
  }

  /** Records one call (a first attempt): each call earns `ratio` of a retry. */
  recordCall(): void {
    this.calls[this.bucket()] += 1;
  }

  /** Spends one retry if the budget allows it; returns whether the retry may go ahead. */
  tryRetry(): boolean {
    const index = this.bucket();
    if (this.available() < 1) {
      this.exhausted += 1;
      return false;
    }
    this.retries[index] += 1;
    return true;
  }

  snapshot(): RetryBudgetSnapshot {
    const { calls, retries } = this.totals();
    return { calls, retries, available: Math.max(0, Math.floor(this.available())), exhausted: this.exhausted };
  }

  private available(): number {
    const { calls, retries } = this.totals();
    const allowance = this.options.minRetriesPerSecond * (this.slots * BUCKET_MS) / 1000;
    return this.options.ratio * calls + allowance - retries;
  }

  private totals(): { calls: number; retries: number } {
    const current = Math.floor(this.now() / BUCKET_MS);
    let calls = 0;
    let retries = 0;
    for (let i = 0; i < this.slots; i++) {
      if (current - this.epochs[i] < this.slots) {
        calls += this.calls[i];
        retries += this.retries[i];
      }
    }
    return { calls, retries };
  }

  /** Index of the current second's bucket, cleared if it last held an older second. */
  private bucket(): number {
    const epoch = Math.floor(this.now() / BUCKET_MS);
    const index = ((epoch % this.slots) + this.slots) % this.slots;
    if (this.epochs[index] !== epoch) {
      this.epochs[index] = epoch;
      this.calls[index] = 0;
      this.retries[index] = 0;
    }
    return index;
  }
}

/**
 * Bulkhead: at most `maxConcurrent` calls to one dependency run at once, at most `maxQueue` more
 * wait in FIFO order, and anything beyond fails fast with RAGD_ERR_BULKHEAD_FULL, so one slow
 * dependency cannot absorb every request the server holds.
 *
 * Hand-written rather than cockatiel's `BulkheadPolicy` because a queued call there stays queued
 * after its signal aborts (it is only dropped when it reaches the head), and its rejection is not a
 * RagdError. Here an aborted waiter leaves the queue at once and frees its place.
 */
import { RagdError } from '../errors/ragd-error.js';
import { abortReasonToError } from './abort.js';
import { DEFAULT_BULKHEAD_MAX_CONCURRENT, DEFAULT_BULKHEAD_MAX_QUEUE } from './defaults.js';
import { refusal } from './refusal.js';

export interface BulkheadOptions {
  /** Calls running at once. Defaults to 20. */
  maxConcurrent: number;
  /** Calls waiting for a slot; 0 = no queue. Defaults to 40. */
  maxQueue: number;
}

export const DEFAULT_BULKHEAD: BulkheadOptions = {
  maxConcurrent: DEFAULT_BULKHEAD_MAX_CONCURRENT,
  maxQueue: DEFAULT_BULKHEAD_MAX_QUEUE,
};

export interface BulkheadSnapshot {
  name: string;
  maxConcurrent: number;
  maxQueue: number;
  active: number;
  queued: number;
  /** Calls refused because both the slots and the queue were full, since creation. */
  rejections: number;
}

/** Gives the slot back. Idempotent. */
export type Release = () => void;

interface Waiter {
  grant: (release: Release) => void;
}

export class Bulkhead {
  private active = 0;
  private rejections = 0;
  // A Set keeps insertion order (FIFO) and deletes an aborted waiter in O(1).
  private readonly queue = new Set<Waiter>();

  constructor(
    readonly name: string,
    private readonly options: BulkheadOptions = DEFAULT_BULKHEAD,
    private readonly onReject?: () => void,
  ) {
    if (!Number.isSafeInteger(options.maxConcurrent) || options.maxConcurrent < 1) {
      throw new RagdError('RAGD_ERR_CONFIG', `Bulkhead ${name}: maxConcurrent must be a positive integer`);
    }
    if (!Number.isSafeInteger(options.maxQueue) || options.maxQueue < 0) {
      throw new RagdError('RAGD_ERR_CONFIG', `Bulkhead ${name}: maxQueue must be a non-negative integer`);
    }
  }

  /**
   * Waits for a slot. Resolves with its release function.
   * @throws RagdError RAGD_ERR_BULKHEAD_FULL (Retry-After 1 s) when slots and queue are full;
   *   the signal's abort error if it aborts first.
   */
  acquire(signal?: AbortSignal): Promise<Release> {
    if (signal?.aborted) return Promise.reject(abortReasonToError(signal.reason));
    if (this.active < this.options.maxConcurrent && this.queue.size === 0) {
      this.active += 1;
      return Promise.resolve(this.releaser());
    }
    if (this.queue.size >= this.options.maxQueue) return Promise.reject(this.reject());
    return new Promise<Release>((resolve, reject) => {
      const onAbort = (): void => {
        this.queue.delete(waiter);
        reject(abortReasonToError(signal?.reason));
      };
      const waiter: Waiter = {
        grant: (release) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(release);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.queue.add(waiter);
    });
  }

  /** Takes a slot if one is free and nobody is queued; never waits. */
  tryAcquire(): Release | undefined {
    if (this.active >= this.options.maxConcurrent || this.queue.size > 0) return undefined;
    this.active += 1;
    return this.releaser();
  }

  /** Runs `fn` in a slot, releasing it however `fn` ends. */
  async run<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const release = await this.acquire(signal);
    try {
      return await fn();
    } finally {
      release();
    }
  }

  /** Calls holding a slot now (`snapshot().active` without building a snapshot). */
  get activeCalls(): number {
    return this.active;
  }

  /** Calls waiting for a slot now (`snapshot().queued`). */
  get queuedCalls(): number {
    return this.queue.size;
  }

  snapshot(): BulkheadSnapshot {
    return {
      name: this.name,
      maxConcurrent: this.options.maxConcurrent,
      maxQueue: this.options.maxQueue,
      active: this.active,
      queued: this.queue.size,
      rejections: this.rejections,
    };
  }

  private reject(): RagdError {
    this.rejections += 1;
    this.onReject?.();
    return refusal('RAGD_ERR_BULKHEAD_FULL', `Too many concurrent calls to ${this.name}`, {
      retryAfterSeconds: 1,
      details: { dependency: this.name },
    });
  }

  private releaser(): Release {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.queue.values().next();
      if (next.done === true) {
        this.active -= 1;
        return;
      }
      // Hand the slot straight to the head of the queue: `active` stays the same.
      this.queue.delete(next.value);
      next.value.grant(this.releaser());
    };
  }
}

/**
 * Deadlines: absolute epoch-millisecond times past which nobody should wait. Helpers to compute the
 * remaining budget and to derive a child AbortSignal that aborts at the deadline or when its parent
 * aborts, with explicit cleanup.
 *
 * Hand-written rather than `AbortSignal.any([parent, AbortSignal.timeout(ms)])` because the timer
 * inside `AbortSignal.timeout` cannot be driven by an injected clock or node:test's mock.timers,
 * and because a disposed child here frees its timer and parent listener at once instead of when
 * the garbage collector gets to them.
 */
import { RagdError } from '../errors/ragd-error.js';
import { abortReasonToError, raceAbort } from './abort.js';
import { systemRuntime, type Runtime } from './clock.js';

/** Longest delay `setTimeout` accepts (about 24.8 days); longer deadlines simply get no timer. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Milliseconds left until `deadline` (0 once passed); `Infinity` when there is no deadline. */
export function remainingMs(deadline: number | undefined, now: number): number {
  if (deadline === undefined) return Infinity;
  return Math.max(0, deadline - now);
}

/**
 * The earlier of the caller's deadline and `now + timeoutMs`: a callee may shorten, never extend.
 * A missing or NaN caller deadline means "none".
 */
export function resolveDeadline(now: number, timeoutMs: number, callerDeadline?: number): number {
  const own = now + timeoutMs;
  return callerDeadline === undefined || Number.isNaN(callerDeadline) ? own : Math.min(own, callerDeadline);
}

/** The RAGD_ERR_TIMEOUT a deadline signal aborts with. */
export function deadlineExceeded(dependency?: string): RagdError {
  return new RagdError(
    'RAGD_ERR_TIMEOUT',
    dependency === undefined ? 'Request deadline exceeded' : `Deadline exceeded calling ${dependency}`,
    dependency === undefined ? {} : { details: { dependency } },
  );
}

export interface DeadlineSignal {
  /** Aborts with RAGD_ERR_TIMEOUT at the deadline, or with the parent's (mapped) reason. */
  readonly signal: AbortSignal;
  /** Clears the timer and the parent listener. Idempotent. Does not abort `signal`. */
  dispose(): void;
  /** Aborts `signal` now with `reason` (for example when a stream's consumer stops), then disposes. */
  abort(reason: unknown): void;
  /**
   * Settles like `promise` unless `signal` aborts first, then rejects with the abort error: the same
   * as `raceAbort(promise, signal)`, but without an event listener per call on the hot path.
   */
  race<T>(promise: Promise<T>): Promise<T>;
}

/**
 * Creates a signal that aborts when `parent` aborts or when `deadline` (epoch ms) passes, whichever
 * comes first. Always call `dispose()` when the guarded work ends.
 */
export function createDeadlineSignal(
  parent: AbortSignal | undefined,
  deadline: number | undefined,
  options: { runtime?: Runtime; dependency?: string } = {},
): DeadlineSignal {
  return new DeadlineGuard(parent, deadline, options.runtime ?? systemRuntime, options.dependency);
}

/**
 * Implementation of {@link DeadlineSignal}. A class with `handleEvent` (the EventTarget listener
 * object form) so a call allocates no listener closures: this sits on every dependency call.
 */
class DeadlineGuard implements DeadlineSignal {
  private readonly controller = new AbortController();
  private timer: unknown;
  private disposed = false;
  /** Rejects the one pending `race`, if any. */
  private pendingReject: ((err: unknown) => void) | undefined;

  constructor(
    private readonly parent: AbortSignal | undefined,
    deadline: number | undefined,
    private readonly runtime: Runtime,
    private readonly dependency: string | undefined,
  ) {
    if (parent?.aborted === true) {
      this.disposed = true;
      this.controller.abort(abortReasonToError(parent.reason));
      return;
    }
    const left = remainingMs(deadline, runtime.now());
    if (left <= 0) {
      this.disposed = true;
      this.controller.abort(deadlineExceeded(dependency));
      return;
    }
    parent?.addEventListener('abort', this, { once: true });
    if (left <= MAX_TIMER_MS) {
      this.timer = runtime.setTimeout(() => {
        this.timer = undefined;
        this.fire(deadlineExceeded(this.dependency));
      }, left);
    }
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** The parent aborted. */
  handleEvent(): void {
    this.fire(abortReasonToError(this.parent?.reason));
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.timer !== undefined) this.runtime.clearTimeout(this.timer);
    this.parent?.removeEventListener('abort', this);
  }

  abort(reason: unknown): void {
    this.fire(reason);
  }

  race<T>(promise: Promise<T>): Promise<T> {
    const signal = this.controller.signal;
    if (signal.aborted || this.pendingReject !== undefined) return raceAbort(promise, signal);
    return new Promise<T>((resolve, reject) => {
      this.pendingReject = reject;
      promise.then(
        (value) => {
          this.pendingReject = undefined;
          resolve(value);
        },
        (err: unknown) => {
          this.pendingReject = undefined;
          reject(err);
        },
      );
    });
  }

  private fire(reason: unknown): void {
    this.dispose();
    if (this.controller.signal.aborted) return;
    this.controller.abort(reason);
    const reject = this.pendingReject;
    this.pendingReject = undefined;
    reject?.(abortReasonToError(reason));
  }
}

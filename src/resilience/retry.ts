/**
 * Retry with exponential backoff and full jitter, bounded three ways: an attempt count, the call's
 * deadline, and a retry budget. Honours `retryAfterSeconds` on the error (a provider's Retry-After).
 *
 * Hand-written rather than cockatiel's `RetryPolicy`, whose delay is a real, non-abortable
 * `setTimeout` and which knows nothing of deadlines, Retry-After or retry budgets.
 */
import { isRagdError } from '../errors/ragd-error.js';
import { abortReasonToError } from './abort.js';
import { DEFAULT_BACKOFF, fullJitterDelayMs, type BackoffOptions } from './backoff.js';
import { isRetryable as defaultIsRetryable } from './classify.js';
import { systemRuntime, type Runtime } from './clock.js';
import { DEFAULT_RETRY_MAX_ATTEMPTS } from './defaults.js';
import type { RetryBudget } from './retry-budget.js';

export interface RetryPolicyOptions extends BackoffOptions {
  /** Attempts including the first; 1 disables retry. Defaults to 3. */
  maxAttempts: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicyOptions = { maxAttempts: DEFAULT_RETRY_MAX_ATTEMPTS, ...DEFAULT_BACKOFF };

/** Why a retry is about to happen; handed to `onRetry` before the wait. */
export interface RetryEvent {
  /** The attempt that is about to start (2 = first retry). */
  attempt: number;
  delayMs: number;
  error: unknown;
}

export interface RetryOptions {
  policy?: RetryPolicyOptions;
  /** Retries happen only for idempotent operations. Defaults to false: a single attempt. */
  idempotent?: boolean;
  /** Absolute deadline, epoch ms: no wait may reach it. */
  deadline?: number;
  /** Aborts the wait between attempts. */
  signal?: AbortSignal;
  /** Spent once per retry; when empty, the last error is thrown. */
  budget?: RetryBudget;
  /** Extra gate checked before each retry, e.g. "the circuit breaker would admit a call". */
  canRetry?: () => boolean;
  /** Defaults to `classify.isRetryable`: transient RagdErrors only, never CIRCUIT_OPEN. */
  isRetryable?: (err: unknown) => boolean;
  onRetry?: (event: RetryEvent) => void;
  runtime?: Pick<Runtime, 'now' | 'sleep' | 'random'>;
}

/**
 * Runs `attempt(n)` (n = 1, 2, ...) until it resolves or retrying stops helping. Gives up with the
 * last error when: the operation is not idempotent, the error is not retryable, attempts are used
 * up, `canRetry()` says no, the wait (backoff, or Retry-After if longer) would reach the deadline,
 * or the budget is spent. If `signal` aborts during a wait, rejects with the abort error
 * (RAGD_ERR_TIMEOUT or RAGD_ERR_CLIENT_CLOSED).
 */
export async function retry<T>(attempt: (n: number) => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const policy = options.policy ?? DEFAULT_RETRY_POLICY;
  const runtime = options.runtime ?? systemRuntime;
  const isRetryable = options.isRetryable ?? defaultIsRetryable;
  for (let n = 1; ; n++) {
    try {
      return await attempt(n);
    } catch (err) {
      const delayMs = nextDelay(err, n, policy, options, runtime, isRetryable);
      if (delayMs === undefined) throw err;
      options.onRetry?.({ attempt: n + 1, delayMs, error: err });
      if (delayMs > 0) {
        try {
          await runtime.sleep(delayMs, options.signal);
        } catch (sleepErr) {
          throw options.signal?.aborted ? abortReasonToError(options.signal.reason) : sleepErr;
        }
      }
      if (options.signal?.aborted) throw abortReasonToError(options.signal.reason);
    }
  }
}

/** The wait before the next attempt, or `undefined` to give up. Spends budget only when it returns a wait. */
function nextDelay(
  err: unknown,
  n: number,
  policy: RetryPolicyOptions,
  options: RetryOptions,
  runtime: Pick<Runtime, 'now' | 'random'>,
  isRetryable: (err: unknown) => boolean,
): number | undefined {
  if (options.idempotent !== true || n >= policy.maxAttempts || !isRetryable(err)) return undefined;
  if (options.signal?.aborted) return undefined;
  if (options.canRetry !== undefined && !options.canRetry()) return undefined;
  let delayMs = fullJitterDelayMs(n, runtime.random, policy);
  if (isRagdError(err) && err.retryAfterSeconds !== undefined && err.retryAfterSeconds > 0) {
    delayMs = Math.max(delayMs, Math.ceil(err.retryAfterSeconds * 1000));
  }
  // An attempt that would start at or after the deadline cannot succeed: give up now, not later.
  if (options.deadline !== undefined && runtime.now() + delayMs >= options.deadline) return undefined;
  if (options.budget !== undefined && !options.budget.tryRetry()) return undefined;
  return delayMs;
}

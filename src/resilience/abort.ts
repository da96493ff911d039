/**
 * Turning aborts into RagdErrors and making any promise give way to an AbortSignal.
 * An attempt cut off by its signal always fails with the signal's reason, so callers see
 * RAGD_ERR_TIMEOUT (deadline) or RAGD_ERR_CLIENT_CLOSED (the caller went away), never a bare AbortError.
 */
import { RagdError, isRagdError } from '../errors/ragd-error.js';

/**
 * Maps an abort reason to a RagdError: a RagdError passes through; a `TimeoutError` (as from
 * `AbortSignal.timeout`) becomes RAGD_ERR_TIMEOUT; anything else means the caller went away,
 * RAGD_ERR_CLIENT_CLOSED.
 */
export function abortReasonToError(reason: unknown): RagdError {
  if (isRagdError(reason)) return reason;
  if (reason instanceof Error && reason.name === 'TimeoutError') {
    return new RagdError('RAGD_ERR_TIMEOUT', 'Request deadline exceeded', { cause: reason });
  }
  return new RagdError('RAGD_ERR_CLIENT_CLOSED', 'The caller cancelled the request', { cause: reason });
}

/**
 * Settles like `promise`, unless `signal` aborts first: then rejects with
 * `abortReasonToError(signal.reason)`. Enforces deadlines on work that ignores its signal.
 * The abort listener is removed as soon as `promise` settles.
 */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    promise.catch(() => undefined);
    return Promise.reject(abortReasonToError(signal.reason));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(abortReasonToError(signal.reason));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}

/** A promise that never resolves and rejects with the abort error once `signal` aborts. */
export function untilAborted(signal: AbortSignal): Promise<never> {
  return raceAbort(new Promise<never>(() => undefined), signal);
}

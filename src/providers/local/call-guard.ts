/**
 * Cancellation checks for in-process providers (local embedder, extractive generator): they
 * never block on I/O, so they check the caller's signal and deadline between units of work and
 * fail the same way the remote providers do.
 */
import type { RagdError } from '../../errors/ragd-error.js';
import { abortReasonToError } from '../../resilience/abort.js';
import { deadlineExceeded } from '../../resilience/deadline.js';
import type { CallOptions } from '../call-options.js';

/**
 * The error to fail with when the call should stop: the signal's reason mapped to a RagdError
 * (RAGD_ERR_CLIENT_CLOSED, or the RagdError it was aborted with) or RAGD_ERR_TIMEOUT once the
 * deadline has passed; undefined while the call may go on.
 */
export function callStopError(options: CallOptions, dependency: string, now: number = Date.now()): RagdError | undefined {
  if (options.signal.aborted) return abortReasonToError(options.signal.reason);
  if (options.deadline !== undefined && now >= options.deadline) return deadlineExceeded(dependency);
  return undefined;
}

/** Throws `callStopError(...)` if there is one. */
export function throwIfCallStopped(options: CallOptions, dependency: string): void {
  const err = callStopError(options, dependency);
  if (err) throw err;
}

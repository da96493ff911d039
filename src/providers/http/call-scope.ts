/**
 * CallScope: one outbound call's cancellation. Combines the caller's AbortSignal with a timer for
 * the absolute deadline, and tells afterwards which one ended the call, so a deadline becomes
 * RAGD_ERR_TIMEOUT and a caller abort RAGD_ERR_CLIENT_CLOSED rather than a generic socket error.
 */
import { RagdError, isRagdError } from '../../errors/ragd-error.js';
import type { CallOptions } from '../call-options.js';
import { type ProviderName, transportError } from './provider-error.js';

/** setTimeout's largest delay; longer deadlines are simply not armed (they cannot fire in practice). */
const MAX_TIMER_MS = 2_147_483_647;

export class CallScope {
  /** Aborts when the caller aborts or the deadline passes; pass it to undici. */
  readonly signal: AbortSignal;
  readonly #provider: ProviderName;
  readonly #caller: AbortSignal;
  readonly #deadline: AbortController = new AbortController();
  readonly #deadlineMs: number | undefined;
  readonly #timer: NodeJS.Timeout | undefined;

  /**
   * Starts the deadline timer.
   * @throws RagdError RAGD_ERR_TIMEOUT if the deadline has already passed, RAGD_ERR_CLIENT_CLOSED
   *   (or the caller's own RagdError reason) if the caller has already aborted.
   */
  constructor(provider: ProviderName, options: CallOptions, now: () => number = Date.now) {
    this.#provider = provider;
    this.#caller = options.signal;
    this.#deadlineMs = options.deadline;
    if (this.#caller.aborted) throw this.#callerError();
    const remaining = options.deadline === undefined ? undefined : options.deadline - now();
    if (remaining !== undefined && remaining <= 0) {
      this.#deadline.abort();
      throw this.#timeoutError();
    }
    if (remaining !== undefined && remaining <= MAX_TIMER_MS) {
      this.#timer = setTimeout(() => this.#deadline.abort(), remaining);
      this.#timer.unref();
    }
    this.signal = AbortSignal.any([this.#caller, this.#deadline.signal]);
  }

  /**
   * The RagdError for a failure during the call: the deadline or the caller's abort if either
   * fired, otherwise the transport error mapped by `transportError`.
   */
  error(err: unknown): RagdError {
    if (this.#deadline.signal.aborted) return this.#timeoutError(err);
    if (this.#caller.aborted) return this.#callerError(err);
    return transportError(this.#provider, err);
  }

  /** Stops the deadline timer. Call once the response is fully read or abandoned. */
  dispose(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
  }

  #timeoutError(cause?: unknown): RagdError {
    return new RagdError('RAGD_ERR_TIMEOUT', `${this.#provider} call passed its deadline`, {
      details: { provider: this.#provider, ...(this.#deadlineMs === undefined ? {} : { deadline: this.#deadlineMs }) },
      ...(cause === undefined ? {} : { cause }),
    });
  }

  #callerError(cause?: unknown): RagdError {
    const reason: unknown = this.#caller.reason;
    if (isRagdError(reason)) return reason;
    if (reason instanceof DOMException && reason.name === 'TimeoutError') return this.#timeoutError(cause ?? reason);
    return new RagdError('RAGD_ERR_CLIENT_CLOSED', `${this.#provider} call cancelled by the caller`, {
      details: { provider: this.#provider },
      cause: cause ?? reason,
    });
  }
}

/**
 * Errors for our own refusals (an open breaker, a full bulkhead): built without a stack trace.
 *
 * While a dependency is down, every call to it is refused, so the refusal sits on the hot path of
 * every degraded request. Capturing a stack trace was most of its cost (~8-16 µs against <1 µs
 * without, deeper async stacks costing more), and it says nothing: a refusal is always raised from
 * the same line, and what a reader needs — the code and the dependency — is in the error itself.
 */
import { RagdError, type RagdErrorOptions } from '../errors/ragd-error.js';
import type { ErrorCode } from '../errors/registry.js';
import { withoutStack } from '../errors/without-stack.js';

/** A RagdError whose `stack` is just its first line (`RagdError: <message>`). */
export function refusal(code: ErrorCode, message: string, options: RagdErrorOptions): RagdError {
  return withoutStack(() => new RagdError(code, message, options));
}

/**
 * What an error says about a dependency's health (for the circuit breaker) and whether repeating
 * the call can help (for retry). Callers match on RagdError codes, never on messages.
 */
import type { ErrorCode } from '../errors/registry.js';
import { isRagdError } from '../errors/ragd-error.js';

/**
 * - `failure`: the dependency is unhealthy (timeout, connection error, 5xx, 429).
 * - `success`: the dependency answered properly, the request itself was wrong (a 4xx).
 * - `ignored`: says nothing about the dependency (the caller went away, our own rejection, a bug
 *   in validation before the call was made).
 */
export type OutcomeClass = 'failure' | 'success' | 'ignored';

/** Codes that count against a dependency. Every non-RagdError exception counts too. */
export const FAILURE_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'RAGD_ERR_PROVIDER_UNAVAILABLE',
  'RAGD_ERR_PROVIDER_RATE_LIMITED',
  'RAGD_ERR_PROVIDER_RESPONSE',
  'RAGD_ERR_TIMEOUT',
  'RAGD_ERR_STORE_UNAVAILABLE',
]);

/** Codes that prove the dependency answered: a healthy call for the breaker, never retried. */
export const ANSWERED_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'RAGD_ERR_PROVIDER_REJECTED',
  'RAGD_ERR_NOT_FOUND',
  'RAGD_ERR_COLLECTION_NOT_FOUND',
  'RAGD_ERR_DOCUMENT_NOT_FOUND',
]);

/**
 * Codes a retry may fix: transient dependency failures. A subset of the registry's retryable codes;
 * never RAGD_ERR_CIRCUIT_OPEN or RAGD_ERR_BULKHEAD_FULL (retrying into our own rejection only adds load).
 */
export const RETRYABLE_CODES: ReadonlySet<ErrorCode> = FAILURE_CODES;

/** Classifies an error for the circuit breaker. */
export function classifyOutcome(err: unknown): OutcomeClass {
  if (!isRagdError(err)) return 'failure';
  if (FAILURE_CODES.has(err.code)) return 'failure';
  if (ANSWERED_CODES.has(err.code)) return 'success';
  return 'ignored';
}

/** Whether a retry may help. Only RagdErrors are retried: an unknown exception may be our own bug. */
export function isRetryable(err: unknown): boolean {
  return isRagdError(err) && RETRYABLE_CODES.has(err.code) && err.retryable;
}

/** The error's RagdError code, or `undefined` for any other exception (for events and logs). */
export function errorCode(err: unknown): ErrorCode | undefined {
  return isRagdError(err) ? err.code : undefined;
}

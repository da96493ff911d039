/**
 * RagdError: the only error type that crosses module boundaries on purpose. It carries a stable
 * registry code; the HTTP layer renders it as RFC 9457 problem+json (src/server/problem.ts).
 */
import { ERROR_REGISTRY, type ErrorCode } from './registry.js';

export interface RagdErrorOptions {
  /** Extra problem members, e.g. `{ field: 'topK' }` or `{ errors: [...] }`. Must be safe to show to clients. */
  details?: Record<string, unknown>;
  /** Seconds a client should wait before retrying (rendered as Retry-After). */
  retryAfterSeconds?: number;
  cause?: unknown;
}

export class RagdError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly retryable: boolean;
  readonly details: Record<string, unknown> | undefined;
  readonly retryAfterSeconds: number | undefined;

  constructor(code: ErrorCode, message?: string, options: RagdErrorOptions = {}) {
    const spec = ERROR_REGISTRY[code];
    super(message ?? spec.title, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'RagdError';
    this.code = code;
    this.status = spec.status;
    this.retryable = spec.retryable;
    this.details = options.details;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

export function isRagdError(err: unknown): err is RagdError {
  return err instanceof RagdError;
}

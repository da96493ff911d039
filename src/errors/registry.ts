/**
 * The one registry of ragd's error codes. Each code maps to an HTTP status, a problem type URI,
 * a human title and whether retrying the same request can help. Clients match on `code`
 * (as with undici's `UND_ERR_*`), never on message text. Every code is documented in docs/errors.md;
 * a test fails when one is missing there.
 */

export const PROBLEM_TYPE_BASE = 'https://ragd.dev/problems/';

export interface ErrorSpec {
  readonly status: number;
  readonly title: string;
  /** Whether the same request may succeed later without change (drives Retry-After and client retries). */
  readonly retryable: boolean;
}

export const ERROR_REGISTRY = {
  RAGD_ERR_VALIDATION: { status: 400, title: 'Request validation failed', retryable: false },
  RAGD_ERR_MALFORMED_JSON: { status: 400, title: 'Malformed JSON body', retryable: false },
  RAGD_ERR_INVALID_UTF8: { status: 400, title: 'Body is not valid UTF-8', retryable: false },
  RAGD_ERR_EMPTY_TEXT: { status: 422, title: 'Document text is empty', retryable: false },
  RAGD_ERR_UNSUPPORTED_MEDIA_TYPE: { status: 415, title: 'Unsupported media type', retryable: false },
  RAGD_ERR_BODY_TOO_LARGE: { status: 413, title: 'Request body too large', retryable: false },
  RAGD_ERR_NOT_FOUND: { status: 404, title: 'Resource not found', retryable: false },
  RAGD_ERR_ROUTE_NOT_FOUND: { status: 404, title: 'Route not found', retryable: false },
  RAGD_ERR_METHOD_NOT_ALLOWED: { status: 405, title: 'Method not allowed', retryable: false },
  RAGD_ERR_COLLECTION_NOT_FOUND: { status: 404, title: 'Collection not found', retryable: false },
  RAGD_ERR_DOCUMENT_NOT_FOUND: { status: 404, title: 'Document not found', retryable: false },
  RAGD_ERR_EMBEDDER_MISMATCH: { status: 409, title: 'Collection was built with a different embedder', retryable: false },
  RAGD_ERR_DUPLICATE_DOCUMENT_ID: { status: 422, title: 'Duplicate document id in one request', retryable: false },
  RAGD_ERR_UNAUTHORIZED: { status: 401, title: 'Authentication required', retryable: false },
  RAGD_ERR_FORBIDDEN: { status: 403, title: 'Credential lacks the required scope', retryable: false },
  RAGD_ERR_RATE_LIMITED: { status: 429, title: 'Rate limit exceeded', retryable: true },
  RAGD_ERR_TIMEOUT: { status: 504, title: 'Request deadline exceeded', retryable: true },
  RAGD_ERR_CLIENT_CLOSED: { status: 499, title: 'Client closed the request', retryable: false },
  RAGD_ERR_PROVIDER_UNAVAILABLE: { status: 503, title: 'Model provider unavailable', retryable: true },
  RAGD_ERR_PROVIDER_RESPONSE: { status: 502, title: 'Model provider returned an invalid response', retryable: true },
  RAGD_ERR_PROVIDER_REJECTED: { status: 502, title: 'Model provider rejected the request', retryable: false },
  RAGD_ERR_PROVIDER_RATE_LIMITED: { status: 503, title: 'Model provider is rate limiting ragd', retryable: true },
  RAGD_ERR_CIRCUIT_OPEN: { status: 503, title: 'Dependency circuit breaker is open', retryable: true },
  RAGD_ERR_BULKHEAD_FULL: { status: 503, title: 'Dependency is at its concurrency limit', retryable: true },
  RAGD_ERR_OVERLOADED: { status: 503, title: 'Server is overloaded', retryable: true },
  RAGD_ERR_SHUTTING_DOWN: { status: 503, title: 'Server is shutting down', retryable: true },
  RAGD_ERR_STORE_UNAVAILABLE: { status: 503, title: 'Document store unavailable', retryable: true },
  RAGD_ERR_AUTH_UNAVAILABLE: { status: 503, title: 'Credentials cannot be verified right now', retryable: true },
  RAGD_ERR_CONFIG: { status: 500, title: 'Invalid configuration', retryable: false },
  RAGD_ERR_INTERNAL: { status: 500, title: 'Internal server error', retryable: false },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERROR_REGISTRY;

export function problemType(code: ErrorCode): string {
  return PROBLEM_TYPE_BASE + code.replace(/^RAGD_ERR_/, '').toLowerCase().replace(/_/g, '-');
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_REGISTRY, value);
}

/**
 * Maps what goes wrong talking to a model provider onto RagdError codes, and classifies those
 * errors for the resilience layer: a provider failure (timeout, connection, 5xx, 429, garbage
 * response) counts against the provider; a rejection (other 4xx) or a closed client does not.
 */
import { RagdError, isRagdError } from '../../errors/ragd-error.js';
import type { ErrorCode } from '../../errors/registry.js';
import { redactUpstreamText } from './redact.js';
import { parseRetryAfter } from './retry-after.js';

/** Which remote provider an error came from (`details.provider`). */
export type ProviderName = 'ollama' | 'openai';

/** Node and undici error codes that mean the connection itself failed. */
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_DESTROYED',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_RES_CONTENT_LENGTH_MISMATCH',
  'UND_ERR_REQ_CONTENT_LENGTH_MISMATCH',
]);

const FAILURE_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'RAGD_ERR_TIMEOUT',
  'RAGD_ERR_PROVIDER_UNAVAILABLE',
  'RAGD_ERR_PROVIDER_RATE_LIMITED',
  'RAGD_ERR_PROVIDER_RESPONSE',
]);

/**
 * True when `err` says the provider is unhealthy or overloaded, so a breaker should count it and
 * a retry (after backoff) may help: RAGD_ERR_TIMEOUT, _PROVIDER_UNAVAILABLE (connection errors,
 * 5xx), _PROVIDER_RATE_LIMITED (429) and _PROVIDER_RESPONSE (garbage). False for
 * _PROVIDER_REJECTED (the request or config is wrong), RAGD_ERR_CLIENT_CLOSED and other codes.
 * An unmapped Node/undici connection error (ECONNREFUSED, UND_ERR_SOCKET, ...) also counts.
 */
export function isProviderFailure(err: unknown): boolean {
  if (isRagdError(err)) return FAILURE_CODES.has(err.code);
  // A raw transport error that has not been mapped yet still says the provider is unreachable.
  const code = errorCode(err);
  return code !== undefined && CONNECTION_CODES.has(code);
}

/** The Node/undici error code of `err`, looking inside AggregateError (happy-eyeballs connects). */
function errorCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') return code;
  const inner = (err as { errors?: unknown }).errors;
  return Array.isArray(inner) ? errorCode(inner[0]) : undefined;
}

/**
 * Maps a transport failure (connect, socket, undici timeout) to a RagdError. RagdErrors pass
 * through unchanged. Unknown errors also become RAGD_ERR_PROVIDER_UNAVAILABLE, since they came
 * from the transport; undici's argument errors (a ragd bug) become RAGD_ERR_INTERNAL.
 */
export function transportError(provider: ProviderName, err: unknown): RagdError {
  if (isRagdError(err)) return err;
  const code = errorCode(err);
  if (code === 'UND_ERR_INVALID_ARG' || code === 'UND_ERR_INVALID_RETURN_VALUE') {
    return new RagdError('RAGD_ERR_INTERNAL', `invalid request to ${provider}`, { cause: err });
  }
  const what = code !== undefined && CONNECTION_CODES.has(code) ? code : (code ?? 'transport error');
  return new RagdError('RAGD_ERR_PROVIDER_UNAVAILABLE', `${provider} is unreachable (${what})`, {
    details: { provider },
    cause: err,
  });
}

/** An invalid or ill-shaped provider response. */
export function responseError(provider: ProviderName, message: string, cause?: unknown): RagdError {
  return new RagdError('RAGD_ERR_PROVIDER_RESPONSE', `${provider} returned an invalid response: ${message}`, {
    details: { provider },
    ...(cause === undefined ? {} : { cause }),
  });
}

/** An error the provider reported inside an otherwise successful (2xx) stream. */
export function streamedError(provider: ProviderName, upstreamMessage: string, secrets: readonly string[] = []): RagdError {
  return new RagdError('RAGD_ERR_PROVIDER_UNAVAILABLE', `${provider} failed mid-stream: ${redactUpstreamText(upstreamMessage, secrets)}`, {
    details: { provider },
  });
}

/** Pulls a human message out of the common error body shapes; falls back to the raw text. */
export function upstreamMessage(bodyText: string): string {
  try {
    const body: unknown = JSON.parse(bodyText);
    if (typeof body === 'object' && body !== null) {
      const { error, message, detail } = body as Record<string, unknown>;
      if (typeof error === 'string') return error; // Ollama: {"error": "..."}
      if (typeof error === 'object' && error !== null) {
        const inner = (error as Record<string, unknown>).message; // OpenAI: {"error": {"message": ...}}
        if (typeof inner === 'string') return inner;
      }
      if (typeof message === 'string') return message; // vLLM: {"object": "error", "message": ...}
      if (typeof detail === 'string') return detail; // FastAPI-based servers
    }
  } catch {
    // Not JSON: quote the text itself.
  }
  return bodyText;
}

export interface StatusErrorContext {
  provider: ProviderName;
  status: number;
  headers: Record<string, string | string[] | undefined>;
  bodyText: string;
  /** Strings to strip from the upstream message (API keys). */
  secrets?: readonly string[];
  now?: () => number;
}

/**
 * Maps a non-2xx response: 429 -> RAGD_ERR_PROVIDER_RATE_LIMITED (with Retry-After), 408 and
 * 5xx -> RAGD_ERR_PROVIDER_UNAVAILABLE (with Retry-After if sent), other 4xx ->
 * RAGD_ERR_PROVIDER_REJECTED. The message quotes the upstream's (redacted, truncated) message.
 */
export function statusError(ctx: StatusErrorContext): RagdError {
  const { provider, status } = ctx;
  const quoted = redactUpstreamText(upstreamMessage(ctx.bodyText), ctx.secrets);
  const suffix = quoted === '' ? '' : `: ${quoted}`;
  const retryAfterSeconds = parseRetryAfter(ctx.headers['retry-after'], ctx.now);
  const options = {
    details: { provider, upstreamStatus: status },
    ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
  };
  if (status === 429) {
    return new RagdError('RAGD_ERR_PROVIDER_RATE_LIMITED', `${provider} is rate limiting ragd (HTTP 429)${suffix}`, options);
  }
  if (status >= 500 || status === 408) {
    return new RagdError('RAGD_ERR_PROVIDER_UNAVAILABLE', `${provider} failed with HTTP ${status}${suffix}`, options);
  }
  if (status >= 400) {
    return new RagdError('RAGD_ERR_PROVIDER_REJECTED', `${provider} rejected the request with HTTP ${status}${suffix}`, options);
  }
  return new RagdError('RAGD_ERR_PROVIDER_RESPONSE', `${provider} returned unexpected HTTP ${status}${suffix}`, options);
}

/**
 * The two ways ragd calls a provider over HTTP: `requestJson` (send JSON, get JSON) and
 * `openStream` (send JSON, read a streamed body). Both run under a CallScope (caller signal +
 * deadline) and map every failure to a RagdError (see provider-error.ts). A call that carries a
 * `trace` gets an OpenTelemetry client span with gen-AI attributes and sends its W3C
 * `traceparent`; without one, or with tracing off, nothing about the request changes.
 */
import type { Dispatcher } from 'undici';
import { ATTR } from '../../observability/tracing-attributes.js';
import { startProviderSpan, type ProviderTrace } from '../../observability/tracing-provider.js';
import type { TraceSpan } from '../../observability/tracing-types.js';
import type { CallOptions } from '../call-options.js';
import { CallScope } from './call-scope.js';
import { type ProviderName, responseError, statusError } from './provider-error.js';

/** Largest error body read to quote the upstream's message, in bytes; the rest is discarded. */
const MAX_ERROR_BODY_BYTES = 16 * 1024;

export interface HttpCall extends CallOptions {
  /** The pool for `url`'s origin (`ProviderDispatchers.get(url)`). */
  dispatcher: Dispatcher;
  url: string | URL;
  /** Defaults to POST when there is a body, GET otherwise. */
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  /** Sent as JSON. */
  body?: unknown;
  provider: ProviderName;
  /** Strings never to echo in error messages (API keys). */
  secrets?: readonly string[];
  /** Clock for the deadline and Retry-After dates, epoch ms. Defaults to `Date.now`. */
  now?: () => number;
  /** Traces the call as a gen-AI client span (see observability/tracing-provider.ts). Default: untraced. */
  trace?: ProviderTrace | undefined;
  /**
   * The span the call belongs to (a stage span such as `rag.embed` or `rag.generate`): the client
   * span's parent. Providers spread their CallOptions into the HttpCall, so a `parentSpan` there
   * arrives here. Without one the client span nests under the active span (implicit context) or
   * starts a trace of its own.
   */
  parentSpan?: TraceSpan | undefined;
}

/** A streamed 2xx response body. Iterate `chunks()` once; it releases everything when done. */
export interface UpstreamStream {
  readonly status: number;
  /**
   * The call's client span (a no-op when untraced). The caller ends it once it has finished with
   * the stream, after setting usage attributes, and calls `fail(err)` first if reading failed.
   */
  readonly span: TraceSpan;
  /**
   * The body's bytes. Transport failures, the deadline and caller aborts are thrown as RagdErrors.
   * Breaking out early (or `complete: false` below) destroys the connection, which tells the
   * provider to stop generating.
   */
  chunks(): AsyncGenerator<Buffer, void, undefined>;
  /**
   * Marks the response as finished after its final event: any bytes left are drained (up to
   * 64 KiB) instead of destroying the socket, so the connection returns to the pool.
   */
  complete(): void;
  /**
   * Throws the RagdError for the deadline or a caller abort if either has fired. Call it between
   * parsed events: events already buffered would otherwise be delivered after an abort.
   */
  throwIfAborted(): void;
}

/**
 * Sends `call` and returns the parsed JSON body of a 2xx response.
 * @throws RagdError RAGD_ERR_TIMEOUT, RAGD_ERR_CLIENT_CLOSED, RAGD_ERR_PROVIDER_UNAVAILABLE,
 *   _PROVIDER_RATE_LIMITED, _PROVIDER_REJECTED, or _PROVIDER_RESPONSE for a body that is not JSON.
 */
export async function requestJson(call: HttpCall): Promise<unknown> {
  const scope = new CallScope(call.provider, call, call.now);
  const headers = requestHeaders(call, 'application/json');
  const span = startProviderSpan(call.trace, headers, call.parentSpan);
  try {
    const res = await send(call, scope, headers, span);
    let text: string;
    try {
      text = await res.body.text();
    } catch (err) {
      throw scope.error(err);
    }
    let json: unknown;
    try {
      json = JSON.parse(text) as unknown;
    } catch (err) {
      throw responseError(call.provider, 'body is not JSON', err);
    }
    if (span.recording && call.trace?.responseAttributes) span.setAttributes(call.trace.responseAttributes(json));
    return json;
  } catch (err) {
    span.fail(err);
    throw err;
  } finally {
    span.end();
    scope.dispose();
  }
}

/**
 * Sends `call` and returns the body of a 2xx response for streaming.
 * @param accept The media type asked for, e.g. `application/x-ndjson` or `text/event-stream`.
 * @throws RagdError as `requestJson`, for failures before the body starts.
 */
export async function openStream(call: HttpCall, accept: string): Promise<UpstreamStream> {
  const scope = new CallScope(call.provider, call, call.now);
  const headers = requestHeaders(call, accept);
  const span = startProviderSpan(call.trace, headers, call.parentSpan);
  let res: Dispatcher.ResponseData;
  try {
    res = await send(call, scope, headers, span);
  } catch (err) {
    scope.dispose();
    span.fail(err);
    span.end();
    throw err;
  }
  const body = res.body;
  let completed = false;
  return {
    status: res.statusCode,
    span,
    complete: () => {
      completed = true;
    },
    throwIfAborted: () => {
      if (scope.signal.aborted) throw scope.error(scope.signal.reason);
    },
    async *chunks() {
      try {
        // destroyOnReturn: false, so finishing after the final event can drain rather than destroy.
        for await (const chunk of body.iterator({ destroyOnReturn: false })) yield chunk as Buffer;
      } catch (err) {
        throw scope.error(err);
      } finally {
        scope.dispose();
        if (!body.readableEnded && !body.destroyed) {
          if (completed) body.dump({ limit: 64 * 1024 }).catch(() => undefined);
          else body.on('error', () => undefined).destroy();
        }
      }
    },
  };
}

function requestHeaders(call: HttpCall, accept: string): Record<string, string> {
  return { accept, ...call.headers };
}

/** Sends the request; returns a 2xx response or throws the mapped error (after reading its body). */
async function send(call: HttpCall, scope: CallScope, headers: Record<string, string>, span: TraceSpan): Promise<Dispatcher.ResponseData> {
  const url = typeof call.url === 'string' ? new URL(call.url) : call.url;
  let body: string | undefined;
  if (call.body !== undefined) {
    body = JSON.stringify(call.body);
    headers['content-type'] = 'application/json';
  }
  let res: Dispatcher.ResponseData;
  try {
    res = await call.dispatcher.request({
      origin: url.origin,
      path: url.pathname + url.search,
      method: call.method ?? (body === undefined ? 'GET' : 'POST'),
      headers,
      ...(body === undefined ? {} : { body }),
      signal: scope.signal,
    });
  } catch (err) {
    throw scope.error(err);
  }
  if (span.recording) span.setAttributes({ [ATTR.httpStatus]: res.statusCode });
  if (res.statusCode >= 200 && res.statusCode < 300) return res;
  let bodyText = '';
  try {
    bodyText = await readCapped(res.body, MAX_ERROR_BODY_BYTES);
  } catch (err) {
    // The status already says what went wrong, unless the deadline or caller ended the read.
    const mapped = scope.error(err);
    if (mapped.code === 'RAGD_ERR_TIMEOUT' || mapped.code === 'RAGD_ERR_CLIENT_CLOSED') throw mapped;
  }
  throw statusError({
    provider: call.provider,
    status: res.statusCode,
    headers: res.headers,
    bodyText,
    ...(call.secrets === undefined ? {} : { secrets: call.secrets }),
    ...(call.now === undefined ? {} : { now: call.now }),
  });
}

/** Reads at most `maxBytes` of `body` as UTF-8, then discards the rest. */
async function readCapped(body: Dispatcher.ResponseData['body'], maxBytes: number): Promise<string> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const buf = chunk as Buffer;
    parts.push(buf);
    size += buf.length;
    if (size >= maxBytes) {
      // Leaving the loop destroys the body; undici then emits an AbortError nobody needs.
      body.on('error', () => undefined);
      break;
    }
  }
  return Buffer.concat(parts).subarray(0, maxBytes).toString('utf8');
}

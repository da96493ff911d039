/**
 * The client span of one provider HTTP call, and its W3C `traceparent`: what
 * src/providers/http/request.ts needs, in one call. A provider passes a {@link ProviderTrace} in
 * its HttpCall; without one (or with tracing off) the call gets the no-op span and its headers are
 * left alone.
 */
import { NOOP_SPAN } from './tracing.js';
import { providerSpanAttributes, providerSpanName, type ProviderCallInfo } from './tracing-attributes.js';
import type { SpanAttributes, TraceSpan, Tracing } from './tracing-types.js';

/** What a provider tells the HTTP layer so the call is traced. */
export interface ProviderTrace {
  tracing: Tracing;
  call: ProviderCallInfo;
  /**
   * Attributes read from a JSON response body before the span ends, e.g. token usage
   * (`usageAttributes`). Called only when the span records. Streamed calls set theirs on
   * `UpstreamStream.span` instead.
   */
  responseAttributes?: (body: unknown) => SpanAttributes;
}

/**
 * Starts the client span (`chat llama3.2`, kind client, gen-AI attributes) as a child of `parent`
 * (the stage span the call belongs to; without one, the active span when implicit context is on)
 * and adds its `traceparent` to `headers` (mutated). The caller ends the span: after the body is
 * read for JSON calls, when the stream finishes for streamed ones; `fail(err)` first on errors.
 */
export function startProviderSpan(trace: ProviderTrace | undefined, headers: Record<string, string>, parent?: TraceSpan): TraceSpan {
  if (trace === undefined || !trace.tracing.enabled) return NOOP_SPAN;
  const span = trace.tracing.startSpan(providerSpanName(trace.call), providerSpanAttributes(trace.call), { kind: 'client', parent });
  trace.tracing.injectTraceparent(headers, span);
  return span;
}

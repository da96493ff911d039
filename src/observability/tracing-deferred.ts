/**
 * A Tracing that forwards every call to whichever implementation a getter returns at that moment.
 * The Runtime builds its services (retriever, query service, providers) in its constructor but
 * creates tracing in `start()`, because the OpenTelemetry SDK is imported lazily; the services get
 * this forwarder and so trace with whatever `start()` chose. With tracing off the forwarder adds
 * one getter call in front of the no-op.
 */
import type { SpanAttributes, StartSpanOptions, TraceSpan, Tracing } from './tracing-types.js';

/**
 * @example
 * const tracing = deferredTracing(() => runtime.tracing);
 * const retriever = new Retriever(store, indexes, embedder, rrfK, pipeline, tracing);
 */
export function deferredTracing(current: () => Tracing): Tracing {
  return {
    get enabled() {
      return current().enabled;
    },
    get implicitContext() {
      return current().implicitContext;
    },
    get tracer() {
      return current().tracer;
    },
    withSpan: <T>(name: string, attributes: SpanAttributes, fn: (span: TraceSpan) => T, options?: StartSpanOptions): T =>
      current().withSpan(name, attributes, fn, options),
    startSpan: (name: string, attributes?: SpanAttributes, options?: StartSpanOptions): TraceSpan => current().startSpan(name, attributes, options),
    injectTraceparent: <H extends Record<string, string>>(headers: H, span?: TraceSpan): H => current().injectTraceparent(headers, span),
    currentTraceId: () => current().currentTraceId(),
    flush: () => current().flush(),
    shutdown: () => current().shutdown(),
  };
}

/**
 * Distributed tracing for ragd, off by default. `createTracing` returns either a no-op (tracing
 * off: `withSpan` is `fn(noopSpan)`, nothing else runs, and no OpenTelemetry module is even
 * loaded) or the SDK-backed implementation in tracing-sdk.ts, which exports over OTLP/HTTP as the
 * standard OTEL_* variables say, joins callers' traces through W3C `traceparent`, and propagates it
 * to providers. Span names and attributes are in tracing-attributes.ts; the Fastify server span in
 * tracing-hooks.ts (`requestSpan(request)` is the parent of a request's stage spans).
 */
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { SpanClock } from './tracing-span.js';
import { type Env, serviceNameFrom, tracingEnabled } from './tracing-env.js';
import type { TraceSpan, Tracing } from './tracing-types.js';

export type {
  HeaderCarrier,
  SpanAttributes,
  SpanAttributeValue,
  SpanKindName,
  StartSpanOptions,
  TraceSpan,
  Tracing,
} from './tracing-types.js';

/** Options of {@link createTracing}. */
export interface TracingOptions {
  /**
   * ragd's explicit switch (RAGD_TRACING). Undefined: on when an exporter is
   * injected, `OTEL_TRACES_EXPORTER` lists `otlp`, or an OTLP endpoint variable is set.
   * `OTEL_SDK_DISABLED=true` turns tracing off regardless.
   */
  enabled?: boolean | undefined;
  /** `service.name`. Defaults to `OTEL_SERVICE_NAME`, else `ragd`. */
  serviceName?: string | undefined;
  /** `service.version` and the tracer's version. Defaults to `unknown`. */
  version?: string | undefined;
  /**
   * Whether the active span is carried across awaits with AsyncLocalStorage, so that code which
   * starts a span without a `parent` (or injects a traceparent without a span) still nests under
   * the request. Default: true, for callers that do not pass parents yet. False: parents are
   * passed explicitly (`requestSpan(request)`, the `span` withSpan hands over, `parentSpan` in
   * provider calls) and no async hook is ever enabled — on Node 20 that hook runs on every promise
   * the process creates, which costs more than the spans on a cache hit.
   */
  implicitContext?: boolean | undefined;
  /** Export here instead of OTLP, one span at a time as each ends (tests: InMemorySpanExporter). */
  exporter?: SpanExporter | undefined;
  /** Where OTEL_* variables are read. Defaults to `process.env`. The OTLP exporter always reads process.env. */
  env?: Env | undefined;
  /** Receives OpenTelemetry's own warnings and errors (e.g. the collector is unreachable). Default: dropped. */
  onDiagnostic?: ((message: string) => void) | undefined;
  /** Span timestamps (tests). Defaults to Date.now for the start, performance.now for durations. */
  clock?: SpanClock | undefined;
}

/** The span every no-op call hands out: stateless, so one instance serves all. */
export const NOOP_SPAN: TraceSpan = Object.freeze({
  recording: false,
  traceId: '',
  spanId: '',
  setAttributes: () => undefined,
  setAttribute: () => undefined,
  fail: () => undefined,
  end: () => undefined,
  run: <T>(fn: () => T): T => fn(),
});

/** Tracing turned off. */
export const NOOP_TRACING: Tracing = Object.freeze({
  enabled: false,
  implicitContext: false,
  tracer: null,
  withSpan: <T>(_name: string, _attributes: unknown, fn: (span: TraceSpan) => T): T => fn(NOOP_SPAN),
  startSpan: () => NOOP_SPAN,
  injectTraceparent: <H>(headers: H): H => headers,
  currentTraceId: () => undefined,
  flush: async () => undefined,
  shutdown: async () => undefined,
});

/**
 * Creates ragd's tracing. Async because the OpenTelemetry SDK is imported only when tracing is on.
 *
 * @example
 * const tracing = await createTracing({ enabled: config.tracing, version: '0.1.0', implicitContext: false, onDiagnostic: (m) => log.warn(m) });
 * await tracing.withSpan('rag.search', { 'ragd.retrieval.mode': 'hybrid' }, () => retrieve(), { parent: requestSpan(request) });
 * await tracing.shutdown(); // on exit: exports what is still batched
 */
export async function createTracing(options: TracingOptions = {}): Promise<Tracing> {
  const env = options.env ?? process.env;
  if (!tracingEnabled({ enabled: options.enabled, hasExporter: options.exporter !== undefined }, env)) return NOOP_TRACING;
  const { createSdkTracing } = await import('./tracing-sdk.js');
  return createSdkTracing({
    serviceName: serviceNameFrom(options.serviceName, env),
    version: options.version ?? 'unknown',
    env,
    implicitContext: options.implicitContext ?? true,
    ...(options.exporter ? { exporter: options.exporter } : {}),
    ...(options.onDiagnostic ? { onDiagnostic: options.onDiagnostic } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
  });
}

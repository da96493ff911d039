/**
 * Distributed tracing for ragd, off by default. `createTracing` returns either a no-op (tracing
 * off: `withSpan` is `fn(noopSpan)`, nothing else runs, and no OpenTelemetry module is even
 * loaded) or the SDK-backed implementation in tracing-sdk.ts, which exports over OTLP/HTTP as the
 * standard OTEL_* variables say, joins callers' traces through W3C `traceparent`, and propagates it
 * to providers. Span names and attributes are in tracing-attributes.ts; the Fastify server span in
 * tracing-hooks.ts.
 */
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
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
  /** Export here instead of OTLP, one span at a time as each ends (tests: InMemorySpanExporter). */
  exporter?: SpanExporter | undefined;
  /** Where OTEL_* variables are read. Defaults to `process.env`. The OTLP exporter always reads process.env. */
  env?: Env | undefined;
  /** Receives OpenTelemetry's own warnings and errors (e.g. the collector is unreachable). Default: dropped. */
  onDiagnostic?: ((message: string) => void) | undefined;
}

/** The span every no-op call hands out: stateless, so one instance serves all. */
export const NOOP_SPAN: TraceSpan = Object.freeze({
  recording: false,
  traceId: '',
  spanId: '',
  setAttributes: () => undefined,
  fail: () => undefined,
  end: () => undefined,
  run: <T>(fn: () => T): T => fn(),
});

/** Tracing turned off. */
export const NOOP_TRACING: Tracing = Object.freeze({
  enabled: false,
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
 * const tracing = await createTracing({ enabled: config.tracing, version: '0.1.0', onDiagnostic: (m) => log.warn(m) });
 * await tracing.withSpan('rag.search', { 'ragd.retrieval.mode': 'hybrid' }, () => retrieve());
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
    ...(options.exporter ? { exporter: options.exporter } : {}),
    ...(options.onDiagnostic ? { onDiagnostic: options.onDiagnostic } : {}),
  });
}

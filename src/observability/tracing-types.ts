/**
 * The tracing contract ragd codes against. Callers see only these types, so the no-op
 * implementation (tracing off, the default) never loads OpenTelemetry, and the SDK-backed one
 * (tracing-sdk.ts) can change without touching routes, the query pipeline or providers.
 * Deliberately left out: metrics and logs signals, baggage, span links and custom samplers per call.
 */
import type { Tracer } from '@opentelemetry/api';

/** A span attribute value. `undefined` entries are skipped, so optional facts can be passed as they are. */
export type SpanAttributeValue = string | number | boolean | undefined;
/** Span attributes by OpenTelemetry key (see tracing-attributes.ts for the keys ragd uses). */
export type SpanAttributes = Readonly<Record<string, SpanAttributeValue>>;
/** OpenTelemetry span kinds ragd emits: its own stages, its HTTP server span, and provider calls. */
export type SpanKindName = 'internal' | 'server' | 'client';
/** Incoming request headers (Node's `IncomingHttpHeaders` fits). */
export type HeaderCarrier = Readonly<Record<string, string | string[] | undefined>>;

/** Options of {@link Tracing.startSpan} and {@link Tracing.withSpan}. */
export interface StartSpanOptions {
  /** Defaults to `internal`. */
  kind?: SpanKindName;
  /**
   * The parent span, passed explicitly: the request's server span (`requestSpan(request)` in
   * tracing-hooks.ts) or a stage span. Takes precedence over `carrier` and the active span. A
   * no-op span (tracing off) counts as no parent.
   */
  parent?: TraceSpan | undefined;
  /**
   * Incoming request headers: the span's parent is the W3C `traceparent` found there (so ragd joins
   * the caller's trace), or none (a new trace) when there is none. Without it (and without
   * `parent`) the parent is the active span when `implicitContext` is on, else none. Only the HTTP
   * server span uses it.
   */
  carrier?: HeaderCarrier;
}

/** One span. Every method is a cheap no-op when tracing is off or the span was not sampled. */
export interface TraceSpan {
  /** True when the span is sampled and records what is set on it. */
  readonly recording: boolean;
  /** 32 hex digits; the empty string when tracing is off. */
  readonly traceId: string;
  /** 16 hex digits; the empty string when tracing is off. */
  readonly spanId: string;
  setAttributes(attributes: SpanAttributes): void;
  /** One attribute, without building an object (hot paths: the server span's status code). */
  setAttribute(key: string, value: SpanAttributeValue): void;
  /**
   * Records `error` as an exception event, sets `error.type` (a RagdError's code, else the error's
   * name) and marks the span failed (status ERROR).
   */
  fail(error: unknown): void;
  /** Ends the span; later calls are ignored. */
  end(): void;
  /**
   * Runs `fn` with this span active: spans started inside without a `parent` nest under it, and
   * `injectTraceparent` without a span argument propagates it. Only with `implicitContext` on;
   * otherwise (and with tracing off) this is exactly `fn()`, and children name their parent.
   */
  run<T>(fn: () => T): T;
}

/** What ragd traces through. Create it with `createTracing` (tracing.ts). */
export interface Tracing {
  /** False for the no-op implementation. */
  readonly enabled: boolean;
  /**
   * True when the active span is carried implicitly across awaits (AsyncLocalStorage): spans
   * started without a `parent` find it, and the server span is active around route handlers.
   * False (and always with tracing off): nothing is made active, parents are passed explicitly,
   * and Node's per-promise async hook is never switched on. See `TracingOptions.implicitContext`.
   */
  readonly implicitContext: boolean;
  /** The underlying OpenTelemetry tracer, for code that needs the raw API; null when tracing is off. */
  readonly tracer: Tracer | null;
  /**
   * Runs `fn` inside a new span (a child of `options.parent`, else of the active span) and ends it
   * when `fn` returns or its promise settles; a throw or rejection marks the span failed and is
   * rethrown. `fn` receives the span, to pass as the parent of its own children. When tracing is
   * off this is exactly `fn(noopSpan)`: same return value, same promise.
   */
  withSpan<T>(name: string, attributes: SpanAttributes, fn: (span: TraceSpan) => T, options?: StartSpanOptions): T;
  /** Starts a span the caller must `end()`; it is not made active (pass it as `parent`, or `span.run`). */
  startSpan(name: string, attributes?: SpanAttributes, options?: StartSpanOptions): TraceSpan;
  /**
   * Adds W3C `traceparent` (and `tracestate` when there is one) for `span`, or for the active span,
   * to outgoing request headers, and returns the same object. Adds nothing when tracing is off or
   * there is no span.
   */
  injectTraceparent<H extends Record<string, string>>(headers: H, span?: TraceSpan): H;
  /** Trace id of the active span, or undefined (always, unless `implicitContext` is on). */
  currentTraceId(): string | undefined;
  /** Exports every ended span now. */
  flush(): Promise<void>;
  /** Flushes, then stops exporting; spans started afterwards are dropped. Idempotent. */
  shutdown(): Promise<void>;
}

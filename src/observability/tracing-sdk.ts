/**
 * Tracing backed by the OpenTelemetry SDK. Loaded (dynamically, by tracing.ts) only when tracing
 * is on. Nothing global is registered: the provider, the W3C propagator and (only with
 * `implicitContext`) an AsyncLocalStorage context manager belong to this instance, and every span
 * is started with an explicit parent context, so several instances (tests, embedders) never see
 * each other's spans.
 *
 * Two choices keep a traced request cheap (bench/README.md has the figures):
 * - Parents are passed rather than found. An AsyncLocalStorage context manager makes Node 20 run an
 *   async hook on every promise the process creates while it is enabled, which on a cache hit cost
 *   more than the spans themselves. Without `implicitContext` none is ever enabled, and a span's
 *   OpenTelemetry Context is built only when a child or a traceparent needs it.
 * - ragd's spans are SpanRecords (tracing-span.ts), sampled by the SDK's sampler and handed to the
 *   SDK's span processor and exporter, rather than the SDK Tracer's spans, which cost several times
 *   as much per span in the server. `tracer` is still the SDK's, for code that wants the raw API.
 */
import {
  DiagLogLevel,
  ROOT_CONTEXT,
  SamplingDecision,
  SpanKind,
  SpanStatusCode,
  TraceFlags,
  defaultTextMapGetter,
  defaultTextMapSetter,
  diag,
  isSpanContextValid,
  trace,
  type Context,
  type Link,
  type SpanContext,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  SimpleSpanProcessor,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import { ATTR } from './tracing-attributes.js';
import { tracesExporterFrom, type Env } from './tracing-env.js';
import { createSpanExporter } from './tracing-exporter.js';
import { pooledIdGenerator } from './tracing-ids.js';
import { samplerFromEnv } from './tracing-sampler.js';
import { SYSTEM_CLOCK, SpanRecord, type SpanClock, type SpanSite } from './tracing-span.js';
import type { SpanAttributes, SpanAttributeValue, SpanKindName, StartSpanOptions, TraceSpan, Tracing } from './tracing-types.js';

/** Options of {@link createSdkTracing}; tracing.ts fills them from `TracingOptions`. */
export interface SdkTracingOptions {
  serviceName: string;
  version: string;
  env: Env;
  /**
   * Where spans go. Given: a SimpleSpanProcessor exports each span as it ends (tests use
   * InMemorySpanExporter). Absent: the exporter OTEL_TRACES_EXPORTER names (OTLP over HTTP, or
   * `none`, which drops each batch) behind a BatchSpanProcessor, whose queue is bounded
   * (OTEL_BSP_MAX_QUEUE_SIZE, default 2048 spans; spans beyond it are dropped, not buffered) and
   * exported every OTEL_BSP_SCHEDULE_DELAY ms (default 5000) in batches of up to 512, each batch
   * serialised once.
   */
  exporter?: SpanExporter;
  /** Carry the active span across awaits (see `TracingOptions.implicitContext`). */
  implicitContext: boolean;
  /** Receives the SDK's warnings and errors (an unreachable collector, dropped spans). */
  onDiagnostic?: (message: string) => void;
  /** Span timestamps. Defaults to Date.now and performance.now. */
  clock?: SpanClock;
}

const KINDS: Readonly<Record<SpanKindName, SpanKind>> = {
  internal: SpanKind.INTERNAL,
  server: SpanKind.SERVER,
  client: SpanKind.CLIENT,
};

/** Creates SDK-backed tracing. Call `shutdown()` on exit so batched spans are exported. */
export function createSdkTracing(options: SdkTracingOptions): Tracing {
  if (options.onDiagnostic) {
    const sink = options.onDiagnostic;
    const write = (message: string, ...args: unknown[]): void => sink([message, ...args.map(String)].join(' '));
    const ignore = (): void => undefined;
    diag.setLogger({ error: write, warn: write, info: ignore, debug: ignore, verbose: ignore }, DiagLogLevel.WARN);
  }
  // Only on request: while enabled, Node 20 runs its hook on every promise the process creates.
  const contextManager = options.implicitContext ? new AsyncLocalStorageContextManager().enable() : undefined;
  const propagator = new W3CTraceContextPropagator();
  const processor: SpanProcessor = options.exporter
    ? new SimpleSpanProcessor(options.exporter)
    : new BatchSpanProcessor(createSpanExporter(tracesExporterFrom(options.env)));
  const resource = resourceFromAttributes({ [ATTR_SERVICE_NAME]: options.serviceName, [ATTR_SERVICE_VERSION]: options.version });
  const sampler = samplerFromEnv(options.env);
  const ids = pooledIdGenerator();
  // The SDK's own tracer, for the raw API: same resource, sampler, ids and processor as ragd's spans.
  const provider = new BasicTracerProvider({ resource, sampler, idGenerator: ids, spanProcessors: [processor] });
  const tracer = provider.getTracer('ragd', options.version);
  const site: SpanSite = { resource, instrumentationScope: { name: 'ragd', version: options.version }, processor, clock: options.clock ?? SYSTEM_CLOCK };
  const active = (): Context => (contextManager ? contextManager.active() : ROOT_CONTEXT);
  let stopped: Promise<void> | undefined;

  const startSpan = (name: string, attributes?: SpanAttributes, opts: StartSpanOptions = NO_OPTIONS): SdkSpan => {
    const kind = KINDS[opts.kind ?? 'internal'];
    const given = opts.parent instanceof SdkSpan ? opts.parent : undefined;
    // The sampler reads the parent from a Context: the parent span's (built once, on first child),
    // the caller's traceparent, or the active one.
    const parentContext = given ? given.context : opts.carrier ? propagator.extract(ROOT_CONTEXT, opts.carrier, defaultTextMapGetter) : active();
    const found = given ? given.spanContext : trace.getSpanContext(parentContext);
    const parent = found && isSpanContextValid(found) ? found : undefined;
    const traceId = parent ? parent.traceId : ids.generateTraceId();
    const sampling = sampler.shouldSample(parentContext, traceId, name, kind, attributes ?? NO_ATTRIBUTES, NO_LINKS);
    const recording = sampling.decision !== SamplingDecision.NOT_RECORD;
    const spanContext: SpanContext = {
      traceId,
      spanId: ids.generateSpanId(),
      traceFlags: sampling.decision === SamplingDecision.RECORD_AND_SAMPLED ? TraceFlags.SAMPLED : TraceFlags.NONE,
      traceState: sampling.traceState ?? parent?.traceState,
    };
    const span = new SdkSpan(new SpanRecord(name, kind, spanContext, parent, recording, site), contextManager);
    if (attributes !== undefined) span.setAttributes(attributes);
    if (sampling.attributes !== undefined) span.setAttributes(sampling.attributes as SpanAttributes);
    return span;
  };

  return {
    enabled: true,
    implicitContext: contextManager !== undefined,
    tracer,
    startSpan,
    withSpan(name, attributes, fn, opts) {
      const span = startSpan(name, attributes, opts);
      return contextManager ? span.run(() => settle(span, fn)) : settle(span, fn);
    },
    injectTraceparent(headers, span) {
      propagator.inject(span instanceof SdkSpan ? span.context : active(), headers, defaultTextMapSetter);
      return headers;
    },
    currentTraceId() {
      if (!contextManager) return undefined;
      const spanContext = trace.getSpanContext(contextManager.active());
      return spanContext && isSpanContextValid(spanContext) ? spanContext.traceId : undefined;
    },
    flush: () => provider.forceFlush(),
    shutdown() {
      stopped ??= provider.shutdown().finally(() => {
        contextManager?.disable();
      });
      return stopped;
    },
  };
}

const NO_OPTIONS: StartSpanOptions = Object.freeze({});
const NO_ATTRIBUTES: SpanAttributes = Object.freeze({});
const NO_LINKS: Link[] = Object.freeze([]) as unknown as Link[];

/** Calls `fn(span)` and ends the span when it returns or its promise settles; failures mark it. */
function settle<T>(span: SdkSpan, fn: (span: TraceSpan) => T): T {
  let result: T;
  try {
    result = fn(span);
  } catch (err) {
    span.fail(err);
    span.end();
    throw err;
  }
  if (!isPromiseLike(result)) {
    span.end();
    return result;
  }
  return result.then(
    (value) => {
      span.end();
      return value;
    },
    (err: unknown) => {
      span.fail(err);
      span.end();
      throw err;
    },
  ) as T;
}

/**
 * The TraceSpan ragd's code sees, over a SpanRecord. Its OpenTelemetry Context (the span as the
 * parent in a context), which children and traceparent injection need, is built on first use: most
 * spans (a cache hit's server span) never need it.
 */
class SdkSpan implements TraceSpan {
  #context: Context | undefined;

  constructor(
    private readonly record: SpanRecord,
    private readonly contextManager: AsyncLocalStorageContextManager | undefined,
  ) {}

  get context(): Context {
    return (this.#context ??= trace.setSpanContext(ROOT_CONTEXT, this.record.spanContext()));
  }

  get spanContext(): SpanContext {
    return this.record.spanContext();
  }

  get recording(): boolean {
    return this.record.recording && !this.record.ended;
  }

  get traceId(): string {
    return this.record.spanContext().traceId;
  }

  get spanId(): string {
    return this.record.spanContext().spanId;
  }

  setAttributes(attributes: SpanAttributes): void {
    for (const key in attributes) this.record.setAttribute(key, attributes[key]);
  }

  setAttribute(key: string, value: SpanAttributeValue): void {
    this.record.setAttribute(key, value);
  }

  fail(error: unknown): void {
    if (!this.recording) return;
    const err = error instanceof Error ? error : new Error(String(error));
    const code = (error as { code?: unknown } | null)?.code;
    this.record.recordException(err);
    this.record.setAttribute(ATTR.errorType, typeof code === 'string' ? code : err.name);
    this.record.setStatus({ code: SpanStatusCode.ERROR, message: err.message });
  }

  end(): void {
    this.record.end();
  }

  run<T>(fn: () => T): T {
    return this.contextManager ? this.contextManager.with(this.context, fn) : fn();
  }
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}

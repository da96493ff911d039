/**
 * Tracing backed by the OpenTelemetry SDK. Loaded (dynamically, by tracing.ts) only when tracing
 * is on. Nothing global is registered: the provider, an AsyncLocalStorage context manager and the
 * W3C propagator belong to this instance, and every span is started with an explicit parent
 * context, so several instances (tests, embedders) never see each other's spans.
 */
import {
  DiagLogLevel,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  defaultTextMapGetter,
  defaultTextMapSetter,
  diag,
  isSpanContextValid,
  trace,
  type Context,
  type Span,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
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
import type { Env } from './tracing-env.js';
import { samplerFromEnv } from './tracing-sampler.js';
import type { SpanAttributes, SpanKindName, StartSpanOptions, TraceSpan, Tracing } from './tracing-types.js';

/** Options of {@link createSdkTracing}; tracing.ts fills them from `TracingOptions`. */
export interface SdkTracingOptions {
  serviceName: string;
  version: string;
  env: Env;
  /**
   * Where spans go. Given: a SimpleSpanProcessor exports each span as it ends (tests use
   * InMemorySpanExporter). Absent: OTLP over HTTP behind a BatchSpanProcessor, whose queue is
   * bounded (OTEL_BSP_MAX_QUEUE_SIZE, default 2048 spans; spans beyond it are dropped, not buffered)
   * and exported every OTEL_BSP_SCHEDULE_DELAY ms (default 5000) in batches of up to 512.
   */
  exporter?: SpanExporter;
  /** Receives the SDK's warnings and errors (an unreachable collector, dropped spans). */
  onDiagnostic?: (message: string) => void;
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
  const contextManager = new AsyncLocalStorageContextManager().enable();
  const propagator = new W3CTraceContextPropagator();
  const processor: SpanProcessor = options.exporter
    ? new SimpleSpanProcessor(options.exporter)
    : new BatchSpanProcessor(new OTLPTraceExporter());
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: options.serviceName, [ATTR_SERVICE_VERSION]: options.version }),
    sampler: samplerFromEnv(options.env),
    spanProcessors: [processor],
  });
  const tracer = provider.getTracer('ragd', options.version);
  let stopped: Promise<void> | undefined;

  const startSpan = (name: string, attributes: SpanAttributes = {}, opts: StartSpanOptions = {}): SdkSpan => {
    const parent = opts.carrier
      ? propagator.extract(ROOT_CONTEXT, opts.carrier, defaultTextMapGetter)
      : contextManager.active();
    const span = tracer.startSpan(name, { kind: KINDS[opts.kind ?? 'internal'], attributes }, parent);
    return new SdkSpan(span, trace.setSpan(parent, span), contextManager);
  };

  return {
    enabled: true,
    tracer,
    startSpan,
    withSpan(name, attributes, fn, opts) {
      const span = startSpan(name, attributes, opts);
      return span.run(() => {
        let result: ReturnType<typeof fn>;
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
        ) as typeof result;
      });
    },
    injectTraceparent(headers, span) {
      const ctx = span instanceof SdkSpan ? span.context : contextManager.active();
      propagator.inject(ctx, headers, defaultTextMapSetter);
      return headers;
    },
    currentTraceId() {
      const spanContext = trace.getSpanContext(contextManager.active());
      return spanContext && isSpanContextValid(spanContext) ? spanContext.traceId : undefined;
    },
    flush: () => provider.forceFlush(),
    shutdown() {
      stopped ??= provider.shutdown().finally(() => {
        contextManager.disable();
      });
      return stopped;
    },
  };
}

/** A TraceSpan over an OpenTelemetry span and the context that holds it. */
class SdkSpan implements TraceSpan {
  private ended = false;

  constructor(
    private readonly span: Span,
    readonly context: Context,
    private readonly contextManager: AsyncLocalStorageContextManager,
  ) {}

  get recording(): boolean {
    return this.span.isRecording();
  }

  get traceId(): string {
    return this.span.spanContext().traceId;
  }

  get spanId(): string {
    return this.span.spanContext().spanId;
  }

  setAttributes(attributes: SpanAttributes): void {
    this.span.setAttributes(attributes);
  }

  fail(error: unknown): void {
    if (this.ended) return;
    const err = error instanceof Error ? error : new Error(String(error));
    const code = (error as { code?: unknown } | null)?.code;
    this.span.recordException(err);
    this.span.setAttribute(ATTR.errorType, typeof code === 'string' ? code : err.name);
    this.span.setStatus({ code: SpanStatusCode.ERROR, message: err.message });
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.span.end();
  }

  run<T>(fn: () => T): T {
    return this.contextManager.with(this.context, fn);
  }
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}

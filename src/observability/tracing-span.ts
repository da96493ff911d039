/**
 * ragd's own span record: what the OpenTelemetry SDK's Tracer and Span do for ragd's spans, in one
 * small object that is itself the `ReadableSpan` the SDK's span processors and exporters take. Only
 * the bookkeeping is ragd's; sampling (the SDK's samplers), batching (BatchSpanProcessor), ids
 * (tracing-ids.ts), W3C propagation and OTLP export stay the SDK's.
 *
 * Why not the SDK's Span: on the exact-cache-hit path, switching tracing on cost 21-23 µs of CPU
 * per request with SDK spans and 10-15 µs with this record (one server process, tracing toggled
 * every 250 ms under load, on a busy 2-vCPU VM; bench/README.md), although an SDK span takes ~2 µs
 * in a tight loop: in the server its code runs cache-cold, spread over many small modules, and it
 * allocates a dozen objects (two sanitised copies of the attributes, hrtime arrays, a metrics
 * closure) and keeps ~1.5 KB per span alive in the batch queue. This record takes two clock reads
 * and two small objects, keeps times as numbers, and builds the hrtime pairs an exporter reads only
 * when it reads them.
 * Left out on purpose: links, span limits (ragd sets at most a dozen attributes and records one
 * exception per span), and updating the name after start.
 */
import { SpanStatusCode, type HrTime, type SpanContext, type SpanKind, type SpanStatus } from '@opentelemetry/api';
import { addHrTimes, millisToHrTime, type InstrumentationScope } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import type { ReadableSpan, SpanProcessor, TimedEvent } from '@opentelemetry/sdk-trace-base';
import type { SpanAttributeValue } from './tracing-types.js';

/** Wall-clock and monotonic time in ms (injectable; defaults in {@link SYSTEM_CLOCK}). */
export interface SpanClock {
  epochMs(): number;
  monotonicMs(): number;
}

/** Date.now for where a span starts, performance.now for how long it lasts, as the SDK does. */
export const SYSTEM_CLOCK: SpanClock = Object.freeze({ epochMs: () => Date.now(), monotonicMs: () => performance.now() });

/**
 * What every span of one tracing instance shares. The processors ragd uses (batch, simple) do
 * nothing when a span starts, so spans are handed to `processor` only when they end.
 */
export interface SpanSite {
  readonly resource: Resource;
  readonly instrumentationScope: InstrumentationScope;
  readonly processor: SpanProcessor;
  readonly clock: SpanClock;
}

const UNSET: SpanStatus = Object.freeze({ code: SpanStatusCode.UNSET });
const NONE: never[] = Object.freeze([]) as never[];

/** One span: recording (sampled or record-only) or not (then it only carries ids for propagation). */
export class SpanRecord implements ReadableSpan {
  readonly attributes: Record<string, string | number | boolean> = {};
  events: TimedEvent[] = NONE;
  readonly links = NONE;
  status: SpanStatus = UNSET;
  ended = false;
  readonly droppedAttributesCount = 0;
  readonly droppedEventsCount = 0;
  readonly droppedLinksCount = 0;
  readonly #startEpochMs: number;
  readonly #startMonotonic: number;
  #endMonotonic = 0;

  constructor(
    readonly name: string,
    readonly kind: SpanKind,
    private readonly context: SpanContext,
    readonly parentSpanContext: SpanContext | undefined,
    /** False for a span the sampler dropped: it records nothing and is never exported. */
    readonly recording: boolean,
    private readonly site: SpanSite,
  ) {
    this.#startEpochMs = site.clock.epochMs();
    this.#startMonotonic = site.clock.monotonicMs();
  }

  spanContext(): SpanContext {
    return this.context;
  }

  get resource(): Resource {
    return this.site.resource;
  }

  get instrumentationScope(): InstrumentationScope {
    return this.site.instrumentationScope;
  }

  get startTime(): HrTime {
    return millisToHrTime(this.#startEpochMs);
  }

  get duration(): HrTime {
    return millisToHrTime(Math.max(0, this.#endMonotonic - this.#startMonotonic));
  }

  get endTime(): HrTime {
    return addHrTimes(this.startTime, this.duration);
  }

  setAttribute(key: string, value: SpanAttributeValue): void {
    if (value !== undefined && this.recording && !this.ended) this.attributes[key] = value;
  }

  /** The SDK's `recordException` event (exception.type from a `code`, else the name; message; stack). */
  recordException(error: Error): void {
    if (!this.recording || this.ended) return;
    const code = (error as { code?: unknown }).code;
    const attributes: Record<string, string> = {};
    if (code) attributes['exception.type'] = String(code);
    else if (error.name) attributes['exception.type'] = error.name;
    if (error.message) attributes['exception.message'] = error.message;
    if (error.stack) attributes['exception.stacktrace'] = error.stack;
    const time = addHrTimes(this.startTime, millisToHrTime(this.site.clock.monotonicMs() - this.#startMonotonic));
    this.events = [...this.events, { name: 'exception', attributes, time, droppedAttributesCount: 0 }];
  }

  setStatus(status: SpanStatus): void {
    if (this.recording && !this.ended) this.status = status;
  }

  /** Ends the span and hands it to the span processor (which exports only sampled spans). */
  end(): void {
    if (this.ended) return;
    this.#endMonotonic = this.site.clock.monotonicMs();
    this.ended = true;
    if (this.recording) this.site.processor.onEnd(this);
  }
}

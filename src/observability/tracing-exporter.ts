/**
 * The span exporter behind the BatchSpanProcessor, by the name `OTEL_TRACES_EXPORTER` gives
 * (tracing-env.ts): OTLP over HTTP, or `none`, which receives every batch and drops it. `none`
 * keeps everything else tracing does (spans made, sampled, ended, queued and batched; traceparent
 * propagated; trace ids logged), so it is also how bench/observability-overhead.ts measures the
 * cost of tracing itself, without a collector. The SDK ships no such exporter (only console and
 * in-memory ones, which do work per span), hence these few lines.
 */
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { TracesExporterName } from './tracing-env.js';

/** Accepts every batch and drops it. */
export class DroppingSpanExporter implements SpanExporter {
  /** Spans received (and dropped) so far. */
  dropped = 0;

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    this.dropped += spans.length;
    done({ code: ExportResultCode.SUCCESS });
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
}

/** The exporter `name` stands for; OTLP reads its endpoint, headers and timeout from OTEL_EXPORTER_OTLP_*. */
export function createSpanExporter(name: TracesExporterName): SpanExporter {
  return name === 'none' ? new DroppingSpanExporter() : new OTLPTraceExporter();
}

/**
 * Event-loop delay as a gauge, from perf_hooks.monitorEventLoopDelay: how late timers fire, which
 * is how long every request waited behind synchronous work (tokenising, HNSW search, JSON).
 * Exposed as `nodejs_eventloop_delay_seconds{stat="p50"|"p99"|"max"}` (a `stat` label, because
 * Prometheus reserves `quantile` for summaries) over the window since the previous scrape: the
 * histogram is read and reset on each collection, as prom-client does for its own lag gauges.
 * Unlike prom-client's `nodejs_eventloop_lag_*`, the sampling interval is subtracted, so an idle
 * loop reads ~0 rather than ~10 ms (Node records the time between ticks, not the lateness).
 */
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { Gauge, type Registry } from 'prom-client';
import { EVENT_LOOP_STATS, METRIC_NAMES } from './metric-names.js';

/**
 * Sampling resolution in milliseconds. 10 ms (prom-client's default too) resolves the delays that
 * matter (tens of ms and up) at the cost of one cheap timer per 10 ms.
 */
export const EVENT_LOOP_RESOLUTION_MS = 10;

const NS_PER_SECOND = 1e9;

/** Handle to stop sampling (the monitor's timer is unref'd, so this is for tidiness, not exit). */
export interface EventLoopDelayMonitor {
  close(): void;
}

/**
 * Registers `nodejs_eventloop_delay_seconds` on `registry` and starts sampling.
 * A window with no samples (two scrapes within one resolution tick) keeps the previous values.
 */
export function registerEventLoopDelay(
  registry: Registry,
  options: { prefix?: string; resolutionMs?: number } = {},
): EventLoopDelayMonitor {
  const resolutionMs = options.resolutionMs ?? EVENT_LOOP_RESOLUTION_MS;
  const histogram: IntervalHistogram = monitorEventLoopDelay({ resolution: resolutionMs });
  histogram.enable();
  const [p50, p99, max] = EVENT_LOOP_STATS;
  const intervalNs = resolutionMs * 1e6;
  const delaySeconds = (ns: number): number => Math.max(0, ns - intervalNs) / NS_PER_SECOND;
  new Gauge({
    name: `${options.prefix ?? ''}${METRIC_NAMES.eventLoopDelay}`,
    help: 'Event-loop delay since the previous scrape, in seconds, by statistic (p50, p99, max).',
    labelNames: ['stat'] as const,
    registers: [registry],
    collect() {
      if (histogram.count === 0) return;
      this.set({ stat: p50 }, delaySeconds(histogram.percentile(50)));
      this.set({ stat: p99 }, delaySeconds(histogram.percentile(99)));
      this.set({ stat: max }, delaySeconds(histogram.max));
      histogram.reset();
    },
  });
  return { close: () => histogram.disable() };
}

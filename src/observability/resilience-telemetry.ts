/**
 * Connects the resilience layer's events to metrics and logs: breaker state and transitions (each
 * state change logged once), failures, retries, bulkhead rejections and gauges, provider call
 * outcomes and latency, and cross-provider fallbacks. Without `metrics` (RAGD_METRICS=off) only the
 * log lines are wired, so provider calls pay for no snapshot or recording at all.
 */
import type { Logger } from 'pino';
import type { ResilienceRegistry } from '../resilience/registry.js';
import type { Metrics } from './metrics.js';
import type { Dependency } from './metric-names.js';

function split(name: string): { dependency: Dependency; provider: string } {
  const [base, provider] = name.split(':') as [Dependency, string | undefined];
  return { dependency: base, provider: provider ?? 'default' };
}

/** `split(name)`, computed once per dependency name: the call-outcome listener runs on every provider call. */
const splitNames = new Map<string, { dependency: Dependency; provider: string }>();
function splitCached(name: string): { dependency: Dependency; provider: string } {
  let parts = splitNames.get(name);
  if (parts === undefined) splitNames.set(name, (parts = split(name)));
  return parts;
}

/**
 * `onScrape` registers what to do right before metrics are read (Runtime#onFlushObservations): the
 * bulkhead gauges are set there, from the bulkheads themselves, instead of on every call (two gauge
 * writes with labels were ~1 µs of each local embedder call, that is of every semantic hit).
 */
export function subscribeResilienceTelemetry(
  registry: ResilienceRegistry,
  metrics: Metrics | undefined,
  log: Logger,
  onScrape: (read: () => void) => void,
): void {
  registry.events.on('stateChange', (e) => {
    metrics?.recordBreakerTransition(e.name, e.from, e.to);
    const level = e.to === 'open' ? 'warn' : 'info';
    log[level]({ event: 'circuit_breaker', dependency: e.name, from: e.from, to: e.to }, `circuit breaker ${e.name}: ${e.from} -> ${e.to}`);
  });
  registry.events.on('fallback', (e) => log.warn({ event: 'provider_fallback', from: e.from, to: e.to, code: e.code }, `falling back from ${e.from} to ${e.to}`));
  if (!metrics) return;
  for (const name of registry.names()) metrics.breakerState.set({ name }, 'closed');
  registry.events.on('failure', (e) => metrics.breakerFailures.inc({ name: e.name }));
  registry.events.on('retry', (e) => metrics.retries.inc({ name: e.name }));
  registry.events.on('bulkheadRejected', (e) => metrics.bulkheadRejections.inc({ name: e.name }));
  registry.events.on('callOutcome', (e) => {
    const { dependency, provider } = splitCached(e.name);
    metrics.recordProviderCall({ dependency, provider, outcome: e.outcome }, e.durationMs / 1000);
  });
  // The two gauges straight from the bulkheads: a full pipeline snapshot would cost more.
  onScrape(() => {
    for (const name of registry.names()) {
      const bulkhead = registry.get(name).bulkhead;
      metrics.bulkheadActive.set({ name }, bulkhead.activeCalls);
      metrics.bulkheadQueued.set({ name }, bulkhead.queuedCalls);
    }
  });
}

// The metrics registry: every handle records what it should under the right labels, registries are
// independent, and label values stay bounded whatever callers pass.
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  createMetrics,
  LATENCY_SLO_THRESHOLDS_SECONDS,
  MAX_LABEL_VALUES,
  QUERY_STAGE_BUCKETS,
  type Metrics,
} from '../../src/observability/metrics.js';
import {
  BREAKER_STATES,
  DEPENDENCIES,
  METRIC_NAMES,
  OTHER_LABEL_VALUE,
  PROVIDER_OUTCOMES,
  type BreakerState,
  type ProviderOutcome,
} from '../../src/observability/metric-names.js';
import { KNOWN_DEPENDENCIES } from '../../src/resilience/dependency-name.js';
import type { CallOutcome } from '../../src/resilience/events.js';
import type { CircuitState } from '../../src/resilience/circuit-breaker.js';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses the text exposition format into samples (comments dropped). */
function parse(body: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of body.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(m, `unparseable exposition line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, k, v] of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[k as string] = v as string;
    samples.push({ name: m[1] as string, labels, value: Number(m[3]) });
  }
  return samples;
}

/** The value of the one sample with this name and exactly these labels, or undefined. */
function value(samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  const want = JSON.stringify(Object.entries(labels).sort());
  const found = samples.filter((s) => s.name === name && JSON.stringify(Object.entries(s.labels).sort()) === want);
  assert.ok(found.length <= 1, `duplicate series ${name}${want}`);
  return found[0]?.value;
}

const open: Metrics[] = [];
function fresh(options: Parameters<typeof createMetrics>[0] = {}): Metrics {
  const m = createMetrics({ collectDefault: false, ...options });
  open.push(m);
  return m;
}
async function samplesOf(m: Metrics): Promise<Sample[]> {
  return parse((await m.exposition()).body);
}
after(() => open.forEach((m) => m.close()));

describe('createMetrics', () => {
  test('registers every name in METRIC_NAMES, with a handle for each recorded one', async () => {
    const m = fresh();
    const registered = new Set((await m.registry.getMetricsAsJSON()).map((x) => x.name));
    for (const name of Object.values(METRIC_NAMES)) assert.ok(registered.has(name), `${name} not registered`);
    const internal = new Set(['buildInfo', 'labelOverflow', 'eventLoopDelay']);
    for (const key of Object.keys(METRIC_NAMES)) {
      if (!internal.has(key)) assert.ok(key in m, `no handle named ${key}`);
    }
  });

  test('label vocabularies match the resilience layer, so its events map onto labels as they are', () => {
    assert.deepEqual([...DEPENDENCIES], [...KNOWN_DEPENDENCIES]);
    // Type-level: each union covers the other (a compile error under `npm run typecheck` otherwise).
    type Same<A, B> = [Exclude<A, B>] extends [never] ? ([Exclude<B, A>] extends [never] ? true : false) : false;
    const outcomesMatch: Same<CallOutcome, ProviderOutcome> = true;
    const statesMatch: Same<CircuitState, BreakerState> = true;
    assert.ok(outcomesMatch && statesMatch);
    assert.equal(new Set(PROVIDER_OUTCOMES).size, PROVIDER_OUTCOMES.length);
    assert.deepEqual([...BREAKER_STATES], ['closed', 'open', 'half_open']);
  });

  test('exposition returns the Prometheus text content type', async () => {
    const { contentType, body } = await fresh().exposition();
    assert.match(contentType, /^text\/plain; version=0\.0\.4/);
    assert.match(body, /# TYPE http_requests_total counter/);
  });

  test('HTTP requests: counter and histogram share route, method and status', async () => {
    const m = fresh();
    m.recordHttpRequest({ route: '/v1/query', method: 'POST', status: 200 }, 0.3);
    m.recordHttpRequest({ route: '/v1/query', method: 'POST', status: 200 }, 0.02);
    m.recordHttpRequest({ route: '/v1/documents/:id', method: 'GET', status: '404' }, 0.004);
    const s = await samplesOf(m);
    const q = { route: '/v1/query', method: 'POST', status: '200' };
    assert.equal(value(s, 'http_requests_total', q), 2);
    assert.equal(value(s, 'http_request_duration_seconds_count', q), 2);
    assert.equal(value(s, 'http_request_duration_seconds_bucket', { ...q, le: '0.025' }), 1);
    assert.equal(value(s, 'http_request_duration_seconds_bucket', { ...q, le: '0.5' }), 2);
    assert.ok(Math.abs((value(s, 'http_request_duration_seconds_sum', q) ?? 0) - 0.32) < 1e-9);
    assert.equal(value(s, 'http_requests_total', { route: '/v1/documents/:id', method: 'GET', status: '404' }), 1);
  });

  test('query pipeline: stages, outcomes and the SLO bucket boundaries', async () => {
    const m = fresh();
    for (const threshold of Object.values(LATENCY_SLO_THRESHOLDS_SECONDS)) assert.ok(QUERY_STAGE_BUCKETS.includes(threshold));
    m.queryDuration.observe({ stage: 'embed' }, 0.04);
    m.queryDuration.observe({ stage: 'total' }, 0.2);
    m.queryDuration.observe({ stage: 'total' }, 0.3);
    m.queryDuration.observe({ stage: 'total' }, 6);
    const end = m.queryDuration.startTimer({ stage: 'search' });
    assert.ok(end() >= 0);
    m.queries.inc({ mode: 'hybrid', cache: 'semantic', degraded: true });
    const s = await samplesOf(m);
    assert.equal(value(s, 'rag_query_duration_seconds_count', { stage: 'embed' }), 1);
    assert.equal(value(s, 'rag_query_duration_seconds_count', { stage: 'search' }), 1);
    // Inclusive upper bounds: 0.2 s is good for the p95 SLO, 0.3 s only for the p99 one.
    assert.equal(value(s, 'rag_query_duration_seconds_bucket', { stage: 'total', le: '0.2' }), 1);
    assert.equal(value(s, 'rag_query_duration_seconds_bucket', { stage: 'total', le: '0.5' }), 2);
    assert.equal(value(s, 'rag_query_duration_seconds_bucket', { stage: 'total', le: '5' }), 2);
    assert.equal(value(s, 'rag_query_duration_seconds_bucket', { stage: 'total', le: '10' }), 3);
    assert.equal(value(s, 'rag_queries_total', { mode: 'hybrid', cache: 'semantic', degraded: 'true' }), 1);
  });

  test('ingestion counters, duration and failures', async () => {
    const m = fresh();
    m.ingestDocuments.inc(3);
    m.ingestChunks.inc(41);
    m.ingestDuration.observe(1.2);
    m.ingestFailures.inc({ reason: 'parse' });
    const s = await samplesOf(m);
    assert.equal(value(s, 'rag_ingest_documents_total'), 3);
    assert.equal(value(s, 'rag_ingest_chunks_total'), 41);
    assert.equal(value(s, 'rag_ingest_duration_seconds_bucket', { le: '2.5' }), 1);
    assert.equal(value(s, 'rag_ingest_duration_seconds_bucket', { le: '1' }), 0);
    assert.equal(value(s, 'rag_ingest_failures_total', { reason: 'parse' }), 1);
  });

  test('provider calls, durations and tokens', async () => {
    const m = fresh();
    m.recordProviderCall({ dependency: 'generation', provider: 'openai', outcome: 'success' }, 1.5);
    m.recordProviderCall({ dependency: 'generation', provider: 'openai', outcome: 'timeout' }, 30);
    m.providerTokens.inc({ dependency: 'generation', provider: 'openai', direction: 'in' }, 812);
    m.providerTokens.inc({ dependency: 'generation', provider: 'openai', direction: 'out' }, 95);
    const s = await samplesOf(m);
    const p = { dependency: 'generation', provider: 'openai' };
    assert.equal(value(s, 'provider_requests_total', { ...p, outcome: 'success' }), 1);
    assert.equal(value(s, 'provider_requests_total', { ...p, outcome: 'timeout' }), 1);
    assert.equal(value(s, 'provider_request_duration_seconds_count', p), 2);
    assert.equal(value(s, 'provider_request_duration_seconds_bucket', { ...p, le: '2' }), 1);
    assert.equal(value(s, 'provider_tokens_total', { ...p, direction: 'in' }), 812);
    assert.equal(value(s, 'provider_tokens_total', { ...p, direction: 'out' }), 95);
  });

  test('circuit breakers: state values 0/1/2 and transitions', async () => {
    const m = fresh();
    m.breakerState.set({ name: 'embedding:ollama' }, 'closed');
    m.recordBreakerTransition('generation:openai', 'closed', 'open');
    m.recordBreakerTransition('generation:openai', 'open', 'half_open');
    m.breakerFailures.inc({ name: 'generation:openai' }, 5);
    let s = await samplesOf(m);
    assert.equal(value(s, 'circuit_breaker_state', { name: 'embedding:ollama' }), 0);
    assert.equal(value(s, 'circuit_breaker_state', { name: 'generation:openai' }), 2);
    assert.equal(value(s, 'circuit_breaker_transitions_total', { name: 'generation:openai', from: 'closed', to: 'open' }), 1);
    assert.equal(value(s, 'circuit_breaker_failures_total', { name: 'generation:openai' }), 5);
    m.breakerState.set({ name: 'generation:openai' }, 'open');
    m.breakerState.set({ name: 'generation:openai' }, 'broken' as never);
    s = await samplesOf(m);
    assert.equal(value(s, 'circuit_breaker_state', { name: 'generation:openai' }), 1, 'an unknown state leaves the gauge alone');
  });

  test('retries, bulkheads, shedding and degradation', async () => {
    const m = fresh();
    m.retries.inc({ name: 'embedding:ollama' });
    m.bulkheadRejections.inc({ name: 'generation:openai' });
    m.bulkheadActive.set({ name: 'generation:openai' }, 8);
    m.bulkheadQueued.inc({ name: 'generation:openai' });
    m.bulkheadQueued.inc({ name: 'generation:openai' });
    m.bulkheadQueued.dec({ name: 'generation:openai' });
    m.shedRequests.inc({ reason: 'event_loop' });
    m.degradedResponses.inc({ reason: 'generator_fallback' });
    const s = await samplesOf(m);
    assert.equal(value(s, 'retries_total', { name: 'embedding:ollama' }), 1);
    assert.equal(value(s, 'bulkhead_rejections_total', { name: 'generation:openai' }), 1);
    assert.equal(value(s, 'bulkhead_active', { name: 'generation:openai' }), 8);
    assert.equal(value(s, 'bulkhead_queued', { name: 'generation:openai' }), 1);
    assert.equal(value(s, 'shed_requests_total', { reason: 'event_loop' }), 1);
    assert.equal(value(s, 'degraded_responses_total', { reason: 'generator_fallback' }), 1);
  });

  test('cache tiers and the semantic cache', async () => {
    const m = fresh();
    m.cacheHits.inc({ tier: 'memory', kind: 'exact' });
    m.cacheHits.inc({ tier: 'redis', kind: 'semantic' });
    m.cacheMisses.inc({ kind: 'exact' });
    m.cacheErrors.inc({ tier: 'redis' });
    m.cacheEntries.set({ tier: 'memory' }, 1234);
    m.cacheEvictions.inc({ tier: 'memory' }, 7);
    m.cacheLookupDuration.observe({ tier: 'memory' }, 0.00004);
    m.semanticSimilarity.observe(0.934);
    m.semanticGuardRejections.inc({ reason: 'entity_mismatch' });
    m.semanticShadowHits.inc();
    const s = await samplesOf(m);
    assert.equal(value(s, 'rag_cache_hits_total', { tier: 'memory', kind: 'exact' }), 1);
    assert.equal(value(s, 'rag_cache_hits_total', { tier: 'redis', kind: 'semantic' }), 1);
    assert.equal(value(s, 'rag_cache_misses_total', { kind: 'exact' }), 1);
    assert.equal(value(s, 'rag_cache_errors_total', { tier: 'redis' }), 1);
    assert.equal(value(s, 'rag_cache_entries', { tier: 'memory' }), 1234);
    assert.equal(value(s, 'rag_cache_evictions_total', { tier: 'memory' }), 7);
    assert.equal(value(s, 'rag_cache_lookup_duration_seconds_bucket', { tier: 'memory', le: '0.0001' }), 1);
    assert.equal(value(s, 'semantic_cache_similarity_bucket', { le: '0.92' }), 0);
    assert.equal(value(s, 'semantic_cache_similarity_bucket', { le: '0.94' }), 1);
    assert.equal(value(s, 'semantic_cache_guard_rejections_total', { reason: 'entity_mismatch' }), 1);
    assert.equal(value(s, 'semantic_cache_shadow_hits_total'), 1);
  });

  test('rate limits, pools, SLOs, readiness and build info', async () => {
    const m = createMetrics({ collectDefault: false, version: '1.2.3' });
    open.push(m);
    m.rateLimitRequests.inc({ route_class: 'query', outcome: 'admitted' });
    m.rateLimitRequests.inc({ route_class: 'query', outcome: 'limited' });
    m.rateLimitFallback.inc();
    m.setPoolStats('openai', { connected: 4, free: 1, pending: 2, running: 3, size: 5 });
    m.sloObjective.set({ slo: 'availability' }, 0.999);
    m.sloErrorBudgetRemaining.set({ slo: 'availability' }, -0.25);
    m.sloBurnRate.set({ slo: 'availability', window: '1h' }, 14.4);
    let s = await samplesOf(m);
    assert.equal(value(s, 'ragd_ready'), 0, 'not ready until told');
    m.ready.set(1);
    s = await samplesOf(m);
    assert.equal(value(s, 'rate_limit_requests_total', { route_class: 'query', outcome: 'admitted' }), 1);
    assert.equal(value(s, 'rate_limit_requests_total', { route_class: 'query', outcome: 'limited' }), 1);
    assert.equal(value(s, 'rate_limit_fallback_total'), 1);
    for (const [state, v] of Object.entries({ connected: 4, free: 1, pending: 2, running: 3, size: 5 })) {
      assert.equal(value(s, 'http_pool_connections', { provider: 'openai', state }), v);
    }
    assert.equal(value(s, 'slo_objective', { slo: 'availability' }), 0.999);
    assert.equal(value(s, 'slo_error_budget_remaining', { slo: 'availability' }), -0.25);
    assert.equal(value(s, 'slo_burn_rate', { slo: 'availability', window: '1h' }), 14.4);
    assert.equal(value(s, 'ragd_ready'), 1);
    assert.equal(value(s, 'ragd_build_info', { version: '1.2.3', node: process.version }), 1);
  });

  test('two registries are independent', async () => {
    const a = fresh();
    const b = fresh();
    a.httpRequests.inc({ route: '/v1/query', method: 'POST', status: 200 }, 5);
    b.httpRequests.inc({ route: '/v1/query', method: 'POST', status: 200 });
    const labels = { route: '/v1/query', method: 'POST', status: '200' };
    assert.equal(value(await samplesOf(a), 'http_requests_total', labels), 5);
    assert.equal(value(await samplesOf(b), 'http_requests_total', labels), 1);
    assert.notEqual(a.registry, b.registry);
  });

  test('default process metrics are opt-out, and the prefix applies to every name', async () => {
    const withDefaults = createMetrics();
    const prefixed = createMetrics({ prefix: 'x_', collectDefault: true });
    open.push(withDefaults, prefixed);
    const names = new Set((await samplesOf(withDefaults)).map((s) => s.name));
    assert.ok(names.has('process_cpu_seconds_total'));
    assert.ok(names.has('nodejs_heap_size_used_bytes'));
    assert.ok(!(await samplesOf(fresh())).some((s) => s.name.startsWith('process_')));
    const p = await samplesOf(prefixed);
    assert.ok(p.every((s) => s.name.startsWith('x_')), 'unprefixed name in a prefixed registry');
    assert.ok(p.some((s) => s.name === 'x_ragd_ready'));
  });

  test('event-loop delay gauge reports p50, p99 and max after a blocked loop', async () => {
    const m = fresh();
    await new Promise((r) => setTimeout(r, 30));
    const until = Date.now() + 120;
    while (Date.now() < until); // block the loop on purpose
    await new Promise((r) => setTimeout(r, 30));
    const s = await samplesOf(m);
    const max = value(s, 'nodejs_eventloop_delay_seconds', { stat: 'max' });
    assert.ok(max !== undefined && max > 0.05, `max delay ${max}`);
    assert.ok((value(s, 'nodejs_eventloop_delay_seconds', { stat: 'p50' }) ?? -1) >= 0);
    assert.ok(value(s, 'nodejs_eventloop_delay_seconds', { stat: 'p99' }) !== undefined);
  });
});

describe('label guard', () => {
  test('values outside a closed set become "other" and are counted', async () => {
    const m = fresh();
    m.queryDuration.observe({ stage: 'rerank' as never }, 0.1);
    m.recordHttpRequest({ route: '/v1/query', method: 'BREW', status: 999 }, 0.1);
    m.queries.inc({ mode: 'hybrid', cache: 'maybe' as never, degraded: false });
    const s = await samplesOf(m);
    assert.equal(value(s, 'rag_query_duration_seconds_count', { stage: OTHER_LABEL_VALUE }), 1);
    assert.equal(value(s, 'http_requests_total', { route: '/v1/query', method: 'other', status: 'other' }), 1);
    assert.equal(value(s, 'rag_queries_total', { mode: 'hybrid', cache: 'other', degraded: 'false' }), 1);
    assert.equal(value(s, 'ragd_metric_label_overflow_total', { metric: 'rag_query_duration_seconds', label: 'stage' }), 1);
    assert.equal(value(s, 'ragd_metric_label_overflow_total', { metric: 'http_requests_total', label: 'method' }), 1);
    assert.equal(value(s, 'ragd_metric_label_overflow_total', { metric: 'http_request_duration_seconds', label: 'status' }), 1);
  });

  test('bind: a bound series is the same series inc/observe update, and bad labels bind to "other"', async () => {
    const m = fresh();
    const total = m.queryDuration.bind({ stage: 'total' });
    total.observe(0.25);
    m.queryDuration.observe({ stage: 'total' }, 0.75);
    total.observe(Number.NaN); // ignored, as observe ignores it
    const hits = m.cacheHits.bind({ tier: 'memory', kind: 'exact' });
    hits.inc();
    hits.inc(2);
    hits.inc(-1); // ignored: counters only go up
    m.queries.bind({ mode: 'hybrid', cache: 'maybe' as never, degraded: false }).inc();
    const s = await samplesOf(m);
    assert.equal(value(s, 'rag_query_duration_seconds_count', { stage: 'total' }), 2);
    assert.equal(value(s, 'rag_query_duration_seconds_sum', { stage: 'total' }), 1);
    assert.equal(value(s, 'rag_cache_hits_total', { tier: 'memory', kind: 'exact' }), 3);
    assert.equal(value(s, 'rag_queries_total', { mode: 'hybrid', cache: 'other', degraded: 'false' }), 1);
    assert.equal(value(s, 'ragd_metric_label_overflow_total', { metric: 'rag_queries_total', label: 'cache' }), 1);
  });

  test('free text, raw URLs and overlong values never become label values', async () => {
    const m = fresh();
    m.ingestFailures.inc({ reason: 'what is the capital of France?' });
    m.recordHttpRequest({ route: '/v1/query?q=secret question', method: 'GET', status: 200 }, 0.1);
    m.retries.inc({ name: 'x'.repeat(200) });
    m.cacheEntries.set({ tier: '' }, 3);
    const s = await samplesOf(m);
    assert.equal(value(s, 'rag_ingest_failures_total', { reason: 'other' }), 1);
    assert.equal(value(s, 'http_requests_total', { route: 'other', method: 'GET', status: '200' }), 1);
    assert.equal(value(s, 'retries_total', { name: 'other' }), 1);
    assert.equal(value(s, 'rag_cache_entries', { tier: 'other' }), 3);
    assert.ok(!s.some((x) => Object.values(x.labels).some((v) => v.includes(' ') || v.includes('?'))));
  });

  test('free labels are capped per metric; known values keep working after the cap', async () => {
    const m = fresh({ maxLabelValues: 3 });
    for (const name of ['a', 'b', 'c', 'd', 'e']) m.retries.inc({ name });
    m.retries.inc({ name: 'a' });
    m.breakerFailures.inc({ name: 'd' }); // another metric has its own budget
    const s = await samplesOf(m);
    assert.equal(value(s, 'retries_total', { name: 'a' }), 2);
    assert.equal(value(s, 'retries_total', { name: 'c' }), 1);
    assert.equal(value(s, 'retries_total', { name: 'd' }), undefined);
    assert.equal(value(s, 'retries_total', { name: 'other' }), 2);
    assert.equal(value(s, 'circuit_breaker_failures_total', { name: 'd' }), 1);
    assert.equal(value(s, 'ragd_metric_label_overflow_total', { metric: 'retries_total', label: 'name' }), 2);
    assert.equal(s.filter((x) => x.name === 'retries_total').length, 4);
    assert.ok(MAX_LABEL_VALUES >= 32);
  });

  test('missing or extra labels and bad numbers never throw', async () => {
    const m = fresh();
    assert.doesNotThrow(() => {
      m.retries.inc({} as never);
      m.retries.inc({ name: 'embedding:ollama', extra: 'x' } as never);
      m.retries.inc({ name: 'embedding:ollama' }, -1);
      m.retries.inc({ name: 'embedding:ollama' }, Number.NaN);
      m.ingestDocuments.inc(-3);
      m.bulkheadActive.set({ name: 'g' }, Number.POSITIVE_INFINITY);
      m.ingestDuration.observe(Number.NaN);
      m.semanticSimilarity.observe(Number.NaN);
    });
    const s = await samplesOf(m);
    assert.equal(value(s, 'retries_total', { name: 'other' }), 1);
    assert.equal(value(s, 'retries_total', { name: 'embedding:ollama' }), 1);
    assert.equal(value(s, 'rag_ingest_documents_total'), 0);
    assert.equal(value(s, 'bulkhead_active', { name: 'g' }), undefined);
    assert.equal(value(s, 'rag_ingest_duration_seconds_count'), 0);
    assert.equal(value(s, 'semantic_cache_similarity_count'), 0);
  });
});

// Observability of the real server (startTestServer: Runtime, Fastify, SQLite, indexes):
// - metrics: after a scripted mix of requests the exposition holds exactly the expected counts, and
//   promtool lints the real /metrics output;
// - tracing: one query yields server -> rag.embed / rag.search / rag.generate spans, an OpenAI
//   upstream receives the same trace in its traceparent under a gen-AI client span, and with tracing
//   off nothing is traced or sent;
// - logs: one line per request with its request id (and trace id when tracing is on), and no
//   credential from headers or from the config ever reaches a log line;
// - readiness: per-dependency detail, passive health, breaker states, not ready when every
//   provider breaker is open; RAGD_METRICS=off serves no /metrics.
import { test, describe, before, after } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { SpanKind } from '@opentelemetry/api';
import { createTracing, NOOP_TRACING, type Tracing } from '../../src/observability/tracing.js';
import { ATTR, SPAN_NAMES } from '../../src/observability/tracing-attributes.js';
import { call, startTestServer, type TestServer } from '../support/test-server.js';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai.js';

const QUERY = '/api/v1/rag/query';
const DOCS = [
  {
    id: 'leave',
    title: 'Leave policy',
    format: 'markdown',
    text: '# Leave\n\nEmployees get 25 days of annual leave per year. Unused days expire in March.',
  },
  { id: 'vpn', title: 'VPN', format: 'text', text: 'Connect to the VPN with the WireGuard client before opening internal sites.' },
];
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/;

async function ingest(srv: TestServer, collection: string): Promise<void> {
  const res = await call(srv.url, 'POST', '/api/v1/rag/documents', { collection, documents: DOCS });
  assert.equal(res.status, 201, res.text);
}

// ---- Prometheus text ------------------------------------------------------------------------------

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses the text exposition (enough of it for ragd's output: no timestamps, escaped label values). */
function parseExposition(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(m, `unparsable exposition line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, k, v] of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[k as string] = (v as string).replace(/\\(.)/g, '$1');
    out.push({ name: m[1] as string, labels, value: Number(m[3]) });
  }
  return out;
}

/** Sum of the samples of `name` whose labels include `match` (0 when there are none). */
function sum(samples: Sample[], name: string, match: Record<string, string> = {}): number {
  return samples
    .filter((s) => s.name === name && Object.entries(match).every(([k, v]) => s.labels[k] === v))
    .reduce((acc, s) => acc + s.value, 0);
}

const promtoolFound = spawnSync('promtool', ['--version'], { encoding: 'utf8' }).error === undefined;
function needPromtool(t: TestContext): boolean {
  if (promtoolFound) return true;
  const message = 'promtool not found: install it (apt-get install prometheus) to lint the real /metrics output';
  if (process.env.CI === 'true') assert.fail(message);
  t.skip(message);
  return false;
}

describe('metrics after a scripted mix of requests', () => {
  let srv: TestServer;
  let samples: Sample[];
  let exposition: string;

  before(async () => {
    srv = await startTestServer({ RAGD_FAULT_INJECTION: 'true' });
    await ingest(srv, 'obs');
    // Two answers without the cache, one miss that fills it and the same question again (an exact hit).
    for (const q of ['How many days of annual leave?', 'How do I reach internal sites?']) {
      const res = await call(srv.url, 'POST', QUERY, { collection: 'obs', query: q, cache: 'bypass' });
      assert.equal(res.status, 200, res.text);
    }
    for (let i = 0; i < 2; i++) {
      const res = await call(srv.url, 'POST', QUERY, { collection: 'obs', query: 'When do unused leave days expire?' });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.cache, i === 0 ? 'miss' : 'exact');
    }
    assert.equal((await call(srv.url, 'POST', QUERY, { collection: 'nope', query: 'anything' })).status, 404);
    assert.equal((await call(srv.url, 'POST', QUERY, { collection: 'obs' })).status, 400);
    // A degraded answer: the embedder fails, retrieval falls back to lexical.
    const fault = await call(srv.url, 'PUT', '/api/v1/admin/faults/embedding', { rules: [{ kind: 'error', code: 'RAGD_ERR_PROVIDER_UNAVAILABLE' }] });
    assert.equal(fault.status, 200, fault.text);
    const degraded = await call(srv.url, 'POST', QUERY, { collection: 'obs', query: 'What client do I use for the VPN?', cache: 'bypass' });
    assert.equal(degraded.status, 200, degraded.text);
    assert.deepEqual(degraded.body.reasons, ['embedding_unavailable']);
    assert.equal((await call(srv.url, 'DELETE', '/api/v1/admin/faults/embedding')).status, 200);
    const res = await fetch(`${srv.url}/metrics`);
    assert.equal(res.status, 200);
    assert.match(String(res.headers.get('content-type')), /^text\/plain; version=0\.0\.4/);
    exposition = await res.text();
    samples = parseExposition(exposition);
  });
  after(() => srv.stop());

  test('http_requests_total by route, method and status', () => {
    const http = (route: string, method: string, status: string) => sum(samples, 'http_requests_total', { route, method, status });
    assert.equal(http('/api/v1/rag/documents', 'POST', '201'), 1);
    assert.equal(http(QUERY, 'POST', '200'), 5);
    assert.equal(http(QUERY, 'POST', '404'), 1);
    assert.equal(http(QUERY, 'POST', '400'), 1);
    assert.equal(http('/api/v1/admin/faults/:name', 'PUT', '200'), 1);
    assert.equal(http('/api/v1/admin/faults/:name', 'DELETE', '200'), 1);
    assert.equal(sum(samples, 'http_requests_total'), 10, 'nothing else, and not the scrape itself');
    assert.equal(sum(samples, 'http_request_duration_seconds_count', { route: QUERY }), 7);
  });

  test('rag_queries_total, stage histograms, ingest and degraded counters', () => {
    const q = (labels: Record<string, string>) => sum(samples, 'rag_queries_total', labels);
    assert.equal(q({ mode: 'hybrid', cache: 'bypass', degraded: 'false' }), 2);
    assert.equal(q({ mode: 'hybrid', cache: 'miss', degraded: 'false' }), 1);
    assert.equal(q({ mode: 'hybrid', cache: 'exact', degraded: 'false' }), 1);
    assert.equal(q({ mode: 'lexical', cache: 'bypass', degraded: 'true' }), 1);
    assert.equal(q({}), 5, 'one per answered query; the 404 and 400 are not queries');
    assert.equal(sum(samples, 'rag_query_duration_seconds_count', { stage: 'total' }), 5);
    // Stage timings are recorded for computed answers only, not for cache hits.
    assert.equal(sum(samples, 'rag_query_duration_seconds_count', { stage: 'generate' }), 4);
    assert.equal(sum(samples, 'rag_ingest_documents_total'), 2);
    assert.equal(sum(samples, 'rag_ingest_chunks_total'), 2);
    assert.equal(sum(samples, 'degraded_responses_total', { reason: 'embedding_unavailable' }), 1);
    assert.equal(sum(samples, 'degraded_responses_total'), 1);
    // The SLO buckets exist on the stage="total" series (deploy/ rules read them).
    for (const le of ['0.2', '0.5']) {
      assert.equal(samples.filter((s) => s.name === 'rag_query_duration_seconds_bucket' && s.labels.stage === 'total' && s.labels.le === le).length, 1);
    }
    assert.equal(sum(samples, 'ragd_metric_label_overflow_total'), 0, 'no label value was rejected');
  });

  test('the embedding breaker saw the injected failures; SLO gauges are exported on scrape', () => {
    assert.ok(sum(samples, 'circuit_breaker_failures_total', { name: 'embedding' }) >= 1);
    assert.ok(sum(samples, 'provider_requests_total', { dependency: 'embedding', outcome: 'failure' }) >= 1);
    for (const slo of ['availability', 'latency_p95', 'latency_p99']) {
      assert.equal(samples.filter((s) => s.name === 'slo_objective' && s.labels.slo === slo).length, 1, slo);
    }
    assert.equal(sum(samples, 'slo_objective', { slo: 'availability' }), 0.999);
  });

  test('promtool lints the real exposition (only prom-client’s own gauge names are flagged)', (t) => {
    if (!needPromtool(t)) return;
    const res = spawnSync('promtool', ['check', 'metrics'], { input: exposition, encoding: 'utf8' });
    const upstream = new Set(['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']);
    const findings = `${res.stdout}${res.stderr}`.split('\n').filter((l) => l.trim() !== '');
    for (const line of findings) assert.ok(upstream.has(line.split(' ')[0] as string), `unexpected lint finding: ${line}`);
  });
});

// ---- tracing --------------------------------------------------------------------------------------

/** Spans ended so far, once `name` (ended last, when the response closes) is among them. */
async function spansWhen(exporter: InMemorySpanExporter, tracing: Tracing, name: string): Promise<ReadableSpan[]> {
  for (let i = 0; i < 200; i++) {
    await tracing.flush();
    const spans = exporter.getFinishedSpans();
    if (spans.some((s) => s.name === name)) return spans;
    await new Promise((r) => setImmediate(r));
  }
  assert.fail(`no span named ${name}; got ${exporter.getFinishedSpans().map((s) => s.name).join(', ')}`);
}

function only(spans: ReadableSpan[], name: string): ReadableSpan {
  const found = spans.filter((s) => s.name === name);
  assert.equal(found.length, 1, `exactly one ${name}; got ${spans.map((s) => s.name).join(', ')}`);
  return found[0] as ReadableSpan;
}

describe('tracing on: a query through the real server', () => {
  const exporter = new InMemorySpanExporter();
  let tracing: Tracing;
  let fake: FakeOpenAI;
  let srv: TestServer;

  before(async () => {
    tracing = await createTracing({ exporter, version: 'test', env: {}, implicitContext: false });
    fake = await startFakeOpenAI();
    srv = await startTestServer(
      { RAGD_GENERATOR: 'openai', RAGD_OPENAI_BASE_URL: fake.url, RAGD_OPENAI_API_KEY: 'sk-test-tracing-0123456789' },
      undefined,
      { tracing },
    );
    await ingest(srv, 'traced');
  });
  after(async () => {
    await srv.stop();
    await fake.close();
  });

  test('server -> rag.embed / rag.search / rag.generate -> chat client span; the upstream gets the same trace', async () => {
    exporter.reset();
    const callerTrace = '4bf92f3577b34da6a3ce929d0e0e4736';
    const res = await call(
      srv.url,
      'POST',
      QUERY,
      { collection: 'traced', query: 'How many days of annual leave?', cache: 'bypass', topK: 2 },
      { traceparent: `00-${callerTrace}-00f067aa0ba902b7-01`, 'x-request-id': 'trace-me-1' },
    );
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.degraded, false);
    const spans = await spansWhen(exporter, tracing, `POST ${QUERY}`);

    const server = only(spans, `POST ${QUERY}`);
    assert.equal(server.kind, SpanKind.SERVER);
    assert.equal(server.spanContext().traceId, callerTrace, 'joined the caller trace');
    assert.equal(server.attributes[ATTR.httpRoute], QUERY);
    assert.equal(server.attributes[ATTR.httpStatus], 200);
    assert.equal(server.attributes[ATTR.requestId], 'trace-me-1');
    const serverId = server.spanContext().spanId;
    const embed = only(spans, SPAN_NAMES.embed);
    const search = only(spans, SPAN_NAMES.search);
    const generate = only(spans, SPAN_NAMES.generate);
    for (const s of [embed, search, generate]) {
      assert.equal(s.parentSpanContext?.spanId, serverId, `${s.name} is a child of the server span`);
      assert.equal(s.spanContext().traceId, callerTrace);
    }
    assert.equal(search.attributes[ATTR.retrievalMode], 'hybrid');
    assert.equal(search.attributes[ATTR.topK], 2);
    assert.equal(search.attributes[ATTR.hits], 2);
    assert.equal(generate.attributes[ATTR.collection], 'traced');
    assert.equal(generate.attributes[ATTR.degraded], false);

    const chat = only(spans, 'chat gpt-4o-mini');
    assert.equal(chat.kind, SpanKind.CLIENT);
    assert.equal(chat.parentSpanContext?.spanId, generate.spanContext().spanId, 'the provider span nests under rag.generate');
    assert.equal(chat.attributes['gen_ai.system'], 'openai');
    assert.equal(chat.attributes['gen_ai.operation.name'], 'chat');
    assert.equal(chat.attributes['gen_ai.request.model'], 'gpt-4o-mini');
    assert.equal(chat.attributes['gen_ai.request.max_tokens'], 512);
    assert.equal(chat.attributes['gen_ai.response.model'], 'gpt-4o-mini');
    assert.ok(Number(chat.attributes['gen_ai.usage.input_tokens']) > 0);
    assert.ok(Number(chat.attributes['gen_ai.usage.output_tokens']) > 0);
    assert.equal(chat.attributes['server.address'], '127.0.0.1');
    assert.equal(chat.attributes[ATTR.httpStatus], 200);

    const sent = fake.stats().lastHeaders['/v1/chat/completions']?.traceparent;
    const m = TRACEPARENT.exec(String(sent));
    assert.ok(m, `traceparent sent upstream: ${String(sent)}`);
    assert.equal(m[1], callerTrace, 'the upstream sees the same trace');
    assert.equal(m[2], chat.spanContext().spanId, 'its parent is the client span');

    const line = srv.logs.find((l) => l.msg === 'request completed' && l.reqId === 'trace-me-1');
    assert.ok(line, 'the request has its log line');
    assert.equal(line.traceId, callerTrace, 'the log line carries the trace id');
  });

  test('the local embedder is not traced as a client span; a failed provider call marks its span failed', async () => {
    exporter.reset();
    fake.setBehavior({ failWith: 503, failTimes: 1, routes: ['/v1/chat/completions'] });
    try {
      const res = await call(srv.url, 'POST', QUERY, { collection: 'traced', query: 'What client connects to the VPN?', cache: 'bypass' });
      assert.equal(res.status, 200, res.text);
    } finally {
      fake.setBehavior({});
    }
    const spans = await spansWhen(exporter, tracing, `POST ${QUERY}`);
    assert.equal(spans.filter((s) => s.name.startsWith('embeddings ')).length, 0, 'the local embedder makes no HTTP call');
    const chats = spans.filter((s) => s.name === 'chat gpt-4o-mini');
    assert.ok(chats.length >= 2, 'a failed attempt and its retry');
    assert.equal(chats[0]?.status.code, 2, 'the failed attempt is an error span');
    assert.ok(chats.slice(1).some((s) => s.status.code !== 2), 'the retry succeeded');
  });
});

describe('tracing off (the default)', () => {
  let fake: FakeOpenAI;
  let srv: TestServer;

  before(async () => {
    fake = await startFakeOpenAI();
    srv = await startTestServer({ RAGD_GENERATOR: 'openai', RAGD_OPENAI_BASE_URL: fake.url });
    await ingest(srv, 'plain');
  });
  after(async () => {
    await srv.stop();
    await fake.close();
  });

  test('no tracer, no traceparent upstream, no trace id in the logs', async () => {
    assert.equal(srv.runtime.tracing, NOOP_TRACING, 'the no-op: no OpenTelemetry module, no spans');
    const res = await call(srv.url, 'POST', QUERY, { collection: 'plain', query: 'How many days of annual leave?', cache: 'bypass' }, { 'x-request-id': 'untraced-1' });
    assert.equal(res.status, 200, res.text);
    assert.equal(fake.stats().lastHeaders['/v1/chat/completions']?.traceparent, undefined);
    const line = srv.logs.find((l) => l.msg === 'request completed' && l.reqId === 'untraced-1');
    assert.ok(line);
    assert.equal(line.traceId, undefined);
  });
});

// ---- logs -----------------------------------------------------------------------------------------

describe('logs', () => {
  const configKey = 'sk-config-key-NEVER-LOG-0123456789abcdef';
  const bearer = 'bearer-secret-NEVER-LOG-abcdef0123456789';
  const apiKey = 'x-api-key-secret-NEVER-LOG-9876543210';
  let fake: FakeOpenAI;
  let srv: TestServer;

  before(async () => {
    // The upstream wants another key, so it answers 401 echoing the one ragd sends (as OpenAI does).
    fake = await startFakeOpenAI({ apiKey: 'sk-the-right-one-0000000000000000' });
    srv = await startTestServer({
      RAGD_GENERATOR: 'openai',
      RAGD_OPENAI_BASE_URL: fake.url,
      RAGD_OPENAI_API_KEY: configKey,
      RAGD_LOG_LEVEL: 'debug',
      RAGD_FAULT_INJECTION: 'true',
    });
    await ingest(srv, 'logged');
  });
  after(async () => {
    await srv.stop();
    await fake.close();
  });

  test('one line per request with route, status, duration and request id; cache status and degraded reasons', async () => {
    const set = await call(srv.url, 'PUT', '/api/v1/admin/faults/embedding', { rules: [{ kind: 'error', code: 'RAGD_ERR_PROVIDER_UNAVAILABLE' }] });
    assert.equal(set.status, 200, set.text);
    // The embedder is down (lexical search) and the upstream rejects ragd's key: a 502, logged at error level.
    const res = await call(srv.url, 'POST', QUERY, { collection: 'logged', query: 'How many days of annual leave?', cache: 'bypass' }, { 'x-request-id': 'log-1' });
    assert.equal(res.status, 502, res.text);
    assert.match(res.text, /\[redacted\]/, 'the echoed key is redacted in the problem too');
    const lines = srv.logs.filter((l) => l.reqId === 'log-1' && l.msg === 'request completed');
    assert.equal(lines.length, 1);
    const line = lines[0] as Record<string, unknown>;
    assert.equal(line.route, QUERY);
    assert.equal(line.method, 'POST');
    assert.equal(line.status, 502);
    assert.equal(line.level, 50, 'error level for a 5xx');
    assert.equal(typeof line.durationMs, 'number');
    assert.equal(line.service, 'ragd');
    // A degraded answer: with the generator faulted too, ragd answers extractively from lexical hits.
    await call(srv.url, 'PUT', '/api/v1/admin/faults/generation:openai', { rules: [{ kind: 'error', code: 'RAGD_ERR_PROVIDER_UNAVAILABLE' }] });
    const ok = await call(srv.url, 'POST', QUERY, { collection: 'logged', query: 'Annual leave days?', cache: 'bypass' }, { 'x-request-id': 'log-1b' });
    assert.equal(ok.status, 200, ok.text);
    await call(srv.url, 'DELETE', '/api/v1/admin/faults');
    const okLine = srv.logs.find((l) => l.reqId === 'log-1b' && l.msg === 'request completed');
    assert.ok(okLine);
    assert.equal(okLine.level, 30);
    assert.equal(okLine.cache, ok.body.cache, 'the cache status the response reported');
    assert.deepEqual(okLine.degraded, ['embedding_unavailable', 'generation_unavailable']);
    assert.equal(line.traceId, undefined, 'tracing is off');
  });

  test('credentials in headers, query strings and the config never reach a log line', async () => {
    await call(srv.url, 'GET', '/health/ready', undefined, { authorization: `Bearer ${bearer}`, 'x-request-id': 'log-2' });
    await call(srv.url, 'GET', `/api/v1/rag/documents?collection=logged&api_key=${apiKey}`, undefined, { 'x-api-key': apiKey, 'x-request-id': 'log-3' });
    await call(srv.url, 'POST', QUERY, { collection: 'logged', query: 'VPN client?' }, { authorization: `Bearer ${bearer}`, 'x-api-key': apiKey });
    const all = srv.logs.map((l) => JSON.stringify(l));
    assert.ok(all.some((l) => l.includes('ragd listening')), 'the startup line was captured');
    assert.ok(all.some((l) => l.includes('"reqId":"log-3"')), 'the query-string request was logged');
    assert.ok(all.some((l) => l.includes('api_key=[redacted]')), 'its credential-looking parameter masked');
    for (const secret of [configKey, bearer, apiKey, 'sk-the-right-one']) {
      const leaks = all.filter((l) => l.includes(secret));
      assert.deepEqual(leaks, [], `${secret.slice(0, 12)}... must not be logged`);
    }
  });
});

// ---- the response batch (response-batch.ts): held back, never lost or late for a reader ------------

describe('response batch', () => {
  test('responses that finished just before a scrape are in it, and each line carries its request\'s own time', async () => {
    const srv = await startTestServer({});
    try {
      const before = Date.now();
      for (let i = 0; i < 3; i++) assert.equal((await call(srv.url, 'GET', '/health/live', undefined, { 'x-request-id': `batch-${i}` })).status, 200);
      const after = Date.now();
      // At once, well inside the batch's 50 ms: the scrape applies what waits first.
      const res = await fetch(`${srv.url}/metrics`);
      const samples = parseExposition(await res.text());
      assert.equal(sum(samples, 'http_requests_total', { route: '/health/live', method: 'GET', status: '200' }), 3);
      assert.equal(sum(samples, 'http_request_duration_seconds_count', { route: '/health/live', method: 'GET', status: '200' }), 3);
      const slo = await call(srv.url, 'GET', '/metrics/slo');
      assert.equal(slo.status, 200);
      for (let i = 0; i < 3; i++) {
        const line = srv.logs.find((l) => l.reqId === `batch-${i}` && l.msg === 'request completed');
        assert.ok(line, `line of batch-${i}`);
        const time = Date.parse(line.time as string);
        assert.ok(time >= before - 1 && time <= after + 1, `time ${line.time as string} within the request (${before}..${after})`);
      }
    } finally {
      await srv.stop();
    }
  });

  test('the lines of requests that finished just before shutdown are written at shutdown', async () => {
    const srv = await startTestServer({});
    assert.equal((await call(srv.url, 'GET', '/health/live', undefined, { 'x-request-id': 'last-words' })).status, 200);
    await srv.stop();
    // The server is gone (its batch no longer registered with the runtime): what is here, shutdown wrote.
    assert.equal(srv.logs.filter((l) => l.reqId === 'last-words' && l.msg === 'request completed').length, 1);
  });
});

// ---- readiness and RAGD_METRICS=off ---------------------------------------------------------------

describe('readiness', () => {
  let fake: FakeOpenAI;
  let srv: TestServer;

  before(async () => {
    fake = await startFakeOpenAI();
    srv = await startTestServer({
      RAGD_GENERATOR: 'openai',
      RAGD_OPENAI_BASE_URL: fake.url,
      RAGD_FAULT_INJECTION: 'true',
      RAGD_BREAKER_FAILURE_THRESHOLD: '1',
      RAGD_RETRY_MAX_ATTEMPTS: '1',
    });
    await ingest(srv, 'ready');
  });
  after(async () => {
    await srv.stop();
    await fake.close();
  });

  test('per-dependency detail; a provider that just answered is up without a probe', async () => {
    const modelsBefore = fake.stats().requests['/v1/models'] ?? 0;
    const first = await call(srv.url, 'GET', '/health/ready');
    assert.equal(first.status, 200, first.text);
    const deps = first.body.dependencies as Record<string, Record<string, unknown>>;
    assert.equal(deps.store?.status, 'up');
    assert.equal(deps.indexes?.status, 'up');
    assert.equal(deps.generator?.status, 'up');
    assert.equal(deps.generator?.source, 'probe', 'nothing has called the generator yet');
    assert.deepEqual(deps.generator?.breakers, { 'generation:openai': 'closed' });
    assert.deepEqual(first.body.reasons, []);
    assert.equal((fake.stats().requests['/v1/models'] ?? 0) - modelsBefore, 1, 'probed with GET /v1/models, never a billable call');
    assert.equal(fake.stats().requests['/v1/chat/completions'] ?? 0, 0);

    assert.equal((await call(srv.url, 'POST', QUERY, { collection: 'ready', query: 'Leave days?', cache: 'bypass' })).status, 200);
    const second = await call(srv.url, 'GET', '/health/ready');
    const after = second.body.dependencies as Record<string, Record<string, unknown>>;
    assert.equal(after.generator?.source, 'passive');
    assert.equal(after.embedder?.source, 'passive');
    assert.equal((fake.stats().requests['/v1/models'] ?? 0) - modelsBefore, 1, 'no new probe');
  });

  test('not ready while every embedding and generation breaker is open, though it still answers', async () => {
    for (const name of ['embedding', 'generation:openai']) {
      const res = await call(srv.url, 'PUT', `/api/v1/admin/faults/${name}`, { rules: [{ kind: 'error', code: 'RAGD_ERR_PROVIDER_UNAVAILABLE' }] });
      assert.equal(res.status, 200, res.text);
    }
    const degraded = await call(srv.url, 'POST', QUERY, { collection: 'ready', query: 'VPN?', cache: 'bypass' });
    assert.equal(degraded.status, 200, 'still answers: lexical search, extractive answer');
    assert.deepEqual([...(degraded.body.reasons as string[])].sort(), ['embedding_unavailable', 'generation_unavailable']);
    const down = await call(srv.url, 'GET', '/health/ready');
    assert.equal(down.status, 503, down.text);
    assert.deepEqual(down.body.reasons, ['providers_circuit_open']);
    const deps = down.body.dependencies as Record<string, Record<string, unknown>>;
    assert.deepEqual(deps.embedder?.breakers, { embedding: 'open' });
    assert.deepEqual(deps.generator?.breakers, { 'generation:openai': 'open' });
    assert.equal(deps.store?.status, 'up');
    const metrics = parseExposition(await (await fetch(`${srv.url}/metrics`)).text());
    assert.equal(sum(metrics, 'ragd_ready'), 0);
  });
});

describe('RAGD_METRICS=off', () => {
  let srv: TestServer;
  before(async () => {
    srv = await startTestServer({ RAGD_METRICS: 'off' });
  });
  after(() => srv.stop());

  test('records nothing and serves neither /metrics nor the dashboard; the API works', async () => {
    await ingest(srv, 'quiet');
    assert.equal((await call(srv.url, 'POST', QUERY, { collection: 'quiet', query: 'Leave days?' })).status, 200);
    assert.equal((await call(srv.url, 'GET', '/metrics')).status, 404);
    assert.equal((await call(srv.url, 'GET', '/metrics/slo')).status, 404);
    assert.equal((await call(srv.url, 'GET', '/dashboard')).status, 404);
    assert.equal((await srv.runtime.metrics.exposition()).body, '');
    assert.equal((await call(srv.url, 'GET', '/health/ready')).status, 200);
  });
});

// Tracing: one simulated query yields the expected span tree (server span joined to the caller's
// trace, stage spans under it, provider client spans with gen-AI attributes under the stages), the
// upstream receives a traceparent from that trace, and with tracing off nothing is created or sent.
// Both ways of finding a parent are covered: explicit (parents passed; no AsyncLocalStorage) and
// implicit (the active span, carried by AsyncLocalStorage).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import * as semconv from '@opentelemetry/semantic-conventions';
import * as incubating from '@opentelemetry/semantic-conventions/incubating';
import { createTracing, NOOP_SPAN, type TraceSpan, type Tracing } from '../../src/observability/tracing.js';
import { registerTracingHooks, requestSpan } from '../../src/observability/tracing-hooks.js';
import {
  ATTR,
  SPAN_NAMES,
  providerSpanAttributes,
  providerSpanName,
  usageAttributes,
  type ProviderCallInfo,
} from '../../src/observability/tracing-attributes.js';
import { serviceNameFrom, tracesExporterFrom, tracingEnabled } from '../../src/observability/tracing-env.js';
import { DroppingSpanExporter, createSpanExporter } from '../../src/observability/tracing-exporter.js';
import { pooledIdGenerator } from '../../src/observability/tracing-ids.js';
import { iterateInSpan } from '../../src/observability/tracing-iterable.js';
import { startProviderSpan } from '../../src/observability/tracing-provider.js';

const CALLER_TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN_ID = '00f067aa0ba902b7';
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-0[01]$/;

/** A stand-in provider on 127.0.0.1:0 that records the headers of every request. */
async function startUpstream(): Promise<{ server: Server; url: string; seen: IncomingHttpHeaders[] }> {
  const seen: IncomingHttpHeaders[] = [];
  const server = createServer((req, res) => {
    seen.push(req.headers);
    req.resume();
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ ok: true, usage: { prompt_tokens: 12, completion_tokens: 7 } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}`, seen };
}

/** What request.ts does: a client span with the traceparent injected, usage recorded, ended after the body. */
async function callProvider(tracing: Tracing, info: ProviderCallInfo, parent?: TraceSpan): Promise<void> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  const span = startProviderSpan({ tracing, call: info }, headers, parent);
  try {
    const res = await fetch(info.url, { method: 'POST', headers, body: '{}' });
    const body = (await res.json()) as { usage: { prompt_tokens: number; completion_tokens: number } };
    span.setAttributes(usageAttributes({ inputTokens: body.usage.prompt_tokens, outputTokens: body.usage.completion_tokens }));
  } catch (err) {
    span.fail(err);
    throw err;
  } finally {
    span.end();
  }
}

/** A streaming generator: the provider call happens inside the generator body, between yields. */
async function* fakeStream(tracing: Tracing, url: string, parent?: TraceSpan): AsyncGenerator<string> {
  yield 'The ';
  await callProvider(tracing, { system: 'openai', operation: 'chat', model: 'gpt-4o-mini', url, maxTokens: 512, temperature: 0.1 }, parent);
  yield 'answer';
}

/**
 * An app whose query route runs the stages the way the query pipeline does: with implicit context
 * each span finds the active one; without it every span is given its parent.
 */
async function buildApp(tracing: Tracing, upstream: string): Promise<FastifyInstance> {
  const app = Fastify({ logger: false, genReqId: (req) => String(req.headers['x-request-id'] ?? 'generated') });
  registerTracingHooks(app, tracing);
  app.post('/api/v1/rag/query', async (request) => (tracing.implicitContext ? implicitQuery(tracing, upstream) : explicitQuery(tracing, upstream, requestSpan(request))));
  app.get('/boom', async () => {
    throw Object.assign(new Error('exploded'), { code: 'RAGD_ERR_INTERNAL' });
  });
  app.get('/bad', async (_req, reply) => reply.code(404).send({ error: 'nope' }));
  // What the query route records for its log line on a cache hit (request-context.ts's request.facts).
  app.get('/cached', async (request) => {
    Object.assign(request, { facts: { collection: 'handbook', cache: 'exact', degraded: ['embedding_unavailable'] } });
    return { ok: true };
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  return app;
}

/** The stages, each span given its parent: the server span, or the stage span for provider calls. */
async function explicitQuery(tracing: Tracing, upstream: string, server: TraceSpan): Promise<{ answer: string; traceId: string | undefined; active: string | undefined }> {
  await tracing.withSpan(SPAN_NAMES.cacheLookup, { [ATTR.cacheResult]: 'miss' }, async () => undefined, { parent: server });
  await tracing.withSpan(
    SPAN_NAMES.embed,
    {},
    (span) => callProvider(tracing, { system: 'ollama', operation: 'embeddings', model: 'nomic-embed-text', url: `${upstream}/api/embed` }, span),
    { parent: server },
  );
  tracing.withSpan(SPAN_NAMES.search, { [ATTR.retrievalMode]: 'hybrid', [ATTR.topK]: 5 }, (span) => span.setAttributes({ [ATTR.hits]: 3 }), { parent: server });
  const generate = tracing.startSpan(SPAN_NAMES.generate, {}, { parent: server });
  let answer = '';
  try {
    for await (const text of fakeStream(tracing, `${upstream}/v1/chat/completions`, generate)) answer += text;
  } finally {
    generate.end();
  }
  return { answer, traceId: server.traceId, active: tracing.currentTraceId() };
}

/** The stages as code that passes no parents sees them: each span nests under the active one. */
async function implicitQuery(tracing: Tracing, upstream: string): Promise<{ answer: string; traceId: string | undefined }> {
  await tracing.withSpan(SPAN_NAMES.cacheLookup, { [ATTR.cacheResult]: 'miss' }, async () => undefined);
  await tracing.withSpan(SPAN_NAMES.embed, {}, () =>
    callProvider(tracing, { system: 'ollama', operation: 'embeddings', model: 'nomic-embed-text', url: `${upstream}/api/embed` }),
  );
  tracing.withSpan(SPAN_NAMES.search, { [ATTR.retrievalMode]: 'hybrid', [ATTR.topK]: 5 }, (span) => span.setAttributes({ [ATTR.hits]: 3 }));
  // Generation streams, so its span outlives one callback: started by hand, each step run in it.
  const generate = tracing.startSpan(SPAN_NAMES.generate);
  let answer = '';
  try {
    for await (const text of iterateInSpan(generate, fakeStream(tracing, `${upstream}/v1/chat/completions`))) answer += text;
  } finally {
    generate.end();
  }
  return { answer, traceId: tracing.currentTraceId() };
}

function byName(spans: ReadableSpan[], name: string): ReadableSpan {
  const found = spans.filter((s) => s.name === name);
  assert.equal(found.length, 1, `exactly one span named ${name}; got ${spans.map((s) => s.name).join(', ')}`);
  return found[0] as ReadableSpan;
}

function parentOf(span: ReadableSpan): string | undefined {
  return span.parentSpanContext?.spanId;
}

for (const implicitContext of [false, true]) describe(`tracing on, ${implicitContext ? 'implicit context (AsyncLocalStorage)' : 'explicit parents'}`, () => {
  const exporter = new InMemorySpanExporter();
  let tracing: Tracing;
  let upstream: Awaited<ReturnType<typeof startUpstream>>;
  let app: FastifyInstance;
  let base: string;

  before(async () => {
    tracing = await createTracing({ exporter, serviceName: 'ragd-test', version: '9.9.9', env: {}, implicitContext });
    assert.equal(tracing.implicitContext, implicitContext);
    upstream = await startUpstream();
    app = await buildApp(tracing, upstream.url);
    const { port } = app.server.address() as AddressInfo;
    base = `http://127.0.0.1:${port}`;
  });
  after(async () => {
    await app.close();
    upstream.server.close();
    await tracing.shutdown();
  });

  test('a query yields the span tree, joined to the caller trace, with the traceparent sent upstream', async () => {
    exporter.reset();
    upstream.seen.length = 0;
    const res = await fetch(`${base}/api/v1/rag/query`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', traceparent: `00-${CALLER_TRACE_ID}-${CALLER_SPAN_ID}-01`, 'x-request-id': 'req-42' },
      body: '{"query":"q"}',
    });
    assert.equal(res.status, 200);
    const body = (await res.json()) as { traceId: string; active?: string };
    await tracing.flush();
    const spans = exporter.getFinishedSpans();

    const server = byName(spans, 'POST /api/v1/rag/query');
    assert.equal(server.kind, SpanKind.SERVER);
    assert.equal(server.spanContext().traceId, CALLER_TRACE_ID, 'server span joins the caller trace');
    assert.equal(parentOf(server), CALLER_SPAN_ID);
    assert.equal(body.traceId, CALLER_TRACE_ID, implicitContext ? 'currentTraceId inside the handler' : 'requestSpan(request).traceId');
    if (!implicitContext) assert.equal(body.active, undefined, 'nothing is made active');
    assert.deepEqual(
      { ...server.attributes },
      {
        'http.request.method': 'POST',
        'http.route': '/api/v1/rag/query',
        'http.response.status_code': 200,
        'url.path': '/api/v1/rag/query',
        'url.scheme': 'http',
        'ragd.request_id': 'req-42',
      },
    );
    assert.equal(server.status.code, SpanStatusCode.UNSET);
    assert.equal(server.resource.attributes['service.name'], 'ragd-test');
    assert.equal(server.resource.attributes['service.version'], '9.9.9');

    const serverId = server.spanContext().spanId;
    for (const name of [SPAN_NAMES.cacheLookup, SPAN_NAMES.embed, SPAN_NAMES.search, SPAN_NAMES.generate]) {
      const stage = byName(spans, name);
      assert.equal(parentOf(stage), serverId, `${name} is a child of the server span`);
      assert.equal(stage.kind, SpanKind.INTERNAL);
      assert.equal(stage.spanContext().traceId, CALLER_TRACE_ID);
    }
    assert.equal(byName(spans, SPAN_NAMES.search).attributes[ATTR.hits], 3);

    const embedCall = byName(spans, 'embeddings nomic-embed-text');
    const chatCall = byName(spans, 'chat gpt-4o-mini');
    assert.equal(parentOf(embedCall), byName(spans, SPAN_NAMES.embed).spanContext().spanId);
    assert.equal(parentOf(chatCall), byName(spans, SPAN_NAMES.generate).spanContext().spanId);
    assert.equal(chatCall.kind, SpanKind.CLIENT);
    assert.deepEqual(
      { ...chatCall.attributes },
      {
        'gen_ai.system': 'openai',
        'gen_ai.provider.name': 'openai',
        'gen_ai.operation.name': 'chat',
        'gen_ai.request.model': 'gpt-4o-mini',
        'gen_ai.request.max_tokens': 512,
        'gen_ai.request.temperature': 0.1,
        'gen_ai.usage.input_tokens': 12,
        'gen_ai.usage.output_tokens': 7,
        'server.address': '127.0.0.1',
        'server.port': Number(new URL(upstream.url).port),
      },
    );
    assert.equal(embedCall.attributes['gen_ai.system'], 'ollama');
    assert.equal(embedCall.attributes['gen_ai.operation.name'], 'embeddings');
    assert.equal(embedCall.attributes['gen_ai.request.max_tokens'], undefined, 'undefined attributes are skipped');

    assert.equal(upstream.seen.length, 2);
    const calls = [embedCall, chatCall];
    upstream.seen.forEach((headers, i) => {
      const m = TRACEPARENT.exec(String(headers.traceparent));
      assert.ok(m, `upstream got a W3C traceparent: ${String(headers.traceparent)}`);
      assert.equal(m[1], server.spanContext().traceId, 'upstream trace id is the server span trace id');
      assert.equal(m[2], calls[i]?.spanContext().spanId, 'upstream parent is the provider client span');
    });
  });

  test('without an incoming traceparent the server span starts a new trace', async () => {
    exporter.reset();
    const res = await fetch(`${base}/api/v1/rag/query`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    assert.equal(res.status, 200);
    await tracing.flush();
    const server = byName(exporter.getFinishedSpans(), 'POST /api/v1/rag/query');
    assert.equal(server.parentSpanContext, undefined);
    assert.notEqual(server.spanContext().traceId, CALLER_TRACE_ID);
  });

  test('5xx marks the server span failed with the thrown error; 4xx does not', async () => {
    exporter.reset();
    assert.equal((await fetch(`${base}/boom`)).status, 500);
    assert.equal((await fetch(`${base}/bad`)).status, 404);
    assert.equal((await fetch(`${base}/no-such-route`)).status, 404);
    await tracing.flush();
    const spans = exporter.getFinishedSpans();
    const boom = byName(spans, 'GET /boom');
    assert.equal(boom.status.code, SpanStatusCode.ERROR);
    assert.equal(boom.status.message, 'exploded');
    assert.equal(boom.attributes[ATTR.errorType], 'RAGD_ERR_INTERNAL');
    assert.equal(boom.events[0]?.name, 'exception');
    const bad = byName(spans, 'GET /bad');
    assert.equal(bad.status.code, SpanStatusCode.UNSET);
    assert.equal(bad.attributes[ATTR.httpStatus], 404);
    const unmatched = byName(spans, 'GET');
    assert.equal(unmatched.attributes[ATTR.httpRoute], undefined, 'no route attribute when nothing matched');
  });

  test('the facts logged for a request (collection, cache outcome, degraded) are server span attributes', async () => {
    exporter.reset();
    assert.equal((await fetch(`${base}/cached`)).status, 200);
    await tracing.flush();
    const cached = byName(exporter.getFinishedSpans(), 'GET /cached');
    assert.equal(cached.attributes[ATTR.collection], 'handbook');
    assert.equal(cached.attributes[ATTR.cacheResult], 'exact');
    assert.equal(cached.attributes[ATTR.degraded], true);
  });

  test('a request through app.inject (light-my-request) ends its server span too', async () => {
    exporter.reset();
    const res = await app.inject({ method: 'GET', url: '/bad?x=1' });
    assert.equal(res.statusCode, 404);
    await tracing.flush();
    const bad = byName(exporter.getFinishedSpans(), 'GET /bad');
    assert.equal(bad.attributes[ATTR.httpStatus], 404);
    assert.equal(bad.attributes[ATTR.urlPath], '/bad', 'the query string is left out');
  });

  test('withSpan ends the span and rethrows when fn throws or rejects', async () => {
    exporter.reset();
    assert.throws(() => tracing.withSpan('sync.fail', {}, () => {
      throw new Error('sync');
    }), /sync/);
    await assert.rejects(tracing.withSpan('async.fail', {}, async () => {
      throw new TypeError('async');
    }), TypeError);
    await tracing.flush();
    const spans = exporter.getFinishedSpans();
    assert.equal(byName(spans, 'sync.fail').status.code, SpanStatusCode.ERROR);
    assert.equal(byName(spans, 'async.fail').attributes[ATTR.errorType], 'TypeError');
  });

  if (implicitContext) test('iterateInSpan runs every step in the span and closes the source when the consumer stops early', async () => {
    exporter.reset();
    let closed = false;
    async function* source(): AsyncGenerator<string | undefined> {
      try {
        yield tracing.currentTraceId();
        yield tracing.currentTraceId();
      } finally {
        closed = true;
      }
    }
    const span = tracing.startSpan('outer');
    for await (const traceId of iterateInSpan(span, source())) {
      assert.equal(traceId, span.traceId);
      assert.equal(tracing.currentTraceId(), undefined, 'the consumer stays outside the span');
      break;
    }
    span.end();
    assert.equal(closed, true);
  });

  test('injectTraceparent adds nothing outside any span', () => {
    assert.deepEqual(tracing.injectTraceparent({ a: 'b' }), { a: 'b' });
    assert.equal(tracing.currentTraceId(), undefined);
  });

  if (!implicitContext) test('explicit parents: nothing is made active, and a span given as parent or to inject is used', async () => {
    exporter.reset();
    const parent = tracing.startSpan('parent');
    const seen = await tracing.withSpan('child', {}, async (child) => {
      await Promise.resolve();
      return {
        active: tracing.currentTraceId(),
        implicit: tracing.injectTraceparent<Record<string, string>>({}),
        explicit: tracing.injectTraceparent<Record<string, string>>({}, child),
        run: child.run(() => tracing.currentTraceId() ?? 'plain call'),
        childId: child.spanId,
      };
    }, { parent });
    parent.end();
    assert.equal(seen.active, undefined);
    assert.deepEqual(seen.implicit, {}, 'no active span to propagate');
    assert.equal(seen.explicit.traceparent, `00-${parent.traceId}-${seen.childId}-01`);
    assert.equal(seen.run, 'plain call', 'span.run is a plain call');
    await tracing.flush();
    assert.equal(parentOf(byName(exporter.getFinishedSpans(), 'child')), parent.spanId);
    assert.equal(byName(exporter.getFinishedSpans(), 'parent').parentSpanContext, undefined);
  });
});

describe('tracing off', () => {
  test('creates no spans, injects nothing, and withSpan is a plain call', async () => {
    const exporter = new InMemorySpanExporter();
    const tracing = await createTracing({ enabled: false, exporter, env: {} });
    assert.equal(tracing.enabled, false);
    assert.equal(tracing.tracer, null);
    const promise = Promise.resolve(7);
    assert.equal(tracing.withSpan('x', {}, () => promise), promise, 'the very same promise comes back');
    assert.equal(tracing.withSpan('x', {}, (span) => span), NOOP_SPAN);
    const headers = { accept: 'application/json' };
    assert.equal(tracing.injectTraceparent(headers), headers);
    assert.deepEqual(headers, { accept: 'application/json' });

    const upstream = await startUpstream();
    const app = await buildApp(tracing, upstream.url);
    try {
      const { port } = app.server.address() as AddressInfo;
      const res = await fetch(`http://127.0.0.1:${port}/api/v1/rag/query`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', traceparent: `00-${CALLER_TRACE_ID}-${CALLER_SPAN_ID}-01` },
        body: '{}',
      });
      assert.equal(res.status, 200);
      assert.equal(upstream.seen.length, 2);
      for (const h of upstream.seen) assert.equal(h.traceparent, undefined);
      assert.equal(exporter.getFinishedSpans().length, 0);
    } finally {
      await app.close();
      upstream.server.close();
    }
  });

  test('is the default when no setting or OTEL variable asks for it', async () => {
    assert.equal((await createTracing({ env: {} })).enabled, false);
  });
});

describe('tracing switch and sampler from the environment', () => {
  test('precedence: OTEL_SDK_DISABLED, explicit setting, exporter, OTEL_TRACES_EXPORTER, endpoint', () => {
    assert.equal(tracingEnabled({}, {}), false);
    assert.equal(tracingEnabled({}, { OTEL_TRACES_EXPORTER: 'otlp' }), true);
    assert.equal(tracingEnabled({}, { OTEL_TRACES_EXPORTER: 'console, otlp' }), true);
    assert.equal(tracingEnabled({}, { OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' }), false);
    assert.equal(tracingEnabled({}, { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' }), true);
    assert.equal(tracingEnabled({}, { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://c:4318/v1/traces' }), true);
    assert.equal(tracingEnabled({ enabled: true }, {}), true);
    assert.equal(tracingEnabled({ enabled: false }, { OTEL_TRACES_EXPORTER: 'otlp' }), false);
    assert.equal(tracingEnabled({ hasExporter: true }, {}), true);
    assert.equal(tracingEnabled({ enabled: true, hasExporter: true }, { OTEL_SDK_DISABLED: 'true' }), false);
  });

  test('OTEL_TRACES_EXPORTER picks the exporter: otlp by default, none drops what it is given', () => {
    assert.equal(tracesExporterFrom({}), 'otlp');
    assert.equal(tracesExporterFrom({ OTEL_TRACES_EXPORTER: 'otlp' }), 'otlp');
    assert.equal(tracesExporterFrom({ OTEL_TRACES_EXPORTER: ' None ' }), 'none');
    assert.equal(tracesExporterFrom({ OTEL_TRACES_EXPORTER: 'none,otlp' }), 'otlp');
    assert.equal(tracesExporterFrom({ OTEL_TRACES_EXPORTER: 'zipkin' }), 'otlp', 'exporters ragd lacks fall back to the default');
    const exporter = createSpanExporter('none');
    assert.ok(exporter instanceof DroppingSpanExporter);
    const results: ExportResult[] = [];
    exporter.export([{} as ReadableSpan, {} as ReadableSpan], (r) => results.push(r));
    assert.deepEqual(results, [{ code: ExportResultCode.SUCCESS }]);
    assert.equal(exporter.dropped, 2);
  });

  test('OTEL_TRACES_EXPORTER=none with tracing switched on: spans are made, sampled and propagated, then dropped', async () => {
    assert.equal(tracingEnabled({}, { OTEL_TRACES_EXPORTER: 'none' }), false, 'none alone leaves tracing off');
    const diagnostics: string[] = [];
    const tracing = await createTracing({ enabled: true, env: { OTEL_TRACES_EXPORTER: 'none' }, implicitContext: false, onDiagnostic: (m) => diagnostics.push(m) });
    assert.equal(tracing.enabled, true);
    const span = tracing.startSpan('kept', {}, { kind: 'server', carrier: { traceparent: `00-${CALLER_TRACE_ID}-${CALLER_SPAN_ID}-01` } });
    assert.equal(span.recording, true);
    assert.equal(span.traceId, CALLER_TRACE_ID);
    assert.match(String(tracing.injectTraceparent<Record<string, string>>({}, span).traceparent), new RegExp(`^00-${CALLER_TRACE_ID}-${span.spanId}-01$`));
    span.end();
    // The batch goes to the dropping exporter: no collector is contacted, so nothing can fail.
    await tracing.flush();
    await tracing.shutdown();
    assert.deepEqual(diagnostics, []);
  });

  test('service name: explicit, then OTEL_SERVICE_NAME, then ragd', () => {
    assert.equal(serviceNameFrom('a', { OTEL_SERVICE_NAME: 'b' }), 'a');
    assert.equal(serviceNameFrom(undefined, { OTEL_SERVICE_NAME: 'b' }), 'b');
    assert.equal(serviceNameFrom(undefined, {}), 'ragd');
  });

  test('OTEL_TRACES_SAMPLER=always_off records nothing but still propagates the trace', async () => {
    const exporter = new InMemorySpanExporter();
    const tracing = await createTracing({ exporter, env: { OTEL_TRACES_SAMPLER: 'always_off' } });
    const headers = tracing.withSpan('dropped', {}, (span) => {
      assert.equal(span.recording, false);
      return tracing.injectTraceparent<Record<string, string>>({});
    });
    await tracing.shutdown();
    assert.equal(exporter.getFinishedSpans().length, 0);
    assert.match(String(headers.traceparent), /-00$/, 'propagated as not sampled');
  });

  test('the parent-based default keeps a caller decision not to sample', async () => {
    const exporter = new InMemorySpanExporter();
    const tracing = await createTracing({ exporter, env: {} });
    const span = tracing.startSpan('server', {}, { kind: 'server', carrier: { traceparent: `00-${CALLER_TRACE_ID}-${CALLER_SPAN_ID}-00` } });
    assert.equal(span.recording, false);
    assert.equal(span.traceId, CALLER_TRACE_ID);
    span.end();
    await tracing.shutdown();
    assert.equal(exporter.getFinishedSpans().length, 0);
  });
});

test('attribute keys match @opentelemetry/semantic-conventions; provider span name and server attributes', () => {
  assert.equal(ATTR.httpMethod, semconv.ATTR_HTTP_REQUEST_METHOD);
  assert.equal(ATTR.httpRoute, semconv.ATTR_HTTP_ROUTE);
  assert.equal(ATTR.httpStatus, semconv.ATTR_HTTP_RESPONSE_STATUS_CODE);
  assert.equal(ATTR.urlPath, semconv.ATTR_URL_PATH);
  assert.equal(ATTR.urlScheme, semconv.ATTR_URL_SCHEME);
  assert.equal(ATTR.serverAddress, semconv.ATTR_SERVER_ADDRESS);
  assert.equal(ATTR.serverPort, semconv.ATTR_SERVER_PORT);
  assert.equal(ATTR.errorType, semconv.ATTR_ERROR_TYPE);
  assert.equal(ATTR.genAiSystem, incubating.ATTR_GEN_AI_SYSTEM);
  assert.equal(ATTR.genAiProvider, incubating.ATTR_GEN_AI_PROVIDER_NAME);
  assert.equal(ATTR.genAiOperation, incubating.ATTR_GEN_AI_OPERATION_NAME);
  assert.equal(ATTR.genAiRequestModel, incubating.ATTR_GEN_AI_REQUEST_MODEL);
  assert.equal(ATTR.genAiResponseModel, incubating.ATTR_GEN_AI_RESPONSE_MODEL);
  assert.equal(ATTR.genAiMaxTokens, incubating.ATTR_GEN_AI_REQUEST_MAX_TOKENS);
  assert.equal(ATTR.genAiTemperature, incubating.ATTR_GEN_AI_REQUEST_TEMPERATURE);
  assert.equal(ATTR.genAiInputTokens, incubating.ATTR_GEN_AI_USAGE_INPUT_TOKENS);
  assert.equal(ATTR.genAiOutputTokens, incubating.ATTR_GEN_AI_USAGE_OUTPUT_TOKENS);
  const info: ProviderCallInfo = { system: 'openai', operation: 'embeddings', model: 'text-embedding-3-small', url: 'https://api.openai.com/v1/embeddings?x=1' };
  assert.equal(providerSpanName(info), 'embeddings text-embedding-3-small');
  const attrs = providerSpanAttributes(info);
  assert.equal(attrs[ATTR.serverAddress], 'api.openai.com');
  assert.equal(attrs[ATTR.serverPort], 443, 'the scheme default port when the URL has none');
  assert.ok(!Object.values(attrs).some((v) => typeof v === 'string' && v.includes('/v1/')), 'no path or query recorded');
  assert.equal(incubating.GEN_AI_OPERATION_NAME_VALUE_CHAT, 'chat');
  assert.equal(incubating.GEN_AI_OPERATION_NAME_VALUE_EMBEDDINGS, 'embeddings');
});

test('ids: cut from the random pool in order, refilled when used up, never all zeros', () => {
  let fills = 0;
  // First fill: 16 zero bytes (an invalid trace id, skipped), then bytes counting up; later fills: 0xab.
  const ids = pooledIdGenerator((buf) => {
    fills += 1;
    for (let i = 0; i < buf.length; i++) buf[i] = fills === 1 ? (i < 16 ? 0 : i & 0xff) : 0xab;
  });
  assert.equal(ids.generateTraceId(), '101112131415161718191a1b1c1d1e1f', 'the all-zero id is skipped');
  assert.equal(ids.generateSpanId(), '2021222324252627');
  // 40 of the pool's 4096 bytes are used; 507 more span ids (8 bytes each) fit before a refill.
  for (let i = 0; i < 507; i++) assert.match(ids.generateSpanId(), /^[0-9a-f]{16}$/);
  assert.equal(fills, 1);
  assert.equal(ids.generateSpanId(), 'abababababababab');
  assert.equal(fills, 2);
});

test('span times: start from the wall clock, duration from the monotonic clock, as the SDK reports them', async () => {
  const exporter = new InMemorySpanExporter();
  let monotonic = 1000;
  const tracing = await createTracing({ exporter, env: {}, implicitContext: false, clock: { epochMs: () => 1_700_000_000_123, monotonicMs: () => monotonic } });
  const span = tracing.startSpan('timed');
  monotonic += 2.5;
  span.end();
  monotonic += 100;
  span.end();
  await tracing.flush();
  const [timed] = exporter.getFinishedSpans();
  assert.ok(timed);
  assert.deepEqual(timed.startTime, [1_700_000_000, 123_000_000]);
  assert.deepEqual(timed.duration, [0, 2_500_000], 'the second end() changes nothing');
  assert.deepEqual(timed.endTime, [1_700_000_000, 125_500_000]);
  assert.equal(timed.ended, true);
  assert.equal(exporter.getFinishedSpans().length, 1, 'exported once');
  await tracing.shutdown();
});

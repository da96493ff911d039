/**
 * Resilience end to end: a real ragd server in front of in-test upstreams that fail, hang, rate
 * limit and cut streams. Checks degradation (visible), breaker opening on the 5th failure and no
 * further upstream calls while open, recovery through HALF_OPEN to CLOSED after 3 successes,
 * retries honouring Retry-After, deadlines aborting upstream calls, fault injection and shedding.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai.js';
import { call, parseSse, startTestServer, type TestServer } from '../support/test-server.js';

const DOC = {
  id: 'paris',
  title: 'France',
  text: 'Paris is the capital of France. The Seine flows through Paris. France borders Spain and Italy.',
};

async function serverWith(upstream: FakeOpenAI, env: Record<string, string> = {}): Promise<TestServer> {
  const srv = await startTestServer({ RAGD_GENERATOR: 'openai', RAGD_OPENAI_BASE_URL: upstream.url, RAGD_OPENAI_API_KEY: 'sk-test', ...env });
  const res = await call(srv.url, 'POST', '/api/v1/rag/documents', { documents: [DOC] });
  assert.equal(res.status, 201, res.text);
  return srv;
}

function chatCalls(upstream: FakeOpenAI): number {
  return upstream.stats().requests['/v1/chat/completions'] ?? 0;
}

async function breaker(base: string, name: string): Promise<{ state: string } & Record<string, unknown>> {
  const res = await call(base, 'GET', '/metrics/circuit-breaker');
  const dep = (res.body.dependencies as { name: string; breaker: { state: string } }[]).find((d) => d.name === name);
  assert.ok(dep, `dependency ${name} listed`);
  return dep.breaker as { state: string } & Record<string, unknown>;
}

describe('generation upstream dead', () => {
  let upstream: FakeOpenAI;
  let srv: TestServer;
  before(async () => {
    upstream = await startFakeOpenAI({ behavior: { failWith: 500 } });
    srv = await serverWith(upstream, { RAGD_RETRY_MAX_ATTEMPTS: '1' });
  });
  after(async () => {
    await srv.stop();
    await upstream.close();
  });

  test('200 queries all get degraded extractive answers; the breaker opens on the 5th failure and then fails fast', async () => {
    for (let i = 0; i < 200; i++) {
      const res = await call(srv.url, 'POST', '/api/v1/rag/query', { query: 'What is the capital of France?', cache: 'bypass' });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.degraded, true);
      assert.deepEqual(res.body.reasons, ['generation_unavailable']);
      assert.equal(res.body.model, 'extractive-v1');
      assert.match(String(res.body.answer), /Paris is the capital of France\. \[1\]/);
      assert.equal(res.headers.get('x-ragd-degraded'), 'generation_unavailable');
      if (i === 3) assert.equal((await breaker(srv.url, 'generation:openai')).state, 'closed', 'still closed after 4 failures');
      if (i === 4) assert.equal((await breaker(srv.url, 'generation:openai')).state, 'open', 'open after the 5th failure');
    }
    assert.equal(chatCalls(upstream), 5, 'no upstream call once the breaker is open');
    const metrics = await call(srv.url, 'GET', '/metrics');
    assert.match(metrics.text, /circuit_breaker_state\{name="generation:openai"\} 1/);
    assert.match(metrics.text, /circuit_breaker_transitions_total\{name="generation:openai",from="closed",to="open"\} 1/);
    assert.match(metrics.text, /degraded_responses_total\{reason="generation_unavailable"\} 200/);
  });
});

describe('recovery', () => {
  test('HALF_OPEN after the open period, CLOSED after 3 successes', async () => {
    const upstream = await startFakeOpenAI({ behavior: { failWith: 503 } });
    const srv = await serverWith(upstream, { RAGD_RETRY_MAX_ATTEMPTS: '1', RAGD_BREAKER_OPEN_MS: '300' });
    try {
      for (let i = 0; i < 5; i++) await call(srv.url, 'POST', '/api/v1/rag/query', { query: 'capital of France?', cache: 'bypass' });
      assert.equal((await breaker(srv.url, 'generation:openai')).state, 'open');
      upstream.setBehavior({});
      await new Promise((r) => setTimeout(r, 400)); // the breaker's open period (300 ms) must pass
      const states: string[] = [];
      for (let i = 0; i < 3; i++) {
        const res = await call(srv.url, 'POST', '/api/v1/rag/query', { query: 'capital of France?', cache: 'bypass' });
        assert.equal(res.status, 200);
        assert.equal(res.body.degraded, false, res.text);
        assert.equal(res.body.model, 'gpt-4o-mini');
        states.push((await breaker(srv.url, 'generation:openai')).state);
      }
      assert.deepEqual(states, ['half_open', 'half_open', 'closed']);
      const metrics = (await call(srv.url, 'GET', '/metrics')).text;
      assert.match(metrics, /from="open",to="half_open"\} 1/);
      assert.match(metrics, /from="half_open",to="closed"\} 1/);
    } finally {
      await srv.stop();
      await upstream.close();
    }
  });
});

describe('retries, deadlines and streams', () => {
  let upstream: FakeOpenAI;
  let srv: TestServer;
  before(async () => {
    upstream = await startFakeOpenAI();
    srv = await serverWith(upstream, { RAGD_RETRY_BASE_DELAY_MS: '10' });
  });
  after(async () => {
    await srv.stop();
    await upstream.close();
  });

  test('a 429 with Retry-After is retried and the answer is not degraded', async () => {
    upstream.setBehavior({ rateLimit: { retryAfter: 0 }, failTimes: 1 });
    const before = chatCalls(upstream);
    const res = await call(srv.url, 'POST', '/api/v1/rag/query', { query: 'capital of France?', cache: 'bypass' });
    assert.equal(res.status, 200);
    assert.equal(res.body.degraded, false, res.text);
    assert.equal(chatCalls(upstream) - before, 2);
  });

  test('a hanging upstream is abandoned at the request deadline', async () => {
    upstream.setBehavior({ hang: true });
    const res = await call(srv.url, 'POST', '/api/v1/rag/query', { query: 'capital of France?', cache: 'bypass' }, { 'x-request-timeout': '300ms' });
    // Either the extractive fallback answered in time, or the deadline is reported: never a hang.
    assert.ok(res.status === 200 || res.status === 504, res.text);
    if (res.status === 200) assert.deepEqual(res.body.reasons, ['generation_unavailable']);
    else assert.equal(res.body.code, 'RAGD_ERR_TIMEOUT');
    upstream.setBehavior({});
  });

  test('an invalid X-Request-Timeout is a 400 naming the header', async () => {
    const res = await call(srv.url, 'POST', '/api/v1/rag/query', { query: 'x' }, { 'x-request-timeout': 'soon' });
    assert.equal(res.status, 400);
    assert.equal(res.body.field, 'X-Request-Timeout');
  });

  test('a stream cut mid-answer ends with an error event, never done', async () => {
    upstream.setBehavior({ cutStreamAfterChunks: 2 });
    const res = await fetch(`${srv.url}/api/v1/rag/query`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'capital of France?', stream: true, cache: 'bypass' }),
    });
    const events = parseSse(await res.text());
    const kinds = events.map((e) => e.event);
    assert.ok(kinds.includes('delta'), kinds.join(','));
    assert.equal(kinds.at(-1), 'error');
    assert.ok(!kinds.includes('done'));
    assert.match(String(events.at(-1)!.data.code), /^RAGD_ERR_PROVIDER/);
    upstream.setBehavior({});
  });

  test('a stream whose upstream fails before the first token falls back to extractive, visibly', async () => {
    upstream.setBehavior({ failWith: 500, failTimes: 10 });
    const res = await fetch(`${srv.url}/api/v1/rag/query`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'capital of France?', stream: true, cache: 'bypass' }),
    });
    const events = parseSse(await res.text());
    const done = events.find((e) => e.event === 'done');
    assert.ok(done);
    assert.equal(done.data.degraded, true);
    assert.deepEqual(done.data.reasons, ['generation_unavailable']);
    upstream.setBehavior({});
  });
});

describe('fault injection and shedding', () => {
  test('faults on embedding and vector_search degrade retrieval to lexical, visibly; clearing restores hybrid', async () => {
    const srv = await startTestServer({ RAGD_FAULT_INJECTION: 'true' });
    try {
      await call(srv.url, 'POST', '/api/v1/rag/documents', { documents: [DOC] });
      const set = await call(srv.url, 'PUT', '/api/v1/admin/faults/embedding', { rules: [{ kind: 'error', code: 'RAGD_ERR_PROVIDER_UNAVAILABLE' }] });
      assert.equal(set.status, 200, set.text);
      let res = await call(srv.url, 'POST', '/api/v1/rag/search', { query: 'capital of France' });
      assert.equal(res.body.mode, 'lexical');
      assert.deepEqual(res.body.reasons, ['embedding_unavailable']);
      assert.equal((res.body.results as unknown[]).length, 1);
      await call(srv.url, 'DELETE', '/api/v1/admin/faults/embedding');
      await call(srv.url, 'PUT', '/api/v1/admin/faults/vector_search', { rules: [{ kind: 'error', code: 'RAGD_ERR_STORE_UNAVAILABLE' }] });
      res = await call(srv.url, 'POST', '/api/v1/rag/query', { query: 'capital of France', cache: 'bypass' });
      assert.equal(res.status, 200);
      assert.deepEqual(res.body.reasons, ['vector_index_unavailable']);
      await call(srv.url, 'DELETE', '/api/v1/admin/faults');
      res = await call(srv.url, 'POST', '/api/v1/rag/search', { query: 'capital of France' });
      assert.equal(res.body.mode, 'hybrid');
      assert.equal(res.body.degraded, false);
      const bad = await call(srv.url, 'PUT', '/api/v1/admin/faults/embedding', { rules: [{ kind: 'explode' }] });
      assert.equal(bad.status, 400);
    } finally {
      await srv.stop();
    }
  });

  test('fault injection is refused unless enabled', async () => {
    const srv = await startTestServer();
    try {
      const res = await call(srv.url, 'PUT', '/api/v1/admin/faults/embedding', { rules: [{ kind: 'timeout' }] });
      assert.equal(res.status, 403);
    } finally {
      await srv.stop();
    }
  });

  test('past the in-flight limit new requests get 503 with Retry-After, and health still answers', async () => {
    const upstream = await startFakeOpenAI({ behavior: { latencyMs: 400 } });
    const srv = await serverWith(upstream, { RAGD_SHED_MAX_IN_FLIGHT: '1' });
    try {
      const slow = call(srv.url, 'POST', '/api/v1/rag/query', { query: 'capital of France?', cache: 'bypass' });
      await upstream.nextRequest('/v1/chat/completions');
      const shed = await call(srv.url, 'POST', '/api/v1/rag/search', { query: 'Paris' });
      assert.equal(shed.status, 503);
      assert.equal(shed.body.code, 'RAGD_ERR_OVERLOADED');
      assert.equal(shed.headers.get('retry-after'), '1');
      assert.equal((await call(srv.url, 'GET', '/health/live')).status, 200);
      assert.equal((await slow).status, 200);
      assert.match((await call(srv.url, 'GET', '/metrics')).text, /shed_requests_total\{reason="in_flight"\} 1/);
    } finally {
      await srv.stop();
      await upstream.close();
    }
  });
});

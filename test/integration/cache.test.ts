/**
 * The answer cache end to end: exact and semantic hits (with X-Cache), guards that stop wrong
 * semantic hits, invalidation by ingest, tenant and collection partitions, bypass/refresh, stream
 * replay, streams cached only when clean, single-flight (500 concurrent identical questions, one
 * generation), serve-stale when the generator is down, purge, and the cache metrics.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai.js';
import { call, parseSse, startTestServer, type TestServer } from '../support/test-server.js';

const DOCS = [
  { id: 'bread', title: 'Sourdough', text: 'Sourdough ferments for twelve hours before baking. It uses wild yeast instead of commercial yeast. The starter was created in 2023.' },
  { id: 'tea', title: 'Tea', text: 'Green tea is steeped at 80 degrees for three minutes. Black tea needs boiling water. Darjeeling grows in India.' },
];

const q = (base: string, body: Record<string, unknown>, headers: Record<string, string> = {}) => call(base, 'POST', '/api/v1/rag/query', { collection: 'kb', ...body }, headers);

describe('answer cache with the extractive generator', () => {
  let srv: TestServer;
  before(async () => {
    srv = await startTestServer();
    assert.equal((await call(srv.url, 'POST', '/api/v1/rag/documents', { collection: 'kb', documents: DOCS })).status, 201);
  });
  after(() => srv.stop());

  test('the second identical question is an exact hit with the same answer', async () => {
    const first = await q(srv.url, { query: 'How long does sourdough ferment?' });
    assert.equal(first.body.cache, 'miss');
    assert.equal(first.headers.get('x-cache'), 'miss');
    const second = await q(srv.url, { query: '  how long does SOURDOUGH ferment ' });
    assert.equal(second.body.cache, 'exact');
    assert.equal(second.headers.get('x-cache'), 'exact');
    assert.equal(second.body.answer, first.body.answer);
    assert.deepEqual(second.body.citations, first.body.citations);
  });

  test('a paraphrase above the threshold is a semantic hit', async () => {
    await q(srv.url, { query: 'At what temperature is green tea steeped?' });
    const para = await q(srv.url, { query: 'At what temperature is the green tea steeped?' });
    assert.equal(para.body.cache, 'semantic', para.text);
    assert.equal(para.headers.get('x-cache'), 'semantic');
  });

  test('negations, numbers and named entities never hit semantically', async () => {
    await q(srv.url, { query: 'Does sourdough use commercial yeast?' });
    const neg = await q(srv.url, { query: 'Does sourdough not use commercial yeast?' });
    assert.equal(neg.body.cache, 'miss');
    await q(srv.url, { query: 'What happened to the starter in 2023?' });
    const num = await q(srv.url, { query: 'What happened to the starter in 2024?' });
    assert.equal(num.body.cache, 'miss');
    await q(srv.url, { query: 'Does Darjeeling grow in India?' });
    const ent = await q(srv.url, { query: 'Does Darjeeling grow in Nepal?' });
    assert.equal(ent.body.cache, 'miss');
  });

  test('a threshold the caller raises is honoured; one below the floor cannot lower it', async () => {
    await q(srv.url, { query: 'Which water does black tea need?' });
    const strict = await q(srv.url, { query: 'Which water does the black tea need?', threshold: 0.99999 });
    assert.equal(strict.body.cache, 'miss');
  });

  test('bypass neither reads nor writes; refresh recomputes', async () => {
    const bypass = await q(srv.url, { query: 'How long does sourdough ferment?', cache: 'bypass' });
    assert.equal(bypass.body.cache, 'miss');
    assert.equal(bypass.headers.get('x-cache'), 'bypass');
    const refresh = await q(srv.url, { query: 'How long does sourdough ferment?', cache: 'refresh' });
    assert.equal(refresh.body.cache, 'miss');
    assert.equal((await q(srv.url, { query: 'How long does sourdough ferment?' })).body.cache, 'exact');
  });

  test('a streaming request replays a cached answer with the same event shapes', async () => {
    const json = await q(srv.url, { query: 'How long is green tea steeped?' });
    const res = await fetch(`${srv.url}/api/v1/rag/query`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ collection: 'kb', query: 'How long is green tea steeped?', stream: true }),
    });
    assert.equal(res.headers.get('x-cache'), 'exact');
    const events = parseSse(await res.text());
    assert.deepEqual([...new Set(events.map((e) => e.event))], ['delta', 'citations', 'done']);
    assert.equal(events.filter((e) => e.event === 'delta').map((e) => e.data.text).join(''), json.body.answer);
    assert.equal(events.at(-1)!.data.cache, 'exact');
  });

  test('a streamed answer that finished cleanly is cached for the next request', async () => {
    const live = await fetch(`${srv.url}/api/v1/rag/query`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ collection: 'kb', query: 'Where does Darjeeling grow?', stream: true }),
    });
    assert.equal(live.headers.get('x-cache'), 'miss');
    await live.text();
    assert.equal((await q(srv.url, { query: 'Where does Darjeeling grow?' })).body.cache, 'exact');
  });

  test('an ingest into the collection invalidates its cached answers', async () => {
    await q(srv.url, { query: 'What does sourdough use instead of commercial yeast?' });
    assert.equal((await q(srv.url, { query: 'What does sourdough use instead of commercial yeast?' })).body.cache, 'exact');
    await call(srv.url, 'POST', '/api/v1/rag/documents', { collection: 'kb', documents: [{ id: 'extra', text: 'Rye bread is dense.' }] });
    assert.equal((await q(srv.url, { query: 'What does sourdough use instead of commercial yeast?' })).body.cache, 'miss');
  });

  test('tenants and collections are hard partitions', async () => {
    await call(srv.url, 'POST', '/api/v1/rag/documents', { collection: 'kb', documents: DOCS }, { 'x-tenant': 'other' });
    await call(srv.url, 'POST', '/api/v1/rag/documents', { collection: 'kb-copy', documents: DOCS });
    await q(srv.url, { query: 'Is black tea made with boiling water?' });
    assert.equal((await q(srv.url, { query: 'Is black tea made with boiling water?' })).body.cache, 'exact');
    const otherTenant = await q(srv.url, { query: 'Is black tea made with boiling water?' }, { 'x-tenant': 'other' });
    assert.equal(otherTenant.body.cache, 'miss', otherTenant.text);
    const otherCollection = await q(srv.url, { query: 'Is black tea made with boiling water?', collection: 'kb-copy' });
    assert.equal(otherCollection.body.cache, 'miss');
    const otherMode = await q(srv.url, { query: 'Is black tea made with boiling water?', mode: 'lexical' });
    assert.equal(otherMode.body.cache, 'miss');
  });

  test('purge drops a collection\'s answers; metrics count hits and misses by kind', async () => {
    await q(srv.url, { query: 'How many minutes is green tea steeped?' });
    const purge = await call(srv.url, 'DELETE', '/api/v1/admin/cache?collection=kb');
    assert.equal(purge.status, 200, purge.text);
    assert.equal((await q(srv.url, { query: 'How many minutes is green tea steeped?' })).body.cache, 'miss');
    const metrics = (await call(srv.url, 'GET', '/metrics')).text;
    assert.match(metrics, /rag_cache_hits_total\{tier="memory",kind="exact"\} [1-9]/);
    assert.match(metrics, /rag_cache_hits_total\{tier="semantic",kind="semantic"\} [1-9]/);
    assert.match(metrics, /rag_cache_misses_total\{kind="exact"\} [1-9]/);
    assert.match(metrics, /semantic_cache_similarity_count [1-9]/);
    const sem = await call(srv.url, 'GET', '/metrics/semantic-cache');
    assert.equal(sem.body.threshold, 0.95);
    assert.equal(typeof sem.body.size, 'number');
  });
});

describe('answer cache in front of a remote generator', () => {
  let upstream: FakeOpenAI;
  let srv: TestServer;
  before(async () => {
    upstream = await startFakeOpenAI({ behavior: { latencyMs: 50 } });
    srv = await startTestServer({
      RAGD_GENERATOR: 'openai',
      RAGD_OPENAI_BASE_URL: upstream.url,
      RAGD_OPENAI_API_KEY: 'sk-test',
      RAGD_RETRY_MAX_ATTEMPTS: '1',
      RAGD_SHED_MAX_IN_FLIGHT: '10000',
    });
    await call(srv.url, 'POST', '/api/v1/rag/documents', { collection: 'kb', documents: DOCS });
  });
  after(async () => {
    await srv.stop();
    await upstream.close();
  });
  const chat = () => upstream.stats().requests['/v1/chat/completions'] ?? 0;

  test('500 concurrent identical questions on a cold cache cause exactly one generation', async () => {
    const before = chat();
    const answers = await Promise.all(Array.from({ length: 500 }, () => q(srv.url, { query: 'How hot is the water for green tea?' })));
    for (const a of answers) assert.equal(a.status, 200);
    assert.equal(chat() - before, 1);
    assert.equal(new Set(answers.map((a) => a.body.answer)).size, 1);
  });

  test('a stream cut mid-answer is not cached', async () => {
    upstream.setBehavior({ cutStreamAfterChunks: 2 });
    const res = await fetch(`${srv.url}/api/v1/rag/query`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ collection: 'kb', query: 'Does black tea need boiling water?', stream: true }),
    });
    assert.equal(parseSse(await res.text()).at(-1)!.event, 'error');
    upstream.setBehavior({});
    assert.equal((await q(srv.url, { query: 'Does black tea need boiling water?' })).body.cache, 'miss');
  });

});

describe('serve-stale-on-error', () => {
  test('when the answer has expired and the generator is down, the stale answer is served, marked stale', async () => {
    const upstream = await startFakeOpenAI();
    const srv = await startTestServer({
      RAGD_GENERATOR: 'openai',
      RAGD_OPENAI_BASE_URL: upstream.url,
      RAGD_OPENAI_API_KEY: 'sk-test',
      RAGD_CACHE_L2_TTL_MS: '300',
      RAGD_SEMANTIC_TTL_MS: '300',
      RAGD_RETRY_MAX_ATTEMPTS: '1',
    });
    try {
      await call(srv.url, 'POST', '/api/v1/rag/documents', { collection: 'kb', documents: DOCS });
      const fresh = await q(srv.url, { query: 'Where is Darjeeling grown?' });
      assert.equal(fresh.body.cache, 'miss');
      await new Promise((r) => setTimeout(r, 400)); // the answer's freshness (300 ms) passes
      upstream.setBehavior({ failWith: 500 });
      const stale = await q(srv.url, { query: 'Where is Darjeeling grown?' });
      assert.equal(stale.body.cache, 'stale', stale.text);
      assert.equal(stale.headers.get('x-cache'), 'stale');
      assert.equal(stale.body.answer, fresh.body.answer);
      const uncached = await q(srv.url, { query: 'A question never asked before about tea?' });
      assert.equal(uncached.body.degraded, true);
      assert.equal(uncached.body.cache, 'miss');
    } finally {
      await srv.stop();
      await upstream.close();
    }
  });
});

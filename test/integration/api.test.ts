/**
 * End-to-end over real HTTP: a ragd server on port 0 with a temp data dir, driven through the public
 * API — ingest (text, Markdown, HTML), list, get, search (every mode, filters), query (JSON and SSE),
 * delete, re-ingest — and every kind of bad input, after which the server must still serve.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { call, parseSse, startTestServer, type TestServer } from '../support/test-server.js';

let srv: TestServer;
let base: string;

const DOCS = [
  {
    id: 'solar',
    title: 'Solar power',
    text: 'Solar panels convert sunlight into electricity using photovoltaic cells. A typical residential panel produces about 400 watts. Panels degrade by roughly half a percent per year.',
    metadata: { topic: 'energy', year: 2024 },
  },
  {
    id: 'volcano',
    title: 'Volcanoes',
    format: 'markdown',
    text: '# Volcanoes\n\n## Eruptions\n\nA volcano erupts when magma pressure exceeds the strength of the overlying rock. **Basaltic** eruptions are effusive.\n\n## Monitoring\n\nSeismometers and [tiltmeters](https://example.org) detect magma movement before eruptions.',
    metadata: { topic: 'geology', year: 2023 },
  },
  {
    id: 'bread',
    title: 'Sourdough',
    format: 'html',
    text: '<html><head><style>p{}</style><script>alert(1)</script></head><body><h1>Sourdough bread</h1><p>Sourdough uses a starter of wild yeast &amp; lactobacilli instead of commercial yeast.</p><p>The dough ferments for twelve hours before baking.</p></body></html>',
    metadata: { topic: 'food', year: 2024 },
  },
];

before(async () => {
  srv = await startTestServer();
  base = srv.url;
  const res = await call(base, 'POST', '/api/v1/rag/documents', { collection: 'kb', documents: DOCS });
  assert.equal(res.status, 201, res.text);
});

after(async () => {
  await srv.stop();
});

function assertProblem(res: { status: number; headers: Headers; body: Record<string, unknown> }, status: number, field?: string) {
  assert.equal(res.status, status, JSON.stringify(res.body));
  assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/);
  assert.equal(res.body.status, status);
  assert.equal(typeof res.body.type, 'string');
  assert.equal(typeof res.body.title, 'string');
  assert.match(String(res.body.code), /^RAGD_ERR_/);
  assert.equal(res.body.stack, undefined);
  if (field !== undefined) assert.equal(res.body.field, field, JSON.stringify(res.body));
}

describe('ingest and read back', () => {
  test('ingest reports ids and chunk counts, and the HTML/Markdown were cleaned', async () => {
    const list = await call(base, 'GET', '/api/v1/rag/documents?collection=kb');
    assert.equal(list.status, 200);
    const docs = list.body.documents as { id: string; chunkCount: number }[];
    assert.deepEqual(docs.map((d) => d.id).sort(), ['bread', 'solar', 'volcano']);
    for (const d of docs) assert.ok(d.chunkCount >= 1);
    const bread = await call(base, 'GET', '/api/v1/rag/documents/bread?collection=kb');
    assert.equal(bread.status, 200);
    const text = String(bread.body.text);
    assert.match(text, /wild yeast & lactobacilli/);
    assert.doesNotMatch(text, /<p>|alert\(1\)|p\{\}/);
    const volcano = await call(base, 'GET', '/api/v1/rag/documents/volcano?collection=kb');
    assert.doesNotMatch(String(volcano.body.text), /\*\*|\]\(https/);
  });

  test('pagination walks every document exactly once', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const res = await call(base, 'GET', `/api/v1/rag/documents?collection=kb&limit=1${cursor ? `&cursor=${cursor}` : ''}`);
      assert.equal(res.status, 200);
      seen.push(...(res.body.documents as { id: string }[]).map((d) => d.id));
      cursor = res.body.nextCursor as string | undefined;
    } while (cursor);
    assert.deepEqual(seen.sort(), ['bread', 'solar', 'volcano']);
  });

  test('X-Request-Id is echoed, or generated when absent', async () => {
    const mine = await call(base, 'GET', '/health/live', undefined, { 'x-request-id': 'req-abc.123' });
    assert.equal(mine.headers.get('x-request-id'), 'req-abc.123');
    const generated = await call(base, 'GET', '/health/live');
    assert.match(generated.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
  });
});

describe('search', () => {
  for (const mode of ['lexical', 'vector', 'hybrid'] as const) {
    test(`${mode} search finds the right document first`, async () => {
      const res = await call(base, 'POST', '/api/v1/rag/search', { collection: 'kb', query: 'how do solar panels make electricity from sunlight', mode, topK: 3 });
      assert.equal(res.status, 200, res.text);
      const results = res.body.results as { documentId: string; score: number; text: string }[];
      assert.ok(results.length >= 1);
      assert.equal(results[0]!.documentId, 'solar');
      assert.equal(res.body.mode, mode);
    });
  }

  test('metadata filters restrict results', async () => {
    const res = await call(base, 'POST', '/api/v1/rag/search', { collection: 'kb', query: 'eruptions magma bread sunlight', filter: { topic: 'food' } });
    assert.equal(res.status, 200);
    const ids = (res.body.results as { documentId: string }[]).map((r) => r.documentId);
    assert.deepEqual([...new Set(ids)], ['bread']);
    const none = await call(base, 'POST', '/api/v1/rag/search', { collection: 'kb', query: 'magma', filter: { topic: 'nope' } });
    assert.deepEqual(none.body.results, []);
  });
});

describe('query', () => {
  test('answers with citations that map to the sources', async () => {
    const res = await call(base, 'POST', '/api/v1/rag/query', { collection: 'kb', query: 'What detects magma movement before eruptions?' });
    assert.equal(res.status, 200, res.text);
    const body = res.body as { answer: string; citations: { index: number; documentId: string; text: string }[]; cache: string; degraded: boolean; timings: Record<string, number>; model: string };
    assert.match(body.answer, /Seismometers/);
    const markers = [...body.answer.matchAll(/\[(\d+)\]/g)].map((m) => Number(m[1]));
    assert.ok(markers.length > 0);
    for (const n of markers) {
      const c = body.citations.find((x) => x.index === n);
      assert.ok(c, `marker [${n}] has a citation`);
    }
    assert.equal(body.citations.find((c) => c.index === markers[0])!.documentId, 'volcano');
    assert.equal(body.cache, 'miss');
    assert.equal(body.degraded, false);
    assert.equal(body.model, 'extractive-v1');
    for (const k of ['embedMs', 'searchMs', 'generateMs', 'totalMs']) assert.equal(typeof body.timings[k], 'number');
  });

  test('streams deltas, then citations, then done', async () => {
    const res = await fetch(`${base}/api/v1/rag/query`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ collection: 'kb', query: 'How long does sourdough dough ferment?', stream: true }),
    });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
    const events = parseSse(await res.text());
    const kinds = events.map((e) => e.event);
    assert.ok(kinds.indexOf('delta') === 0, kinds.join(','));
    assert.equal(kinds.at(-1), 'done');
    assert.equal(kinds.at(-2), 'citations');
    const answer = events.filter((e) => e.event === 'delta').map((e) => e.data.text).join('');
    assert.match(answer, /twelve hours/);
  });

  test('streaming on an unknown collection is a plain 404 problem', async () => {
    const res = await call(base, 'POST', '/api/v1/rag/query', { collection: 'nope', query: 'x', stream: true });
    assertProblem(res, 404, 'collection');
  });
});

describe('replace and delete', () => {
  test('re-ingesting an id replaces it atomically; unchanged content is skipped', async () => {
    const doc = { id: 'temp', title: 'Temp', text: 'The zebrafish regenerates its heart muscle.' };
    const first = await call(base, 'POST', '/api/v1/rag/documents', { collection: 'kb2', documents: [doc] });
    assert.equal(first.status, 201);
    const again = await call(base, 'POST', '/api/v1/rag/documents', { collection: 'kb2', documents: [doc] });
    assert.equal((again.body.documents as { unchanged: boolean }[])[0]!.unchanged, true);
    const changed = await call(base, 'POST', '/api/v1/rag/documents', { collection: 'kb2', documents: [{ ...doc, text: 'Axolotls regrow whole limbs.' }] });
    assert.equal((changed.body.documents as { replaced: boolean }[])[0]!.replaced, true);
    const oldHit = await call(base, 'POST', '/api/v1/rag/search', { collection: 'kb2', query: 'zebrafish heart', mode: 'lexical' });
    assert.deepEqual(oldHit.body.results, []);
    const newHit = await call(base, 'POST', '/api/v1/rag/search', { collection: 'kb2', query: 'axolotls limbs', mode: 'lexical' });
    assert.equal((newHit.body.results as unknown[]).length, 1);
  });

  test('delete removes the document from the store and every index', async () => {
    await call(base, 'POST', '/api/v1/rag/documents', { collection: 'kb3', documents: [{ id: 'gone', text: 'Quokkas live on Rottnest Island.' }, { id: 'kept', text: 'Penguins live in Antarctica.' }] });
    const del = await call(base, 'DELETE', '/api/v1/rag/documents/gone?collection=kb3');
    assert.equal(del.status, 200);
    assertProblem(await call(base, 'GET', '/api/v1/rag/documents/gone?collection=kb3'), 404, 'id');
    for (const mode of ['lexical', 'vector', 'hybrid']) {
      const res = await call(base, 'POST', '/api/v1/rag/search', { collection: 'kb3', query: 'quokkas Rottnest Island', mode, topK: 10 });
      assert.ok(!(res.body.results as { documentId: string }[]).some((r) => r.documentId === 'gone'), mode);
    }
    assertProblem(await call(base, 'DELETE', '/api/v1/rag/documents/gone?collection=kb3'), 404, 'id');
  });
});

describe('bad input gets a clear 4xx problem and nothing is lost', () => {
  const post = (path: string, body: unknown, headers?: Record<string, string>) => call(base, 'POST', path, body, headers);

  test('malformed JSON', async () => assertProblem(await post('/api/v1/rag/search', '{"query": ', { 'content-type': 'application/json' }), 400, 'body'));
  test('invalid UTF-8', async () => {
    const bytes = Buffer.concat([Buffer.from('{"query":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]);
    const res = await fetch(`${base}/api/v1/rag/search`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: bytes });
    const body = (await res.json()) as Record<string, unknown>;
    assert.equal(res.status, 400);
    assert.equal(body.code, 'RAGD_ERR_INVALID_UTF8');
  });
  test('wrong types', async () => assertProblem(await post('/api/v1/rag/search', { query: 'x', topK: '5' }), 400, 'topK'));
  test('topK out of range', async () => {
    assertProblem(await post('/api/v1/rag/search', { query: 'x', topK: 0 }), 400, 'topK');
    assertProblem(await post('/api/v1/rag/query', { query: 'x', topK: 1001 }), 400, 'topK');
  });
  test('unknown mode', async () => assertProblem(await post('/api/v1/rag/search', { query: 'x', mode: 'psychic' }), 400, 'mode'));
  test('filter that is not an object', async () => assertProblem(await post('/api/v1/rag/search', { query: 'x', filter: ['a'] }), 400, 'filter'));
  test('unknown field', async () => assertProblem(await post('/api/v1/rag/search', { query: 'x', topk: 3 }), 400, 'topk'));
  test('missing query / whitespace query', async () => {
    assertProblem(await post('/api/v1/rag/search', {}), 400, 'query');
    assertProblem(await post('/api/v1/rag/query', { query: '   ' }), 400, 'query');
  });
  test('unknown collection and document', async () => {
    assertProblem(await post('/api/v1/rag/search', { query: 'x', collection: 'missing' }), 404, 'collection');
    assertProblem(await call(base, 'GET', '/api/v1/rag/documents/nope?collection=kb'), 404, 'id');
    assertProblem(await call(base, 'GET', '/api/v1/rag/documents?collection=missing'), 404, 'collection');
  });
  test('unknown route and unsupported media type', async () => {
    assertProblem(await call(base, 'GET', '/api/v1/nothing-here'), 404);
    assertProblem(await post('/api/v1/rag/search', 'query=x', { 'content-type': 'application/x-www-form-urlencoded' }), 415);
  });
  test('a batch with one empty or whitespace document stores none of them', async () => {
    const res = await post('/api/v1/rag/documents', { collection: 'atomic', documents: [{ id: 'ok', text: 'valid text' }, { id: 'bad', text: ' \n\t ' }] });
    assertProblem(res, 422, 'documents[1].text');
    assertProblem(await call(base, 'GET', '/api/v1/rag/documents/ok?collection=atomic'), 404);
    const empty = await post('/api/v1/rag/documents', { documents: [{ text: '' }] });
    assertProblem(empty, 400, 'documents[0].text');
    const tagsOnly = await post('/api/v1/rag/documents', { documents: [{ text: '<p> </p>', format: 'html' }] });
    assertProblem(tagsOnly, 422, 'documents[0].text');
  });
  test('duplicate ids in one request', async () => {
    assertProblem(await post('/api/v1/rag/documents', { documents: [{ id: 'a', text: 'one' }, { id: 'a', text: 'two' }] }), 422, 'documents[1].id');
  });
  test('a body over the limit is 413 and the server keeps serving', async () => {
    const small = await startTestServer({ RAGD_BODY_LIMIT_BYTES: '2048' });
    try {
      const res = await call(small.url, 'POST', '/api/v1/rag/documents', { documents: [{ text: 'x'.repeat(5000) }] });
      assertProblem(res, 413);
      assert.equal((await call(small.url, 'GET', '/health/live')).status, 200);
    } finally {
      await small.stop();
    }
  });
  test('after all of that the server still answers', async () => {
    const res = await call(base, 'POST', '/api/v1/rag/search', { collection: 'kb', query: 'sourdough' });
    assert.equal(res.status, 200);
    const list = await call(base, 'GET', '/api/v1/rag/documents?collection=kb');
    assert.equal((list.body.documents as unknown[]).length, 3);
  });
});

describe('health', () => {
  test('live and ready with per-dependency detail', async () => {
    assert.equal((await call(base, 'GET', '/health/live')).status, 200);
    const ready = await call(base, 'GET', '/health/ready');
    assert.equal(ready.status, 200, ready.text);
    const deps = ready.body.dependencies as Record<string, { status: string }>;
    assert.equal(deps.store!.status, 'up');
    assert.equal(deps.indexes!.status, 'up');
  });

  test('one JSON log line per request carries the request id, route and status', async () => {
    await call(base, 'GET', '/health/live', undefined, { 'x-request-id': 'log-check-1' });
    const line = srv.logs.find((l) => l.reqId === 'log-check-1' && l.msg === 'request completed');
    assert.ok(line, 'log line present');
    assert.equal(line.route, '/health/live');
    assert.equal(line.status, 200);
    assert.equal(typeof line.durationMs, 'number');
  });
});

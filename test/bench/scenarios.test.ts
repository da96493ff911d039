// Scenario definitions: bodies, verification from a response tally, and the fake upstream.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { hashEmbedding, startFakeOpenAi } from '../../bench/fake-openai.js';
import { ResponseTally } from '../../bench/response-tally.js';
import { SCENARIOS, SCENARIO_NAMES, getScenario, stopWordVariant } from '../../bench/scenarios.js';
import { seedDocuments, seedQueries } from '../../bench/seed-corpus.js';
import { terms } from '../../src/text/tokenize.js';

const ctx = { baseUrl: 'http://127.0.0.1:1', collection: 'bench', headers: {} };

function tally(answers: [number, Record<string, string>, string, number][]): ResponseTally {
  const t = new ResponseTally();
  for (const [status, headers, body, times] of answers) for (let i = 0; i < times; i++) t.record(status, headers, body);
  return t;
}

function bodyAt(name: keyof typeof SCENARIOS, i: number): Record<string, unknown> {
  const b = SCENARIOS[name].bodies(ctx);
  return (typeof b === 'function' ? b(i) : b[i % b.length]) as Record<string, unknown>;
}

describe('scenario bodies', () => {
  test('every scenario is defined and found by name (snake or kebab case)', () => {
    for (const name of SCENARIO_NAMES) assert.equal(getScenario(name).name, name);
    assert.equal(getScenario('exact_hit').name, 'exact-hit');
    assert.throws(() => getScenario('nope'), /unknown scenario "nope"/);
  });

  test('stop-word variants are all distinct and keep the same content words', () => {
    const base = 'what should I know about the cost of heat pumps';
    const seen = new Set<string>();
    for (let i = 0; i < 5000; i++) {
      const v = stopWordVariant(base, i);
      assert.ok(!seen.has(v) && v !== base);
      seen.add(v);
      assert.deepEqual(terms(v), terms(base));
    }
  });

  test('cache-miss and provider bodies are unique and bypass the cache; exact-hit bodies repeat', () => {
    const a = bodyAt('cache-miss', 1);
    const b = bodyAt('cache-miss', 1 + seedQueries(40).length);
    assert.equal(a['cache'], 'bypass');
    assert.notEqual(a['query'], b['query']);
    assert.equal(bodyAt('provider', 3)['cache'], 'bypass');
    assert.deepEqual(bodyAt('exact-hit', 0), bodyAt('exact-hit', 20));
    assert.equal(bodyAt('exact-hit', 0)['cache'], undefined);
  });

  test('ingest bodies carry one new document each into <collection>-ingest', () => {
    const f = SCENARIOS.ingest.bodies(ctx);
    assert.equal(typeof f, 'function');
    const one = (f as (i: number) => { collection: string; documents: { id: string }[] })(0);
    const two = (f as (i: number) => { collection: string; documents: { id: string }[] })(1);
    assert.equal(one.collection, 'bench-ingest');
    assert.equal(one.documents.length, 1);
    assert.notEqual(one.documents[0]?.id, two.documents[0]?.id);
  });

  test('the seed corpus is deterministic', () => {
    assert.deepEqual(seedDocuments(5), seedDocuments(5));
    assert.equal(new Set(seedDocuments().map((d) => d.id)).size, seedDocuments().length);
    assert.equal(new Set(seedQueries(200)).size, 200);
  });
});

describe('verification', () => {
  const exact = { 'x-cache': 'exact' };
  test('exact-hit needs x-cache: exact on >= 99% of answers', () => {
    assert.equal(SCENARIOS['exact-hit'].verify(tally([[200, exact, '{}', 100]]), {}).ok, true);
    const mixed = tally([
      [200, exact, '{}', 98],
      [200, { 'x-cache': 'miss' }, '{}', 2],
    ]);
    const v = SCENARIOS['exact-hit'].verify(mixed, {});
    assert.equal(v.ok, false);
    assert.match(v.detail, /98\.00% of answers had x-cache: exact/);
    assert.equal(v.metrics['exact_hit_ratio'], 0.98);
  });

  test('semantic-hit, cache-miss and search check their own path', () => {
    assert.equal(SCENARIOS['semantic-hit'].verify(tally([[200, { 'x-cache': 'SEMANTIC' }, '{}', 10]]), {}).ok, true);
    assert.equal(SCENARIOS['semantic-hit'].verify(tally([[200, exact, '{}', 10]]), {}).ok, false);
    assert.equal(SCENARIOS['cache-miss'].verify(tally([[200, { 'x-cache': 'bypass' }, '{}', 10]]), {}).ok, true);
    assert.equal(SCENARIOS['cache-miss'].verify(tally([[200, {}, '{}', 10]]), {}).ok, false);
    const empty = tally([
      [200, {}, '{"results":[{"documentId":"a"}]}', 9],
      [200, {}, '{"results":[]}', 1],
    ]);
    const v = SCENARIOS.search.verify(empty, {});
    assert.equal(v.ok, false);
    assert.equal(v.metrics['empty_result_rate'], 0.1);
  });

  test('breaker-open and degraded answers are counted from bodies and headers', () => {
    const t = tally([
      [200, {}, '{"degraded":false}', 6],
      [503, {}, '{"code":"RAGD_ERR_CIRCUIT_OPEN","status":503}', 2],
      [200, { 'x-ragd-degraded': 'generator-circuit-open' }, '{"degraded":true}', 2],
    ]);
    assert.equal(t.metrics()['breaker_open_rate'], 0.4);
    assert.equal(t.metrics()['degraded_rate'], 0.2);
    assert.equal(SCENARIOS.ingest.verify(t, {}).ok, false);
  });

  test('provider needs an upstream call per answer and undegraded answers', () => {
    const ok = tally([[200, {}, '{"degraded":false}', 100]]);
    assert.equal(SCENARIOS.provider.verify(ok, { upstreamChatCalls: 100 }).ok, true);
    assert.equal(SCENARIOS.provider.verify(ok, { upstreamChatCalls: 50 }).ok, false);
    assert.equal(SCENARIOS.provider.verify(ok, {}).ok, false);
    assert.equal(SCENARIOS.provider.verify(ok, { upstreamChatCalls: 100 }).metrics['upstream_calls'], 100);
  });
});

describe('fake OpenAI upstream', () => {
  test('answers chat (JSON and SSE) and embeddings, counts calls, injects failures', async () => {
    const up = await startFakeOpenAi({ failEvery: 3, dimensions: 8 });
    try {
      const post = async (path: string, body: unknown) => {
        const res = await request(`${up.baseUrl}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        return { status: res.statusCode, text: await res.body.text() };
      };
      const chat = await post('/chat/completions', { model: 'x', messages: [{ role: 'user', content: 'hi' }] });
      assert.equal(chat.status, 200);
      assert.match(
        (JSON.parse(chat.text) as { choices: { message: { content: string } }[] }).choices[0]?.message.content ?? '',
        /benchmark answer/,
      );
      const stream = await post('/chat/completions', { stream: true, messages: [] });
      assert.match(stream.text, /^data: .*chat\.completion\.chunk/);
      assert.ok(stream.text.trimEnd().endsWith('data: [DONE]'));
      assert.equal((await post('/chat/completions', {})).status, 503);
      const emb = await post('/embeddings', { input: ['solar panels', 'the solar panels'] });
      const vectors = (JSON.parse(emb.text) as { data: { embedding: number[] }[] }).data.map((d) => d.embedding);
      assert.equal(vectors[0]?.length, 8);
      assert.deepEqual(vectors[0], vectors[1]);
      assert.deepEqual(up.stats(), { chat: 3, embeddings: 1, failures: 1 });
    } finally {
      await up.close();
    }
  });

  test('hash embeddings are unit length', () => {
    const v = hashEmbedding('heat pumps efficiency', 16);
    assert.ok(Math.abs(Math.hypot(...v) - 1) < 1e-9);
    assert.deepEqual(hashEmbedding('', 4), [0, 0, 0, 0]);
  });
});

// runEval over a tiny BEIR dataset with fake ingest/search, and the HTTP adapter against a fake ragd.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import type { BeirDocument } from '../../src/eval/beir.js';
import { createHttpEvalClient } from '../../src/eval/http-adapter.js';
import type { RankedDoc } from '../../src/eval/ir-metrics.js';
import { formatEvalTable, runEval, type EvalProgress } from '../../src/eval/run-eval.js';

let dir: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ragd-run-eval-'));
  await mkdir(join(dir, 'qrels'));
  const corpus = ['d1', 'd2', 'd3', 'd4', 'd5'].map((id) => JSON.stringify({ _id: id, title: '', text: `text of ${id}` }));
  await writeFile(join(dir, 'corpus.jsonl'), corpus.join('\n') + '\n');
  await writeFile(
    join(dir, 'queries.jsonl'),
    ['q1', 'q2', 'q3', 'q4'].map((id) => JSON.stringify({ _id: id, text: `query ${id}` })).join('\n') + '\n',
  );
  // q3 has only a 0 judgment (excluded); q4 has no judgment at all (not run).
  await writeFile(join(dir, 'qrels', 'test.tsv'), 'query-id\tcorpus-id\tscore\nq1\td1\t2\nq1\td2\t1\nq2\td3\t1\nq3\td4\t0\n');
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('runEval', () => {
  test('ingests in batches, runs every judged query per mode, scores and times them', async () => {
    const batches: string[][] = [];
    const progress: EvalProgress[] = [];
    let clock = 0;
    const answers: Record<string, Record<string, RankedDoc[]>> = {
      good: {
        'query q1': [
          { docId: 'd1', score: 3 },
          { docId: 'd2', score: 2 },
        ],
        'query q2': [{ docId: 'd3', score: 1 }],
      },
      bad: { 'query q1': [{ docId: 'd5', score: 1 }], 'query q2': [] },
    };
    const result = await runEval({
      datasetDir: dir,
      modes: ['good', 'bad'],
      k: 10,
      batchSize: 2,
      now: () => clock,
      ingest: async (docs: readonly BeirDocument[]) => {
        batches.push(docs.map((d) => d.id));
      },
      search: async (query, mode, topK) => {
        assert.equal(topK, 10);
        clock += mode === 'good' ? 2 : 5;
        return answers[mode]?.[query] ?? [];
      },
      onProgress: (e) => progress.push(e),
    });
    assert.deepEqual(batches, [['d1', 'd2'], ['d3', 'd4'], ['d5']]);
    assert.equal(result.documents, 5);
    assert.deepEqual(result.excludedQueries, ['q3']);
    const [good, bad] = result.modes;
    assert.equal(good?.mode, 'good');
    assert.equal(good?.ndcg10, 1);
    assert.equal(good?.recall10, 1);
    assert.equal(good?.mrr10, 1);
    assert.equal(good?.queries, 2);
    assert.equal(good?.searched, 3);
    assert.deepEqual(good?.latencyMs, { p50: 2, p95: 2, p99: 2 });
    assert.equal(bad?.ndcg10, 0);
    assert.equal(bad?.latencyMs.p99, 5);
    assert.equal(result.perQuery.length, 6);
    const q3 = result.perQuery.find((r) => r.mode === 'good' && r.queryId === 'q3');
    assert.equal(q3?.ndcg10, null);
    assert.equal(progress.filter((e) => e.phase === 'ingest').length, 3);
    assert.deepEqual(progress.at(-1), { phase: 'search', mode: 'bad', done: 3, total: 3 });

    const table = formatEvalTable(result);
    assert.match(table, /2 queries scored, 1 without a positive judgment excluded/);
    assert.match(table, /^good\s+1\.0000\s+1\.0000\s+1\.0000\s+1\.0000\s+2\s+2\.0/m);
    assert.match(table, /^bad\s+0\.0000/m);
  });

  test('without ingest, searches an existing collection', async () => {
    const r = await runEval({ datasetDir: dir, modes: ['m'], search: async () => [] });
    assert.equal(r.documents, 0);
    assert.equal(r.k, 100);
    assert.equal(r.modes[0]?.ndcg10, 0);
  });

  test('qrels naming a query missing from queries.jsonl is an error', async () => {
    await writeFile(join(dir, 'qrels', 'dev.tsv'), 'q1\td1\t1\nq404\td1\t1\n');
    await assert.rejects(
      runEval({ datasetDir: dir, split: 'dev', modes: ['m'], search: async () => [] }),
      (err: Error & { code?: string }) => err.code === 'RAGD_ERR_VALIDATION' && err.message.includes('q404'),
    );
  });
});

describe('createHttpEvalClient', () => {
  test('ingests and searches over HTTP, collapsing chunks to documents', async () => {
    const app = Fastify({ logger: false });
    const ingested: unknown[] = [];
    const searches: unknown[] = [];
    app.post('/api/v1/rag/documents', async (req, reply) => {
      ingested.push(req.body);
      return reply.code(201).send({ documents: 1 });
    });
    app.post('/api/v1/rag/search', async (req) => {
      searches.push(req.body);
      return {
        results: [
          { documentId: 'd1', chunkId: 'd1#0', score: 0.9 },
          { documentId: 'd1', chunkId: 'd1#1', score: 0.8 },
          { documentId: 'd2', chunkId: 'd2#0', score: 0.7 },
        ],
      };
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    try {
      const address = app.server.address();
      assert.ok(address && typeof address !== 'string');
      const client = createHttpEvalClient<'hybrid'>({ baseUrl: `http://127.0.0.1:${address.port}/`, collection: 'eval', overfetch: 3 });
      await client.ingest([{ id: 'd1', title: 't', text: 'x', metadata: {} }]);
      assert.deepEqual(ingested, [{ collection: 'eval', documents: [{ id: 'd1', title: 't', text: 'x', metadata: {} }] }]);
      const ranked = await client.search('hello', 'hybrid', 10);
      assert.deepEqual(ranked, [
        { docId: 'd1', score: 0.9 },
        { docId: 'd2', score: 0.7 },
      ]);
      assert.deepEqual(searches, [{ query: 'hello', collection: 'eval', mode: 'hybrid', topK: 30 }]);
    } finally {
      await app.close();
    }
  });
});

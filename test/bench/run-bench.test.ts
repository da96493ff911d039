// runBench end to end against a tiny fake ragd (and the fake upstream behind it); smoke-sized runs.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { request } from 'undici';
import { startFakeOpenAi, type FakeOpenAi } from '../../bench/fake-openai.js';
import { EXIT_THRESHOLDS_FAILED } from '../../bench/exit-code.js';
import { runBench } from '../../bench/run.js';

let ragd: FastifyInstance;
let upstream: FakeOpenAi;
let baseUrl: string;
const ingestedInto = new Set<string>();

/** Just enough of ragd's API for the scenarios: an exact cache, bypass through the upstream, search. */
async function startFakeRagd(): Promise<void> {
  const cache = new Set<string>();
  ragd = Fastify({ logger: false });
  ragd.post<{ Body: { collection: string } }>('/api/v1/rag/documents', async (req, reply) => {
    ingestedInto.add(req.body.collection);
    return reply.code(201).send({ documents: 1 });
  });
  ragd.post<{ Body: { query: string; cache?: string } }>('/api/v1/rag/query', async (req, reply) => {
    if (req.body.cache === 'bypass') {
      const res = await request(`${upstream.baseUrl}/chat/completions`, {
        method: 'POST',
        body: '{}',
        headers: { 'content-type': 'application/json' },
      });
      await res.body.text();
      return reply.header('x-cache', 'bypass').send({ answer: 'a', cache: 'miss', degraded: false });
    }
    const hit = cache.has(req.body.query);
    cache.add(req.body.query);
    return reply.header('x-cache', hit ? 'exact' : 'miss').send({ answer: 'a', cache: hit ? 'exact' : 'miss', degraded: false });
  });
  ragd.post('/api/v1/rag/search', async () => ({ results: [{ documentId: 'bench-0001', chunkId: 'c', score: 1 }], degraded: false }));
  await ragd.listen({ host: '127.0.0.1', port: 0 });
  const address = ragd.server.address();
  assert.ok(address && typeof address !== 'string');
  baseUrl = `http://127.0.0.1:${address.port}`;
}

before(async () => {
  upstream = await startFakeOpenAi();
  await startFakeRagd();
});
after(async () => {
  await ragd.close();
  await upstream.close();
});

describe('runBench', () => {
  test('runs the reference and scenarios, verifies them, judges thresholds and writes reports', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ragd-bench-'));
    const lines: string[] = [];
    try {
      const report = await runBench({
        baseUrl,
        scenarios: ['exact-hit', 'search', 'provider'],
        connections: 2,
        durationSec: 0.2,
        warmupSec: 0.1,
        thresholds: ['exact_hit:exact_hit_ratio>=0.99', 'errors<0.01', 'ingest:p99<1', 'search:rps>1e12'],
        upstream,
        progress: false,
        log: (l) => lines.push(l),
        jsonOut: join(dir, 'bench.json'),
        svgOut: join(dir, 'bench.svg'),
      });
      assert.ok(report.reference.requests > 0);
      assert.deepEqual(
        report.scenarios.map((s) => [s.name, s.verification.ok]),
        [
          ['exact-hit', true],
          ['search', true],
          ['provider', true],
        ],
        JSON.stringify(report.scenarios.map((s) => s.verification.detail)),
      );
      for (const s of report.scenarios) assert.ok(s.load.requests > 0, s.name);
      // Each scenario is followed by the bare route sending bodies of its answers' size.
      const exactBody = JSON.stringify({ answer: 'a', cache: 'exact', degraded: false });
      assert.equal(report.scenarios[0]?.sameBytesReference?.bytes, Buffer.byteLength(exactBody));
      for (const s of report.scenarios) assert.ok((s.sameBytesReference?.rps ?? 0) > 0, s.name);
      assert.ok(lines.some((l) => l.startsWith('same-bytes reference for exact-hit')));
      assert.ok(ingestedInto.has('bench'), 'the seed corpus was ingested');
      assert.deepEqual(
        report.thresholds.map((v) => [v.threshold, v.scenario, v.status]),
        [
          ['exact_hit:exact_hit_ratio>=0.99', 'exact-hit', 'pass'],
          ['errors<0.01', 'exact-hit', 'pass'],
          ['errors<0.01', 'search', 'pass'],
          ['errors<0.01', 'provider', 'pass'],
          ['ingest:p99<1', 'ingest', 'skipped'],
          ['search:rps>1e12', 'search', 'fail'],
        ],
      );
      assert.equal(report.exitCode, EXIT_THRESHOLDS_FAILED);
      assert.ok(lines.some((l) => l.includes('running provider')));
      assert.equal((JSON.parse(await readFile(join(dir, 'bench.json'), 'utf8')) as { scenarios: unknown[] }).scenarios.length, 3);
      assert.equal((await readFile(join(dir, 'bench.svg'), 'utf8')).match(/class="bar rps"/g)?.length, 4);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('bad thresholds and unknown scenarios fail before any load is sent', async () => {
    await assert.rejects(runBench({ baseUrl, scenarios: ['search'], thresholds: ['p95 <<'] }), { code: 'RAGD_ERR_CONFIG' });
    await assert.rejects(runBench({ baseUrl, scenarios: ['search'], thresholds: ['serch:p95<1'] }), /unknown scenario/);
    await assert.rejects(runBench({ baseUrl, scenarios: ['nope'] }), /unknown scenario "nope"/);
  });
});

/**
 * Scale benchmark for the embedded defaults (issue "ragd foundation" performance targets), one
 * command: `npm run bench:scale [-- --chunks 100000]`. In one run it measures:
 *  1. the local embedder alone, one core (chunks/s);
 *  2. end-to-end ingestion over HTTP into a fresh ragd process (chunks/s, acknowledged = durable + searchable);
 *  3. POST /api/v1/rag/query (hybrid, extractive, unique questions so nothing is cached) at
 *     concurrency 1 over the whole corpus, next to a bare Fastify route measured the same way;
 *  4. RSS of the serving process with the corpus loaded;
 *  5. cold start: SIGTERM, start again on the same data directory, time until /health/ready is 200.
 * Prints a table and writes JSON (default bench/results/scale.json).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { HashEmbedder } from '../src/providers/local/hash-embedder.js';
import { spawnServer, stopServer, type ChildServer } from '../src/cli/spawn-server.js';
import { runLoad } from './load.js';
import { startReferenceServer } from './reference-server.js';
import { syntheticDocument, syntheticQuestion } from './synthetic-text.js';

const { values: args } = parseArgs({
  options: {
    chunks: { type: 'string', default: '100000' },
    queries: { type: 'string', default: '500' },
    json: { type: 'string', default: 'bench/results/scale.json' },
  },
});
const TARGET_CHUNKS = Number(args.chunks);
const QUERIES = Number(args.queries);
/** Chunks per synthetic document (~1,000 chars each at the default chunk size). */
const CHUNKS_PER_DOC = 10;
/** Documents per ingest request: ~10 MB limit allows far more; 50 docs = 500 chunks per transaction. */
const DOCS_PER_REQUEST = 50;
/** Concurrent ingest clients: one per core. */
const INGEST_CLIENTS = 2;

const here = dirname(fileURLToPath(import.meta.url));
const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
const MAIN = join(here, '..', 'src', 'cli', `main${ext}`);
const command = ext === '.ts' ? ['--import', 'tsx', MAIN] : [MAIN];

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024;
}

async function post(url: string, body: unknown): Promise<Record<string, unknown>> {
  let res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  // Honour load shedding like a well-behaved client: wait Retry-After and try again.
  for (let i = 0; res.status === 503 && i < 20; i++) {
    await new Promise((r) => setTimeout(r, Number(res.headers.get('retry-after') ?? 1) * 1000));
    res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  }
  const json = (await res.json()) as Record<string, unknown>;
  if (!res.ok) throw new Error(`${url}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

function embedderThroughput(): { chunksPerSec: number; chunks: number } {
  const embedder = new HashEmbedder({ dimensions: 384 });
  const texts = Array.from({ length: 20_000 }, (_, i) => syntheticDocument(i, 1).slice(0, 1000));
  for (let i = 0; i < 2_000; i++) embedder.embedSync(texts[i]!);
  const t0 = performance.now();
  for (const t of texts) embedder.embedSync(t);
  return { chunks: texts.length, chunksPerSec: texts.length / ((performance.now() - t0) / 1000) };
}

async function ingest(url: string): Promise<{ chunks: number; seconds: number; chunksPerSec: number }> {
  const docs = Math.ceil(TARGET_CHUNKS / CHUNKS_PER_DOC);
  let next = 0;
  let chunks = 0;
  const t0 = performance.now();
  const worker = async () => {
    while (next < docs) {
      const start = next;
      next = Math.min(docs, next + DOCS_PER_REQUEST);
      const batch = [];
      for (let i = start; i < next; i++) batch.push({ id: `doc-${i}`, title: `Report ${i}`, text: syntheticDocument(i, CHUNKS_PER_DOC) });
      const res = await post(`${url}/api/v1/rag/documents`, { collection: 'scale', documents: batch });
      chunks += res.chunks as number;
      if (process.stderr.isTTY) process.stderr.write(`\ringested ${chunks} chunks`);
    }
  };
  await Promise.all(Array.from({ length: INGEST_CLIENTS }, worker));
  if (process.stderr.isTTY) process.stderr.write('\n');
  const seconds = (performance.now() - t0) / 1000;
  return { chunks, seconds, chunksPerSec: chunks / seconds };
}

async function coldStart(dataDir: string): Promise<{ listenMs: number; readyMs: number; server: ChildServer }> {
  const t0 = performance.now();
  const server = await spawnServer({ env: { RAGD_DATA_DIR: dataDir, RAGD_RATE_LIMIT: 'off', RAGD_SHED_MAX_EVENT_LOOP_DELAY_MS: '600000' }, command });
  const listenMs = performance.now() - t0;
  for (;;) {
    const res = await fetch(`${server.url}/health/ready`);
    if (res.status === 200) break;
    await new Promise((r) => setTimeout(r, 10));
  }
  return { listenMs, readyMs: performance.now() - t0, server };
}

const dataDir = mkdtempSync(join(tmpdir(), 'ragd-scale-'));
const reference = await startReferenceServer();
let server: ChildServer | undefined;
try {
  console.error('1/5 local embedder, one core');
  const embed = embedderThroughput();
  console.error(`2/5 ingesting ${TARGET_CHUNKS} chunks`);
  server = await spawnServer({ env: { RAGD_DATA_DIR: dataDir, RAGD_RATE_LIMIT: 'off', RAGD_SHED_MAX_EVENT_LOOP_DELAY_MS: '600000' }, command });
  const ing = await ingest(server.url);
  console.error(`3/5 ${QUERIES} queries at concurrency 1 (and the bare route)`);
  const ref = await runLoad({ url: reference.url, bodies: [{ query: 'x' }], connections: 1, amount: QUERIES, warmupSec: 1 });
  const query = await runLoad({
    url: `${server.url}/api/v1/rag/query`,
    bodies: (i) => ({ collection: 'scale', query: syntheticQuestion(i), mode: 'hybrid' }),
    connections: 1,
    amount: QUERIES,
    warmupSec: 1,
  });
  const rssServing = rssMb(server.child.pid!);
  console.error('4/5 restart (cold start with the corpus on disk)');
  await stopServer(server);
  const cold = await coldStart(dataDir);
  server = cold.server;
  const rssCold = rssMb(server.child.pid!);
  const result = {
    machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version },
    chunks: ing.chunks,
    embedder: { chunksPerSec: Math.round(embed.chunksPerSec), target: 5000 },
    ingestion: { chunksPerSec: Math.round(ing.chunksPerSec), seconds: Number(ing.seconds.toFixed(1)), target: 1000 },
    query: { ...query.latency, rps: query.rps, errors: query.errorRate, non2xx: query.non2xx, targetP95Ms: 25 },
    reference: { ...ref.latency, rps: ref.rps },
    ratio: { rps: query.rps / ref.rps, p95: query.latency.p95 / ref.latency.p95 },
    rssMb: { serving: Math.round(rssServing), afterColdStart: Math.round(rssCold), target: 500 },
    coldStartMs: { listening: Math.round(cold.listenMs), ready: Math.round(cold.readyMs), target: 3000 },
  };
  console.error('5/5 done');
  const f = (n: number) => n.toFixed(2);
  console.log(`scale benchmark: ${result.chunks} chunks, ${result.machine.cpus} x ${result.machine.model}, Node ${result.machine.node}`);
  console.log(`local embedder (1 core)      ${result.embedder.chunksPerSec} chunks/s   (target >= 5000)`);
  console.log(`ingestion end to end (HTTP)  ${result.ingestion.chunksPerSec} chunks/s   (target >= 1000)`);
  console.log(`query hybrid+extractive c=1  p50 ${f(query.latency.p50)} ms  p95 ${f(query.latency.p95)} ms  p99 ${f(query.latency.p99)} ms  ${Math.round(query.rps)} req/s  errors ${query.errorRate}   (target p95 <= 25 ms)`);
  console.log(`bare Fastify route c=1       p50 ${f(ref.latency.p50)} ms  p95 ${f(ref.latency.p95)} ms  p99 ${f(ref.latency.p99)} ms  ${Math.round(ref.rps)} req/s   (query/ref rps ${result.ratio.rps.toFixed(3)})`);
  console.log(`RSS serving / after restart  ${result.rssMb.serving} MB / ${result.rssMb.afterColdStart} MB   (target <= 500 MB)`);
  console.log(`cold start to ready          ${result.coldStartMs.ready} ms (listening at ${result.coldStartMs.listening} ms)   (target <= 3000 ms)`);
  mkdirSync(dirname(args.json!), { recursive: true });
  writeFileSync(args.json!, JSON.stringify(result, null, 2));
} finally {
  if (server) await stopServer(server);
  await reference.close();
  rmSync(dataDir, { recursive: true, force: true });
}

/**
 * Resilience benchmark: query latency while the generation upstream is dead and its circuit breaker
 * is open (`npm run bench:breaker`). ragd runs in its own process with the OpenAI-compatible generator
 * pointed at a closed port; after the breaker opens, /query (hybrid, cache bypassed) is loaded at
 * concurrency 16 next to a bare Fastify route measured the same way. Every answer must be a
 * degraded extractive answer; the breaker must stay open for the whole run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnServer, stopServer } from '../src/cli/spawn-server.js';
import { runLoad } from './load.js';
import { startReferenceServer } from './reference-server.js';
import { syntheticDocument, syntheticQuestion } from './synthetic-text.js';

const CONNECTIONS = 16;
const DURATION_SEC = Number(process.argv[2] ?? 10);

const here = dirname(fileURLToPath(import.meta.url));
const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
const MAIN = join(here, '..', 'src', 'cli', `main${ext}`);
const command = ext === '.ts' ? ['--import', 'tsx', MAIN] : [MAIN];

/** A port nothing listens on: bind, note the port, close. */
async function deadPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return port;
}

const dir = mkdtempSync(join(tmpdir(), 'ragd-breaker-'));
const reference = await startReferenceServer();
const server = await spawnServer({
  command,
  env: {
    RAGD_DATA_DIR: dir,
    RAGD_GENERATOR: 'openai',
    RAGD_OPENAI_BASE_URL: `http://127.0.0.1:${await deadPort()}/v1`,
    RAGD_OPENAI_API_KEY: 'bench',
    RAGD_RATE_LIMIT: 'off',
    RAGD_SHED_MAX_IN_FLIGHT: '100000',
    RAGD_SHED_MAX_EVENT_LOOP_DELAY_MS: '600000',
  },
});
try {
  const post = (path: string, body: unknown) =>
    fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then((r) => r.json());
  await post('/api/v1/rag/documents', { documents: Array.from({ length: 100 }, (_, i) => ({ id: `d${i}`, text: syntheticDocument(i, 3) })) });
  for (let i = 0; i < 10; i++) await post('/api/v1/rag/query', { query: syntheticQuestion(i), cache: 'bypass' });
  const state = async () =>
    ((await (await fetch(`${server.url}/metrics/circuit-breaker`)).json()) as { dependencies: { name: string; breaker: { state: string } }[] }).dependencies.find(
      (d) => d.name === 'generation:openai',
    )?.breaker.state;
  const before = await state();
  let degraded = 0;
  let answers = 0;
  const ref = await runLoad({ url: reference.url, bodies: [{ query: 'x' }], connections: CONNECTIONS, durationSec: DURATION_SEC, warmupSec: 1 });
  const load = await runLoad({
    url: `${server.url}/api/v1/rag/query`,
    bodies: (i) => ({ query: syntheticQuestion(1000 + i), cache: 'bypass' }),
    connections: CONNECTIONS,
    durationSec: DURATION_SEC,
    warmupSec: 1,
    onResponse: (_status, headers) => {
      answers++;
      if (headers['x-ragd-degraded'] === 'generation_unavailable') degraded++;
    },
  });
  const after = await state();
  const f = (n: number) => n.toFixed(2);
  console.log(`breaker ${before} -> ${after}; ${degraded}/${answers} answers degraded (extractive), errors ${load.errorRate}`);
  console.log(`query, generation dead, breaker open, c=${CONNECTIONS}: ${Math.round(load.rps)} req/s  p50 ${f(load.latency.p50)} ms  p95 ${f(load.latency.p95)} ms  p99 ${f(load.latency.p99)} ms   (target p99 <= 10 ms)`);
  console.log(`bare Fastify route, c=${CONNECTIONS}:               ${Math.round(ref.rps)} req/s  p50 ${f(ref.latency.p50)} ms  p95 ${f(ref.latency.p95)} ms  p99 ${f(ref.latency.p99)} ms   (ratio ${(load.rps / ref.rps).toFixed(3)})`);
} finally {
  await stopServer(server);
  await reference.close();
  rmSync(dir, { recursive: true, force: true });
}

/**
 * Edge overhead benchmark (`npm run bench:edge`): the exact-cache-hit /query path with API-key
 * authentication + rate limiting on, against the same path with both off, in the same run, plus a
 * bare Fastify route. Two ragd processes, identical data; the "on" one has an API key (created with
 * `ragd keys create`) and a rate limit far above the offered load, so every request is checked and
 * admitted. Reports throughput, latency and server CPU time per request (from /proc, the steadier
 * figure when other processes share the machine) of each, and the relative cost.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnServer, stopServer, type ChildServer } from '../src/cli/spawn-server.js';
import { runLoad } from './load.js';
import { startReferenceServer } from './reference-server.js';

const CONNECTIONS = Number(process.argv[2] ?? 32);
const DURATION_SEC = Number(process.argv[3] ?? 10);
/** Far above what one machine can offer, so the limiter checks every request but never refuses. */
const HIGH_LIMIT = '100000000';

const here = dirname(fileURLToPath(import.meta.url));
const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
const MAIN = join(here, '..', 'src', 'cli', `main${ext}`);
const command = ext === '.ts' ? ['--import', 'tsx', MAIN] : [MAIN];
/** CPU seconds (user + system) a process has used, from /proc: steadier than req/s on a shared machine. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

const quiet = { RAGD_SHED_MAX_IN_FLIGHT: '100000', RAGD_SHED_MAX_EVENT_LOOP_DELAY_MS: '600000' };

async function prepare(server: ChildServer, headers: Record<string, string>): Promise<void> {
  const post = (path: string, body: unknown) =>
    fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const ingest = await post('/api/v1/rag/documents', { documents: [{ id: 'paris', text: 'Paris is the capital of France. The Seine flows through Paris.' }] });
  if (!ingest.ok) throw new Error(`ingest failed: ${ingest.status} ${await ingest.text()}`);
  await post('/api/v1/rag/query', { query: 'What is the capital of France?' });
}

const dirs = [mkdtempSync(join(tmpdir(), 'ragd-edge-off-')), mkdtempSync(join(tmpdir(), 'ragd-edge-on-'))];
const created = spawnSync(process.execPath, [...command, 'keys', 'create', '--tenant', 'default', '--scopes', 'query,ingest', '--json'], {
  env: { ...process.env, RAGD_DATA_DIR: dirs[1]! },
  encoding: 'utf8',
});
if (created.status !== 0) throw new Error(`keys create failed: ${created.stderr}`);
const key = (JSON.parse(created.stdout) as { key: string }).key;
const reference = await startReferenceServer();
const off = await spawnServer({ command, env: { RAGD_DATA_DIR: dirs[0]!, RAGD_AUTH: 'off', RAGD_RATE_LIMIT: 'off', ...quiet } });
const on = await spawnServer({ command, env: { RAGD_DATA_DIR: dirs[1]!, RAGD_AUTH: 'on', RAGD_RATE_LIMIT: 'on', RAGD_RATE_LIMIT_PER_MINUTE: HIGH_LIMIT, ...quiet } });
try {
  const auth = { authorization: `Bearer ${key}` };
  await prepare(off, {});
  await prepare(on, auth);
  const body = [{ query: 'What is the capital of France?' }];
  const hits = { off: 0, on: 0 };
  const cpu = { off: [] as number[], on: [] as number[] };
  const run = async (server: ChildServer, headers: Record<string, string>, which: 'off' | 'on') => {
    let c0 = 0;
    const r = await runLoad({
      onMeasureStart: () => {
        c0 = cpuSeconds(server.child.pid!);
      },
      url: `${server.url}/api/v1/rag/query`,
      headers,
      bodies: body,
      connections: CONNECTIONS,
      durationSec: DURATION_SEC,
      warmupSec: 2,
      onResponse: (status, h) => {
        if (status === 200 && h['x-cache'] === 'exact') hits[which]++;
      },
    });
    cpu[which].push(((cpuSeconds(server.child.pid!) - c0) * 1e6) / r.requests);
    return r;
  };
  const ref = await runLoad({ url: reference.url, bodies: body, connections: CONNECTIONS, durationSec: DURATION_SEC, warmupSec: 2 });
  // Interleaved (off, on, on, off) so drift in machine load affects both alike; the best of each is kept.
  const a1 = await run(off, {}, 'off');
  const b1 = await run(on, auth, 'on');
  const b2 = await run(on, auth, 'on');
  const a2 = await run(off, {}, 'off');
  const a = a1.rps >= a2.rps ? a1 : a2;
  const b = b1.rps >= b2.rps ? b1 : b2;
  const f = (n: number) => n.toFixed(2);
  const line = (name: string, r: typeof a) =>
    `${name.padEnd(34)} ${String(Math.round(r.rps)).padStart(7)} req/s  p50 ${f(r.latency.p50)}  p95 ${f(r.latency.p95)}  p99 ${f(r.latency.p99)} ms  errors ${r.errorRate}`;
  console.log(`edge overhead, exact-cache-hit /query, ${CONNECTIONS} connections, ${DURATION_SEC} s each`);
  console.log(line('bare Fastify route', ref));
  console.log(line('ragd, auth off + rate limit off', a));
  console.log(line('ragd, API key + rate limit on', b));
  console.log(`exact hits: off ${hits.off}/${a1.requests + a2.requests}, on ${hits.on}/${b1.requests + b2.requests}`);
  const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
  const cOff = Math.min(...cpu.off);
  const cOn = Math.min(...cpu.on);
  console.log(`server CPU per request (best of 2, from /proc): off ${cOff.toFixed(1)} µs, on ${cOn.toFixed(1)} µs (median ${median(cpu.off).toFixed(1)} / ${median(cpu.on).toFixed(1)})`);
  console.log(`auth + rate limiting cost: ${((cOn / cOff - 1) * 100).toFixed(1)}% CPU per request, ${((1 - b.rps / a.rps) * 100).toFixed(1)}% throughput (target <= 5%); ragd/ref ${(a.rps / ref.rps).toFixed(3)}`);
} finally {
  await Promise.all([stopServer(off), stopServer(on)]);
  await reference.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
}

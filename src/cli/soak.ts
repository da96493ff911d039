/**
 * `ragd bench --soak <minutes>`: a mixed workload (repeated and new questions, searches, ingests)
 * against a fresh ragd process for N minutes, sampling every few seconds the process's RSS (from
 * /proc), V8 heap and event-loop delay (from ragd's own /metrics) and the error count, then
 * reporting them over time with a leak check: RSS and heap growth over the second half of the run.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runLoad } from '../../bench/load.js';
import { syntheticDocument, syntheticQuestion } from '../../bench/synthetic-text.js';
import { spawnServer, stopServer } from './spawn-server.js';

/** Seconds between samples. */
const SAMPLE_EVERY_SEC = 5;
/** Documents seeded before the run (~10 chunks each). */
const SEED_DOCS = 200;
/** Distinct questions that repeat (cache hits) among the query traffic. */
const HOT_QUESTIONS = 50;

export interface SoakOptions {
  minutes: number;
  connections: number;
  json?: string;
}

interface Sample {
  t: number;
  rssMb: number;
  heapMb: number;
  loopP99Ms: number;
  requests: number;
  errors: number;
}

function metric(text: string, name: string, labels = ''): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels} `) || (labels === '' && l.startsWith(`${name} `)));
  return line ? Number(line.split(' ').pop()) : NaN;
}

export async function soakCommand(options: SoakOptions): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'ragd-soak-'));
  const server = await spawnServer({ env: { RAGD_DATA_DIR: dir, RAGD_RATE_LIMIT: 'off', RAGD_SHED_MAX_EVENT_LOOP_DELAY_MS: '600000', RAGD_SHED_MAX_IN_FLIGHT: '100000' } });
  const pid = server.child.pid!;
  const samples: Sample[] = [];
  try {
    for (let i = 0; i < SEED_DOCS; i += 50) {
      const documents = Array.from({ length: 50 }, (_, k) => ({ id: `seed-${i + k}`, text: syntheticDocument(i + k, 10) }));
      const res = await fetch(`${server.url}/api/v1/rag/documents`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ collection: 'soak', documents }) });
      if (!res.ok) throw new Error(`seeding failed: ${res.status} ${await res.text()}`);
    }
    const durationSec = options.minutes * 60;
    const per = Math.max(1, Math.floor(options.connections / 3));
    let requests = 0;
    let errors = 0;
    const count = (status: number) => {
      requests++;
      if (status >= 400) errors++;
    };
    const t0 = Date.now();
    const sampler = setInterval(() => {
      void (async () => {
        const rssMb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
        const text = await (await fetch(`${server.url}/metrics`)).text();
        samples.push({
          t: Math.round((Date.now() - t0) / 1000),
          rssMb: Math.round(rssMb),
          heapMb: Math.round(metric(text, 'nodejs_heap_size_used_bytes') / 1048576),
          loopP99Ms: Math.round(metric(text, 'nodejs_eventloop_delay_seconds', '{stat="p99"}') * 1e4) / 10,
          requests,
          errors,
        });
        if (process.stderr.isTTY) process.stderr.write(`\r${samples.at(-1)!.t}s rss ${samples.at(-1)!.rssMb} MB, ${requests} requests, ${errors} errors`);
      })().catch(() => undefined);
    }, SAMPLE_EVERY_SEC * 1000);
    await Promise.all([
      runLoad({ url: `${server.url}/api/v1/rag/query`, bodies: (i) => ({ collection: 'soak', query: syntheticQuestion(i % 3 === 0 ? i : i % HOT_QUESTIONS) }), connections: per, durationSec, onResponse: count, progress: false }),
      runLoad({ url: `${server.url}/api/v1/rag/search`, bodies: (i) => ({ collection: 'soak', query: syntheticQuestion(i) }), connections: per, durationSec, onResponse: count, progress: false }),
      runLoad({ url: `${server.url}/api/v1/rag/documents`, bodies: (i) => ({ collection: 'soak', documents: [{ id: `doc-${i % 500}`, text: syntheticDocument(i, 2) }] }), connections: 1, durationSec, onResponse: count, progress: false }),
    ]);
    clearInterval(sampler);
    if (process.stderr.isTTY) process.stderr.write('\n');
    const half = samples.filter((s) => s.t >= durationSec / 2);
    const growth = (f: (s: Sample) => number) => (half.length > 1 ? f(half.at(-1)!) - f(half[0]!) : 0);
    const report = { minutes: options.minutes, connections: options.connections, samples, requests, errors, secondHalfGrowthMb: { rss: growth((s) => s.rssMb), heap: growth((s) => s.heapMb) } };
    console.log('   t(s)  rss MB  heap MB  loop p99 ms  requests  errors');
    for (const s of samples) console.log(`${String(s.t).padStart(7)} ${String(s.rssMb).padStart(7)} ${String(s.heapMb).padStart(8)} ${String(s.loopP99Ms).padStart(12)} ${String(s.requests).padStart(9)} ${String(s.errors).padStart(7)}`);
    console.log(`second-half growth: RSS ${report.secondHalfGrowthMb.rss} MB, heap ${report.secondHalfGrowthMb.heap} MB; ${errors} errors in ${requests} requests`);
    if (options.json) writeFileSync(options.json, JSON.stringify(report, null, 2));
    return errors > 0 ? 1 : 0;
  } finally {
    await stopServer(server);
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * What a request may cost on this machine and still meet a ratio or latency target:
 * `npm run bench:calibration [-- --connections 32 --duration 4 --spins 0,25,50,100,200,400]`.
 *
 * The bare Fastify reference route is loaded as the other benchmarks load it (server pinned to the
 * last CPU, load generator on the others), once as it is and then made to burn N µs of CPU per
 * request (`POST /ref/spin/:us`, CPU time). For each N it reports req/s and its ratio to N = 0, the
 * server's CPU per request and how much of that is not the spin, and p50/p99. Two things follow:
 * - the budget a ragd path has for its own work before it falls below a target: e.g. the smallest N
 *   whose req/s ratio is under 0.6 bounds what an exact-cache hit may add to a bare route (issue
 *   #4), and the smallest N whose p99 at 16 connections is over 10 ms bounds a degraded query (#3);
 * - how the machine charges for a slower route: the CPU per request beyond the spin is the server's
 *   HTTP and socket work, and on the project VM it grows as the route gets slower (fewer requests
 *   per wake-up of the load generator, each write waking it), so a path's "CPU vs ref" includes a
 *   machine cost the bare route does not pay at its own, higher rate.
 * Measurements only: no target is judged here.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { runLoad } from './load.js';
import { cpuSeconds, placeLoadGenerator } from './pin.js';
import { startReferenceProcess } from './reference-process.js';

const { values: args } = parseArgs({
  options: {
    connections: { type: 'string', default: '32' },
    duration: { type: 'string', default: '4' },
    warmup: { type: 'string', default: '1' },
    spins: { type: 'string', default: '0,25,50,100,200,400' },
    out: { type: 'string', default: 'bench/results/calibration.txt' },
  },
});
const CONNECTIONS = Number(args.connections);
const DURATION_SEC = Number(args.duration);
const WARMUP_SEC = Number(args.warmup);
const SPINS = args.spins.split(',').map((s) => Number(s.trim()));
if (SPINS.some((n) => !Number.isInteger(n) || n < 0)) throw new Error(`--spins must be non-negative integers, got ${args.spins}`);
if (!SPINS.includes(0)) SPINS.unshift(0);

interface Row {
  spinUs: number;
  rps: number;
  cpuUsPerRequest: number;
  p50: number;
  p99: number;
}

async function main(): Promise<void> {
  const placement = placeLoadGenerator();
  const reference = await startReferenceProcess();
  const pid = reference.child.pid as number;
  const rows: Row[] = [];
  try {
    if (!placement.pinServer(pid)) console.error('calibration: could not pin the reference server; figures include scheduler noise');
    for (const spinUs of SPINS) {
      let cpu0 = Number.NaN;
      const r = await runLoad({
        url: spinUs === 0 ? reference.url : `${reference.url}/spin/${spinUs}`,
        bodies: [{ query: 'x' }],
        connections: CONNECTIONS,
        durationSec: DURATION_SEC,
        warmupSec: WARMUP_SEC,
        progress: false,
        onMeasureStart: () => {
          cpu0 = cpuSeconds(pid);
        },
      });
      if (r.errors > 0 || r.non2xx > 0) throw new Error(`spin ${spinUs}: ${r.errors} errors, ${r.non2xx} non-2xx`);
      rows.push({ spinUs, rps: r.rps, cpuUsPerRequest: ((cpuSeconds(pid) - cpu0) * 1e6) / Math.max(1, r.requests), p50: r.latency.p50, p99: r.latency.p99 });
    }
  } finally {
    await reference.stop();
  }
  const base = rows.find((r) => r.spinUs === 0) as Row;
  const out = [
    `bare Fastify route burning N µs of CPU per request — node ${process.version}, ${cpus().length} x ${cpus()[0]?.model.trim() ?? 'CPU'} (${placement.description}), ${CONNECTIONS} connections, ${DURATION_SEC} s each after ${WARMUP_SEC} s warm-up, 1-min load average ${(loadavg()[0] as number).toFixed(1)}`,
    '| N (µs of CPU spun) | req/s | vs N = 0 | server CPU µs/request | of which not the spin | p50 ms | p99 ms |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map(
      (r) =>
        `| ${r.spinUs} | ${Math.round(r.rps)} | ${(r.rps / base.rps).toFixed(3)}x | ${r.cpuUsPerRequest.toFixed(1)} | ${(r.cpuUsPerRequest - r.spinUs).toFixed(1)} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} |`,
    ),
  ];
  console.log(out.join('\n'));
  if (args.out) {
    mkdirSync(dirname(args.out), { recursive: true });
    writeFileSync(args.out, `${out.join('\n')}\n`);
    console.log(`wrote ${args.out}`);
  }
}

await main();

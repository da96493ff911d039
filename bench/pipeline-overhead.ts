/**
 * Per-call overhead of `Pipeline.execute` (deadline signal + timer, breaker permit, bulkhead slot,
 * retry loop, abort race, call-outcome event) around a trivially resolving async function, versus
 * calling that function directly. Sequential calls, so this is latency added per call, not
 * throughput under concurrency.
 *
 * Run: node --import tsx bench/pipeline-overhead.ts [iterations] [runs]
 * Reports the median over runs of (pipeline ns/call - direct ns/call). Target: <= 50 µs per call.
 * Also reports `Pipeline.executeLocal` (synchronous in-process work: no deadline signal or timer)
 * around a synchronous function, against the same direct baseline.
 */
import { ResilienceRegistry } from '../src/resilience/registry.js';

const ITERATIONS = Number(process.argv[2] ?? 200_000);
const RUNS = Number(process.argv[3] ?? 7);
const WARMUP = 50_000;
const TARGET_US = 50;

const registry = new ResilienceRegistry({ preload: ['embedding'] });
// A metrics-like listener, so the event path is measured as it runs in the server.
let outcomes = 0;
registry.events.on('callOutcome', () => {
  outcomes += 1;
});
const pipeline = registry.get('embedding');
const caller = new AbortController();
const fn = async (_signal: AbortSignal, attempt: number): Promise<number> => attempt;

async function direct(n: number): Promise<number> {
  let sum = 0;
  for (let i = 0; i < n; i++) sum += await fn(caller.signal, 1);
  return sum;
}

async function throughPipeline(n: number): Promise<number> {
  let sum = 0;
  for (let i = 0; i < n; i++) sum += await pipeline.execute(fn, { signal: caller.signal, idempotent: true });
  return sum;
}

/** The synchronous in-process path (Pipeline.executeLocal: the ANN search, the local embedder). */
const localFn = (): number => 1;
async function throughLocal(n: number): Promise<number> {
  let sum = 0;
  for (let i = 0; i < n; i++) sum += await pipeline.executeLocal(localFn, { signal: caller.signal, idempotent: true });
  return sum;
}

async function time(run: (n: number) => Promise<number>, n: number): Promise<number> {
  const start = process.hrtime.bigint();
  const sum = await run(n);
  const ns = Number(process.hrtime.bigint() - start);
  if (sum !== n) throw new Error('unexpected result');
  return ns / n;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function main(): Promise<void> {
  await direct(WARMUP);
  await throughPipeline(WARMUP);
  await throughLocal(WARMUP);
  const localNs: number[] = [];
  const directNs: number[] = [];
  const pipelineNs: number[] = [];
  const overheadNs: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const d = await time(direct, ITERATIONS);
    const p = await time(throughPipeline, ITERATIONS);
    directNs.push(d);
    pipelineNs.push(p);
    overheadNs.push(p - d);
    localNs.push((await time(throughLocal, ITERATIONS)) - d);
  }
  const overheadUs = median(overheadNs) / 1000;
  console.log(`node ${process.version}, ${ITERATIONS} sequential calls x ${RUNS} runs (after ${WARMUP} warm-up calls each)`);
  console.log(`direct:   median ${median(directNs).toFixed(0)} ns/call`);
  console.log(`pipeline: median ${median(pipelineNs).toFixed(0)} ns/call`);
  console.log(`overhead: median ${(median(overheadNs)).toFixed(0)} ns/call = ${overheadUs.toFixed(2)} µs (runs: ${overheadNs.map((x) => (x / 1000).toFixed(2)).join(', ')} µs)`);
  console.log(`executeLocal overhead: median ${median(localNs).toFixed(0)} ns/call (runs: ${localNs.map((x) => (x / 1000).toFixed(2)).join(', ')} µs)`);
  console.log(`target <= ${TARGET_US} µs: ${overheadUs <= TARGET_US ? 'met' : 'MISSED'}; call outcomes observed: ${outcomes}`);
  const breaker = pipeline.snapshot().breaker;
  if (breaker.state !== 'closed' || breaker.totals.failures !== 0) throw new Error('bench calls must all succeed');
}

await main();

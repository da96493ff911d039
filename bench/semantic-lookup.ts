/**
 * Semantic-cache lookup latency: 100k cached questions (random unit 384-d vectors, one partition),
 * then 10k lookups, half near-duplicates of cached questions (noise giving cosine ~0.99, same text,
 * so guards pass and they hit) and half fresh random vectors (misses). Each lookup is timed on its
 * own with process.hrtime.bigint(); percentiles are nearest-rank. Random unit vectors are the HNSW
 * worst case (no cluster structure), so real embeddings search at least this fast.
 *
 * Then the same for a small partition (SMALL_CACHED questions, as the load benchmark's collection
 * holds), which is searched by an exact scan rather than the HNSW graph (semantic-index.ts).
 *
 * Run: node --import tsx bench/semantic-lookup.ts [cached=100000] [lookups=10000]
 * Target: p99 <= 1,000 µs in-process.
 */
import os from 'node:os';
import { SemanticCache } from '../src/cache/semantic-cache.js';

const CACHED = Number(process.argv[2] ?? 100_000);
const LOOKUPS = Number(process.argv[3] ?? 10_000);
const DIMS = 384;
const WARMUP = 1_000;
const TARGET_P99_US = 1_000;
const PARTITION = 'sem:v1:bench';
/** Questions in the small partition: the load benchmark's exact-hit and semantic-hit seeds together. */
const SMALL_CACHED = 30;

// Seeded generator (mulberry32) so runs are comparable.
let seed = 42;
function random(): number {
  seed = (seed + 0x6d2b79f5) >>> 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

function normalise(v: Float32Array): Float32Array {
  let n = 0;
  for (const x of v) n += x * x;
  n = Math.sqrt(n);
  for (let i = 0; i < v.length; i++) v[i]! /= n;
  return v;
}

function randomUnit(): Float32Array {
  const v = new Float32Array(DIMS);
  for (let i = 0; i < DIMS; i++) v[i] = random() - 0.5;
  return normalise(v);
}

/** A unit vector with cosine ~0.99 to `base`. */
function nearDuplicate(base: Float32Array): Float32Array {
  const v = new Float32Array(DIMS);
  for (let i = 0; i < DIMS; i++) v[i] = base[i]! + (random() - 0.5) * 0.0125;
  return normalise(v);
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

function summary(label: string, samples: number[]): string {
  const s = [...samples].sort((a, b) => a - b);
  const f = (x: number) => x.toFixed(0).padStart(6);
  return `${label.padEnd(16)} n=${String(s.length).padStart(6)}  p50 ${f(percentile(s, 0.5))} µs  p95 ${f(percentile(s, 0.95))} µs  p99 ${f(percentile(s, 0.99))} µs  max ${f(s[s.length - 1]!)} µs`;
}

const cache = new SemanticCache({ maxEntries: CACHED, ttlMs: 24 * 60 * 60_000 });
const vectors: Float32Array[] = [];
const buildStart = performance.now();
for (let i = 0; i < CACHED; i++) {
  const v = randomUnit();
  vectors.push(v);
  cache.store(PARTITION, `what is the answer to question ${i}`, v, { answer: i });
  if ((i + 1) % 20_000 === 0) console.log(`stored ${i + 1} (${((performance.now() - buildStart) / 1000).toFixed(1)} s)`);
}
const buildSeconds = (performance.now() - buildStart) / 1000;

function lookupOnce(i: number, target = Math.floor(random() * CACHED), on = cache): { us: number; kind: 'near' | 'random'; hit: boolean; expected: number } {
  const near = i % 2 === 0;
  const query = near ? nearDuplicate(vectors[target]!) : randomUnit();
  const text = near ? `what is the answer to question ${target}` : `an unrelated question ${i}`;
  const t0 = process.hrtime.bigint();
  const result = on.lookup(PARTITION, text, query);
  const us = Number(process.hrtime.bigint() - t0) / 1000;
  const hit = result.hit && (result.value as { answer: number }).answer === target;
  return { us, kind: near ? 'near' : 'random', hit, expected: target };
}

for (let i = 0; i < WARMUP; i++) lookupOnce(i);
const all: number[] = [];
const near: number[] = [];
const fresh: number[] = [];
let nearHits = 0;
for (let i = 0; i < LOOKUPS; i++) {
  const r = lookupOnce(i);
  all.push(r.us);
  (r.kind === 'near' ? near : fresh).push(r.us);
  if (r.kind === 'near' && r.hit) nearHits++;
}

const load = os.loadavg().map((x) => x.toFixed(2)).join(' ');
console.log(`\nsemantic-cache lookup: ${CACHED} cached ${DIMS}-d questions in one partition, ${LOOKUPS} lookups`);
console.log(`build ${buildSeconds.toFixed(1)} s (${((buildSeconds * 1e6) / CACHED).toFixed(0)} µs/store), rss ${(process.memoryUsage().rss / 1e6).toFixed(0)} MB`);
console.log(`machine: ${os.cpus().length} cpus, load average ${load} (other processes share this machine)`);
console.log(summary('all lookups', all));
console.log(summary('near-duplicate', near));
console.log(summary('random (miss)', fresh));
console.log(`near-duplicate hit rate ${((100 * nearHits) / near.length).toFixed(2)}%`);
const p99 = percentile([...all].sort((a, b) => a - b), 0.99);
console.log(`p99 ${p99.toFixed(0)} µs: ${p99 <= TARGET_P99_US ? 'within' : 'OVER'} the ${TARGET_P99_US} µs target`);

// The small partition: its first SMALL_CACHED vectors, looked up the same way.
const small = new SemanticCache({ maxEntries: SMALL_CACHED, ttlMs: 24 * 60 * 60_000 });
for (let i = 0; i < SMALL_CACHED; i++) small.store(PARTITION, `what is the answer to question ${i}`, vectors[i]!, { answer: i });
const smallTimes: number[] = [];
let smallHits = 0;
for (let i = 0; i < WARMUP + LOOKUPS; i++) {
  const r = lookupOnce(i, i % SMALL_CACHED, small);
  if (i < WARMUP) continue;
  smallTimes.push(r.us);
  if (r.kind === 'near' && r.hit) smallHits++;
}
console.log(`\nsmall partition: ${SMALL_CACHED} cached questions (exact scan), ${LOOKUPS} lookups`);
console.log(summary('all lookups', smallTimes));
console.log(`near-duplicate hit rate ${((100 * smallHits) / (LOOKUPS / 2)).toFixed(2)}%`);

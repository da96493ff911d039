/**
 * AnnIndex: the nearest-neighbour index behind one semantic-cache partition, an HNSW graph held by
 * usearch with deletion done on our side.
 *
 * Why not usearch's own `remove`: in usearch 2.25.3 a long run of add/remove cycles fills the
 * key->slot hash table with tombstones, after which `add`/`remove` spin forever
 * (unum-cloud/USearch#753; reproduced here with an LRU-style add-one/remove-oldest loop over 1,000
 * keys, which hung after ~6,000 steps). So removals only mark ids dead, searches over-fetch and skip
 * dead ids, and once dead ids outnumber live ones the live vectors are copied into a fresh graph a
 * small batch per event-loop turn (no long pause), while the old graph keeps serving. The graph
 * therefore holds at most about twice the live entries, and usearch never sees a removal.
 *
 * Vectors are L2-normalised on the way in and the graph stores them as i8: on this 2-core machine
 * (20k random 384-d vectors, M 16, ef 64) i8 searched in ~66 µs p50 against ~320 µs for f32 at the
 * same near-duplicate recall (0.9965 vs 0.998). Quantisation only steers the graph walk: candidates
 * are re-scored with an exact f32 dot product, so thresholds compare exact cosines.
 *
 * Small indexes skip the graph: up to `exactScanMaxSize` live vectors (default
 * DEFAULT_SEMANTIC_EXACT_SCAN_MAX, 256) a search is an exact SIMD scan over a dense copy of the live
 * vectors (exact-scan.ts), because a graph walk costs more than scanning a few hundred vectors and
 * is only approximate. Both paths re-score their candidates with the same exact cosine (an f64 dot
 * product over the query's non-zero components, divided by its norm: sparse-query.ts), so they
 * report identical similarities, and neither ever returns a dead id. The dense copy exists only while the index is small: it is dropped when the index
 * outgrows the bound and rebuilt from the live vectors on the first search after it shrinks back.
 */
import usearch from 'usearch';
import { ExactScan } from './exact-scan.js';
import { SparseQuery } from './sparse-query.js';
import {
  DEFAULT_SEMANTIC_EXACT_SCAN_MAX,
  DEFAULT_SEMANTIC_HNSW_EF_ADD,
  DEFAULT_SEMANTIC_HNSW_EF_SEARCH,
  DEFAULT_SEMANTIC_HNSW_M,
  DEFAULT_SEMANTIC_QUANTIZATION,
} from './defaults.js';

const { Index, MetricKind, ScalarKind } = usearch;
type Graph = InstanceType<typeof Index>;
const SCALARS = { i8: ScalarKind.I8, f16: ScalarKind.F16, f32: ScalarKind.F32 } as const;

export interface AnnIndexOptions {
  dimensions: number;
  /** HNSW degree. Defaults to DEFAULT_SEMANTIC_HNSW_M (16). */
  m?: number;
  /** Build beam. Defaults to DEFAULT_SEMANTIC_HNSW_EF_ADD (128). */
  efAdd?: number;
  /** Search beam. Defaults to DEFAULT_SEMANTIC_HNSW_EF_SEARCH (64). */
  efSearch?: number;
  /** Graph storage type. Defaults to DEFAULT_SEMANTIC_QUANTIZATION (i8); similarities are exact regardless. */
  quantization?: 'i8' | 'f16' | 'f32';
  /** Runs a compaction step later. Defaults to setImmediate; tests pass a manual queue. */
  schedule?: (step: () => void) => void;
  /** Vectors copied per compaction step. Defaults to 32 (a few ms at 384-d). */
  compactBatch?: number;
  /** Dead ids tolerated before compaction is considered at all. Defaults to 64. */
  minDeadToCompact?: number;
  /** Live vectors up to which a search scans them exactly instead of walking the graph. Defaults to DEFAULT_SEMANTIC_EXACT_SCAN_MAX (256); 0 always uses the graph. */
  exactScanMaxSize?: number;
}

export interface AnnMatch {
  id: number;
  /** Cosine similarity, higher is closer. */
  similarity: number;
}

/** One query is too small to pay for worker threads; also usearch fixes per-thread scratch at first use. */
const THREADS = 1;
/** Extra candidates fetched when dead ids may crowd the top of a result. */
const DEAD_OVERFETCH = 16;

interface Compaction {
  graph: Graph;
  pending: number[];
  cursor: number;
  /** Ids already in the new graph that died since. */
  dead: Set<number>;
}

export class AnnIndex {
  readonly dimensions: number;
  private readonly opts: Required<Omit<AnnIndexOptions, 'dimensions'>>;
  private readonly vectors = new Map<number, Float32Array>();
  private graph: Graph;
  private dead = new Set<number>();
  private compaction: Compaction | undefined;
  /** Dense copy of the live vectors while there are at most exactScanMaxSize of them (else undefined). */
  private exact: ExactScan | undefined;

  constructor(options: AnnIndexOptions) {
    this.dimensions = options.dimensions;
    this.opts = {
      m: options.m ?? DEFAULT_SEMANTIC_HNSW_M,
      efAdd: options.efAdd ?? DEFAULT_SEMANTIC_HNSW_EF_ADD,
      efSearch: options.efSearch ?? DEFAULT_SEMANTIC_HNSW_EF_SEARCH,
      quantization: options.quantization ?? DEFAULT_SEMANTIC_QUANTIZATION,
      schedule: options.schedule ?? ((step) => void setImmediate(step)),
      compactBatch: Math.max(1, options.compactBatch ?? 32),
      minDeadToCompact: options.minDeadToCompact ?? 64,
      exactScanMaxSize: Math.max(0, options.exactScanMaxSize ?? DEFAULT_SEMANTIC_EXACT_SCAN_MAX),
    };
    this.graph = this.newGraph();
  }

  /** Live vectors. */
  get size(): number {
    return this.vectors.size;
  }

  /** Nodes in the serving graph, dead ones included. */
  get graphSize(): number {
    return this.graph.size();
  }

  get compacting(): boolean {
    return this.compaction !== undefined;
  }

  /** Adds a vector (normalised copy) under a new id. Throws on a wrong length, a zero vector or an id already present. */
  add(id: number, vector: Float32Array): void {
    if (vector.length !== this.dimensions) throw new RangeError(`vector has ${vector.length} dimensions, index has ${this.dimensions}`);
    if (this.vectors.has(id) || this.dead.has(id)) throw new RangeError(`id ${id} was already used`);
    const copy = unit(vector);
    if (copy === undefined) throw new RangeError('cannot index a zero vector');
    this.vectors.set(id, copy);
    if (this.exact !== undefined) {
      if (this.vectors.size <= this.opts.exactScanMaxSize) this.exact.add(id, copy);
      else this.exact = undefined;
    }
    this.graph.add(BigInt(id), copy, THREADS);
    this.compaction?.graph.add(BigInt(id), copy, THREADS);
  }

  /** Marks `id` dead; it is never returned again. */
  delete(id: number): void {
    if (!this.vectors.delete(id)) return;
    this.exact?.delete(id);
    this.dead.add(id);
    const c = this.compaction;
    if (c !== undefined && c.graph.contains(BigInt(id))) c.dead.add(id);
    this.maybeCompact();
  }

  /** Up to `k` live ids nearest to `query`, best first, with exact cosine similarities. */
  search(query: Float32Array, k: number): AnnMatch[] {
    if (k <= 0 || this.vectors.size === 0 || query.length !== this.dimensions) return [];
    // Only the query's non-zero components take part in a product (sparse-query.ts).
    const q = new SparseQuery(query);
    const norm = q.norm;
    if (!(norm > 0) || !Number.isFinite(norm)) return [];
    // Inner products rank exactly as cosines do against unit vectors: the scan needs no normalised copy.
    if (this.vectors.size <= this.opts.exactScanMaxSize) return this.rescore(q, this.exactScan().search(q, k), k);
    // Every live vector is in the serving graph, so it is not empty here.
    const total = this.graph.size();
    const fetch = Math.min(total, this.dead.size === 0 ? k : k + Math.min(this.dead.size, DEAD_OVERFETCH));
    // The i8 graph quantises what it is given, so it walks with the unit query.
    const { keys } = this.graph.search(scaled(query, 1 / norm), fetch, THREADS);
    const ids: number[] = [];
    for (let i = 0; i < keys.length; i++) ids.push(Number(keys[i]));
    return this.rescore(q, ids, k);
  }

  /** The first `k` live ids of `ids` with their exact cosine to `query`, best first. */
  private rescore(query: SparseQuery, ids: readonly number[], k: number): AnnMatch[] {
    const out: AnnMatch[] = [];
    for (let i = 0; i < ids.length && out.length < k; i++) {
      const id = ids[i]!;
      const vector = this.vectors.get(id);
      if (vector === undefined) continue;
      // Rounding can nudge a self-match just past 1.
      out.push({ id, similarity: Math.min(1, query.dot(vector) / query.norm) });
    }
    return out.sort((a, b) => b.similarity - a.similarity);
  }

  /** The dense copy for exact search, rebuilt from the live vectors if it was dropped. */
  private exactScan(): ExactScan {
    if (this.exact === undefined) {
      const exact = new ExactScan(this.dimensions);
      for (const [id, vector] of this.vectors) exact.add(id, vector);
      this.exact = exact;
    }
    return this.exact;
  }

  private maybeCompact(): void {
    if (this.compaction !== undefined) return;
    if (this.dead.size < this.opts.minDeadToCompact || this.dead.size < this.vectors.size) return;
    const compaction: Compaction = { graph: this.newGraph(), pending: [...this.vectors.keys()], cursor: 0, dead: new Set() };
    this.compaction = compaction;
    const step = (): void => {
      if (this.compaction !== compaction) return;
      const end = Math.min(compaction.pending.length, compaction.cursor + this.opts.compactBatch);
      for (; compaction.cursor < end; compaction.cursor++) {
        const id = compaction.pending[compaction.cursor]!;
        const vector = this.vectors.get(id);
        if (vector !== undefined && !compaction.graph.contains(BigInt(id))) compaction.graph.add(BigInt(id), vector, THREADS);
      }
      if (compaction.cursor < compaction.pending.length) {
        this.opts.schedule(step);
        return;
      }
      this.graph = compaction.graph;
      this.dead = compaction.dead;
      this.compaction = undefined;
      this.maybeCompact();
    };
    this.opts.schedule(step);
  }

  private newGraph(): Graph {
    return new Index({
      dimensions: this.dimensions,
      metric: MetricKind.Cos,
      quantization: SCALARS[this.opts.quantization],
      connectivity: this.opts.m,
      expansion_add: this.opts.efAdd,
      expansion_search: this.opts.efSearch,
      multi: false,
    });
  }
}

/** `v` scaled to unit length (a new array), or undefined for a zero or non-finite vector. */
function unit(v: Float32Array): Float32Array | undefined {
  const norm = Math.sqrt(dot(v, v));
  if (!(norm > 0) || !Number.isFinite(norm)) return undefined;
  return scaled(v, 1 / norm);
}

/** A new array of `v` times `factor`. */
function scaled(v: Float32Array, factor: number): Float32Array {
  const out = new Float32Array(v.length);
  for (let i = 0; i < v.length; i++) out[i] = v[i]! * factor;
  return out;
}

/** Four running sums: about twice as fast as one here (the loads pipeline), same result to ~1e-7. */
function dot(a: Float32Array, b: Float32Array): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  const n = a.length;
  let i = 0;
  for (; i + 3 < n; i += 4) {
    s0 += a[i]! * b[i]!;
    s1 += a[i + 1]! * b[i + 1]!;
    s2 += a[i + 2]! * b[i + 2]!;
    s3 += a[i + 3]! * b[i + 3]!;
  }
  for (; i < n; i++) s0 += a[i]! * b[i]!;
  return s0 + s1 + (s2 + s3);
}

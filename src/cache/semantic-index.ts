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
 */
import usearch from 'usearch';
import { DEFAULT_SEMANTIC_HNSW_EF_ADD, DEFAULT_SEMANTIC_HNSW_EF_SEARCH, DEFAULT_SEMANTIC_HNSW_M } from './defaults.js';

const { Index, MetricKind, ScalarKind } = usearch;
type Graph = InstanceType<typeof Index>;

export interface AnnIndexOptions {
  dimensions: number;
  /** HNSW degree. Defaults to DEFAULT_SEMANTIC_HNSW_M (16). */
  m?: number;
  /** Build beam. Defaults to DEFAULT_SEMANTIC_HNSW_EF_ADD (64). */
  efAdd?: number;
  /** Search beam. Defaults to DEFAULT_SEMANTIC_HNSW_EF_SEARCH (64). */
  efSearch?: number;
  /** Runs a compaction step later. Defaults to setImmediate; tests pass a manual queue. */
  schedule?: (step: () => void) => void;
  /** Vectors copied per compaction step. Defaults to 32 (a few ms at 384-d). */
  compactBatch?: number;
  /** Dead ids tolerated before compaction is considered at all. Defaults to 64. */
  minDeadToCompact?: number;
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

  constructor(options: AnnIndexOptions) {
    this.dimensions = options.dimensions;
    this.opts = {
      m: options.m ?? DEFAULT_SEMANTIC_HNSW_M,
      efAdd: options.efAdd ?? DEFAULT_SEMANTIC_HNSW_EF_ADD,
      efSearch: options.efSearch ?? DEFAULT_SEMANTIC_HNSW_EF_SEARCH,
      schedule: options.schedule ?? ((step) => void setImmediate(step)),
      compactBatch: Math.max(1, options.compactBatch ?? 32),
      minDeadToCompact: options.minDeadToCompact ?? 64,
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

  /** Adds a vector (copied) under a new id. Throws on a wrong length or an id already present. */
  add(id: number, vector: Float32Array): void {
    if (vector.length !== this.dimensions) throw new RangeError(`vector has ${vector.length} dimensions, index has ${this.dimensions}`);
    if (this.vectors.has(id) || this.dead.has(id)) throw new RangeError(`id ${id} was already used`);
    const copy = new Float32Array(vector);
    this.vectors.set(id, copy);
    this.graph.add(BigInt(id), copy, THREADS);
    this.compaction?.graph.add(BigInt(id), copy, THREADS);
  }

  /** Marks `id` dead; it is never returned again. */
  delete(id: number): void {
    if (!this.vectors.delete(id)) return;
    this.dead.add(id);
    const c = this.compaction;
    if (c !== undefined && c.graph.contains(BigInt(id))) c.dead.add(id);
    this.maybeCompact();
  }

  /** Up to `k` live ids nearest to `query`, best first. */
  search(query: Float32Array, k: number): AnnMatch[] {
    const total = this.graph.size();
    if (k <= 0 || total === 0 || this.vectors.size === 0 || query.length !== this.dimensions) return [];
    const fetch = Math.min(total, this.dead.size === 0 ? k : k + Math.min(this.dead.size, DEAD_OVERFETCH));
    const { keys, distances } = this.graph.search(query, fetch, THREADS);
    const out: AnnMatch[] = [];
    for (let i = 0; i < keys.length && out.length < k; i++) {
      const id = Number(keys[i]);
      if (this.dead.has(id) || !this.vectors.has(id)) continue;
      out.push({ id, similarity: 1 - distances[i]! });
    }
    return out;
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
      quantization: ScalarKind.F32,
      connectivity: this.opts.m,
      expansion_add: this.opts.efAdd,
      expansion_search: this.opts.efSearch,
      multi: false,
    });
  }
}

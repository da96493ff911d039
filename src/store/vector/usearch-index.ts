/**
 * UsearchVectorIndex: the embedded VectorIndex, an HNSW graph held by usearch (unum-cloud/USearch).
 *
 * Why usearch over hnswlib-node (measured by the lead on this 2-core machine, 384-d, 20k vectors):
 * batch add ~6.2k vectors/s (f32) / ~11k (f16) against ~3.0k/s, search ~0.23 ms against 0.21 ms.
 * usearch also ships prebuilt binaries inside the npm package (no compiler at install time), has a
 * real `remove` (slots are reused), f16/i8 storage and save/load/view; both projects are maintained.
 *
 * Storage defaults to f16: 100k x 384-d vectors take ~77 MB instead of ~154 MB in f32, which matters
 * under the service's 500 MB RSS budget, and on L2-normalised embeddings the rounding (~1e-3 relative)
 * costs no measurable recall@10 (see test/store/usearch-index.test.ts and the report that chose it).
 * The metric is cosine, so `score` is cosine similarity even if a vector arrives slightly off unit length.
 *
 * Filtering: the JS binding has no predicate search, so `allow` is honoured by over-fetching and
 * post-filtering, widening the fetch geometrically until enough allowed hits are found or the whole
 * graph has been searched. Removed labels never come back: usearch skips freed slots during search.
 * A search for k = size reaches every vector the graph links to, which is not quite all of them:
 * measured at 384-d, 1-2 per 20k vectors (11 per 100k) are unreachable with single-threaded inserts.
 * For small allow-sets, exactSearch (exact-search.ts) over the store's embeddings is exact and faster.
 */
import { readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import usearch from 'usearch';
import { DEFAULT_HNSW_EF_CONSTRUCTION, DEFAULT_HNSW_EF_SEARCH, DEFAULT_HNSW_M } from '../../config/defaults.js';
import { RagdError } from '../../errors/ragd-error.js';
import type { VectorHit, VectorIndex, VectorSearchOptions } from '../vector-index.js';
import { indexFileError, readVerifiedTrailer, sealAndRename } from './index-file.js';
import { writeFileAtomic } from '../atomic-file.js';

const { Index, MetricKind, ScalarKind } = usearch;

/** Vector storage type inside the graph. */
export type VectorQuantization = 'f32' | 'f16' | 'i8';

/** Half precision: halves vector memory at no measurable recall cost on normalised embeddings. */
export const DEFAULT_VECTOR_QUANTIZATION: VectorQuantization = 'f16';
/** Even for a permissive filter, fetch at least this many times k before filtering. */
const FILTER_MIN_OVERFETCH = 4;
/** Each widening multiplies the fetch by this: doubling keeps total work within 2x of the last round. */
const FILTER_WIDEN_FACTOR = 2;
/**
 * Allow-sets up to this size are checked against the index first, so a filter naming only a few
 * present labels can stop as soon as all of them are found instead of searching the whole index.
 */
const FILTER_PROBE_LIMIT = 4096;
/** Search runs on the calling thread: one query is too small to pay for spawning workers. */
const SEARCH_THREADS = 1;
/**
 * Inserts run on one thread by default. Measured on this 2-core machine (384-d, f16): concurrent
 * inserts left 3-7 of 1,000 vectors unreachable by any search in 26 of 30 builds, against none in
 * 30 builds single-threaded; single-threaded still adds ~10k vectors/s (~18k/s with two threads).
 */
export const DEFAULT_ADD_THREADS = 1;

/** Stable codes for the file trailer; never renumber. */
const SCALAR_CODES: Record<VectorQuantization, number> = { f32: 1, f16: 2, i8: 3 };
const METRIC_CODE_COS = 1;
const SCALAR_KINDS = { f32: ScalarKind.F32, f16: ScalarKind.F16, i8: ScalarKind.I8 } as const;

export interface UsearchIndexOptions {
  /** Vector length; every added vector and query must have it. */
  dimensions: number;
  /** HNSW graph degree (M). Defaults to DEFAULT_HNSW_M (16). */
  m?: number;
  /** Build-time beam width. Defaults to DEFAULT_HNSW_EF_CONSTRUCTION (128). */
  efConstruction?: number;
  /** Query-time beam width (raised to k when k is larger). Defaults to DEFAULT_HNSW_EF_SEARCH (64). */
  efSearch?: number;
  /** Storage type. Defaults to f16 (see the module header). */
  quantization?: VectorQuantization;
  /**
   * Threads for batch inserts. Defaults to DEFAULT_ADD_THREADS (1; see there for the graph-quality
   * cost of more). Capped at os.availableParallelism(): usearch sizes its per-thread scratch space
   * when capacity grows (or, after a load, for the machine's core count), and an insert may not use
   * more threads than were reserved.
   */
  addThreads?: number;
}

type ResolvedOptions = Required<UsearchIndexOptions>;
type NativeIndex = InstanceType<typeof Index>;

export class UsearchVectorIndex implements VectorIndex {
  readonly dimensions: number;
  private native: NativeIndex;
  /**
   * Labels removed from the index but still in the native graph. usearch 2.25's native `remove`
   * can spin forever after long add/remove churn (unum-cloud/USearch#753, reproduced here after
   * ~6,000 remove+add steps), so removal is a tombstone that searches skip; the IndexManager
   * rebuilds the graph from the store when tombstones pile up (see `garbage()`).
   */
  private deleted = new Set<number>();

  private constructor(private readonly opts: ResolvedOptions) {
    this.dimensions = opts.dimensions;
    this.native = newNative(opts);
  }

  /**
   * An empty index.
   * @throws RAGD_ERR_CONFIG when dimensions or graph parameters are not positive integers.
   */
  static create(options: UsearchIndexOptions): UsearchVectorIndex {
    return new UsearchVectorIndex(resolve(options));
  }

  /**
   * Loads an index written by `save`. `options` are the expected settings: the file must match them.
   * @throws RAGD_ERR_INTERNAL with `details.reason` `vector-index-corrupt` (truncated, foreign or bad
   *   checksum), `vector-index-dimension-mismatch` or `vector-index-config-mismatch` (other storage
   *   type); the caller rebuilds from the store. fs errors such as ENOENT propagate unchanged.
   */
  static async load(path: string, options: UsearchIndexOptions): Promise<UsearchVectorIndex> {
    const opts = resolve(options);
    const trailer = await readVerifiedTrailer(path);
    if (trailer.dimensions !== opts.dimensions) {
      throw indexFileError(path, 'dimension-mismatch', `holds ${trailer.dimensions}-d vectors, expected ${opts.dimensions}`);
    }
    if (trailer.scalarCode !== SCALAR_CODES[opts.quantization] || trailer.metricCode !== METRIC_CODE_COS) {
      throw indexFileError(path, 'config-mismatch', `stored with another storage type or metric than the configured ${opts.quantization}/cos`);
    }
    const index = new UsearchVectorIndex(opts);
    try {
      index.native.load(path);
    } catch (err) {
      throw indexFileError(path, 'corrupt', `usearch could not load it: ${(err as Error).message}`, err);
    }
    if (index.native.dimensions() !== opts.dimensions || index.native.size() !== trailer.count) {
      throw indexFileError(path, 'corrupt', 'usearch header disagrees with the ragd trailer');
    }
    index.deleted = await readTombstones(tombstonePath(path), index.native);
    return index;
  }

  size(): number {
    return this.native.size() - this.deleted.size;
  }

  /** Tombstoned entries still occupying the graph. */
  garbage(): number {
    return this.deleted.size;
  }

  has(label: number): boolean {
    return isLabel(label) && !this.deleted.has(label) && (this.native.contains(BigInt(label)) as boolean);
  }

  /**
   * Inserts or replaces vectors (a label already present is replaced, and within one call the last
   * occurrence of a label wins). Capacity grows automatically: usearch's add reserves the next power
   * of two above size + batch whenever the batch would not fit.
   * @throws RAGD_ERR_EMBEDDER_MISMATCH when a vector's length is not `dimensions`.
   * @throws RAGD_ERR_INTERNAL when labels and vectors differ in count or a label is not a non-negative safe integer.
   */
  add(labels: number[], vectors: Float32Array[]): void {
    if (labels.length !== vectors.length) {
      throw new RagdError('RAGD_ERR_INTERNAL', `vector index add: ${labels.length} labels but ${vectors.length} vectors`);
    }
    const latest = new Map<number, Float32Array>();
    for (let i = 0; i < labels.length; i++) {
      const label = labels[i]!;
      checkLabel(label);
      this.checkLength(vectors[i]!);
      latest.set(label, vectors[i]!);
    }
    if (latest.size === 0) return;
    const keys = new BigUint64Array(latest.size);
    const flat = new Float32Array(latest.size * this.dimensions);
    let row = 0;
    for (const [label, vector] of latest) {
      keys[row] = BigInt(label);
      flat.set(vector, row * this.dimensions);
      row++;
    }
    // Labels are never reused by the store, so a label already in the graph (live or tombstoned)
    // is a replayed add: skip it rather than replace (which would need the unsafe native remove).
    const present = this.native.contains(keys) as boolean[];
    if (present.some(Boolean)) {
      const fresh = [...latest.keys()].filter((_, i) => !present[i]);
      if (fresh.length === 0) return;
      this.add(fresh, fresh.map((l) => latest.get(l)!));
      return;
    }
    this.native.add(keys, flat, this.opts.addThreads);
  }

  /** Removes labels; absent labels are ignored. */
  remove(labels: number[]): void {
    for (const label of labels) {
      checkLabel(label);
      if (!this.deleted.has(label) && (this.native.contains(BigInt(label)) as boolean)) this.deleted.add(label);
    }
  }

  /**
   * Up to `k` nearest labels by cosine similarity, best first. With `allow`, only those labels are
   * returned, widening the search until k of them are found or the whole graph has been searched
   * (removed vectors stay in the graph as routing points, so removals do not cut it apart).
   * @throws RAGD_ERR_EMBEDDER_MISMATCH when the query length is not `dimensions`.
   */
  search(query: Float32Array, k: number, options: VectorSearchOptions = {}): VectorHit[] {
    this.checkLength(query);
    const total = this.native.size();
    const wanted = Math.floor(k);
    if (wanted <= 0 || total === 0 || this.size() === 0) return [];
    const { allow } = options;
    if (allow === undefined) {
      // Over-fetch in proportion to the tombstones, then widen until enough live hits are found.
      let fetch = Math.min(total, Math.ceil((wanted * total) / this.size()) + this.deletedSlack());
      for (;;) {
        const { hits, returned } = this.fetch(query, fetch, undefined, wanted);
        if (hits.length >= Math.min(wanted, this.size()) || fetch >= total || returned < fetch) return hits;
        fetch = Math.min(total, fetch * FILTER_WIDEN_FACTOR);
      }
    }
    if (allow.size === 0) return [];

    // Stop early once every allowed label that exists has been found.
    let target = wanted;
    if (allow.size <= FILTER_PROBE_LIMIT) {
      const probe = BigUint64Array.from([...allow].filter(isLabel), (label) => BigInt(label));
      const live = this.native.contains(probe) as boolean[];
      const present = live.reduce((n, p, i) => n + (p && !this.deleted.has(Number(probe[i])) ? 1 : 0), 0);
      target = Math.min(wanted, present);
      if (target === 0) return [];
    }
    // If allowed labels were spread evenly, k * total / |allow| candidates would hold k of them.
    let fetch = Math.min(total, Math.max(wanted * FILTER_MIN_OVERFETCH, Math.ceil((wanted * total) / allow.size)));
    for (;;) {
      // Fewer results than asked means the search already reached every vector in the graph.
      const { hits, returned } = this.fetch(query, fetch, allow, wanted);
      if (hits.length >= target || fetch >= total || returned < fetch) return hits;
      fetch = Math.min(total, fetch * FILTER_WIDEN_FACTOR);
    }
  }

  /**
   * Writes the index atomically: usearch serialises to a temp file beside `path`, the ragd trailer
   * (with a checksum) is appended, the file is fsynced and renamed over `path`.
   */
  async save(path: string): Promise<void> {
    const tmp = `${path}.${process.pid}.${++tempCounter}.tmp`;
    const count = this.native.size();
    // Synchronous in the binding, so the snapshot is consistent with no later add or remove mixed in.
    try {
      this.native.save(tmp);
    } catch (err) {
      await rm(tmp, { force: true });
      throw new RagdError('RAGD_ERR_INTERNAL', `vector index could not be written to ${tmp}: ${(err as Error).message}`, { cause: err });
    }
    // Tombstones first: a crash between the two files leaves extra tombstones, which load() drops
    // for labels the graph does not hold, and the manager's count check catches any disagreement.
    await writeFileAtomic(tombstonePath(path), Buffer.from(JSON.stringify([...this.deleted])));
    await sealAndRename(tmp, path, {
      dimensions: this.dimensions,
      scalarCode: SCALAR_CODES[this.opts.quantization],
      metricCode: METRIC_CODE_COS,
      count,
    });
  }

  /** Drops every vector (and the memory behind them). */
  clear(): void {
    this.native = newNative(this.opts);
    this.deleted = new Set();
  }

  /** A few extra candidates when tombstones exist, so a handful of deleted neighbours cannot starve k. */
  private deletedSlack(): number {
    return this.deleted.size === 0 ? 0 : FILTER_MIN_OVERFETCH;
  }

  /** One native search of `count` candidates, filtered to at most `wanted` hits. */
  private fetch(query: Float32Array, count: number, allow: Set<number> | undefined, wanted: number): { hits: VectorHit[]; returned: number } {
    const matches = this.native.search(query, count, SEARCH_THREADS);
    const hits: VectorHit[] = [];
    for (let i = 0; i < matches.keys.length && hits.length < wanted; i++) {
      const label = Number(matches.keys[i]!);
      if ((allow !== undefined && !allow.has(label)) || this.deleted.has(label)) continue;
      // Cosine distance is 1 - similarity; f16 rounding can step a hair outside [-1, 1].
      hits.push({ label, score: Math.max(-1, Math.min(1, 1 - matches.distances[i]!)) });
    }
    return { hits, returned: matches.keys.length };
  }

  private checkLength(vector: Float32Array): void {
    if (vector.length !== this.dimensions) {
      throw new RagdError('RAGD_ERR_EMBEDDER_MISMATCH', `vector has ${vector.length} dimensions; the index holds ${this.dimensions}`, {
        details: { expected: this.dimensions, actual: vector.length },
      });
    }
  }
}

/** Suffix for temp files, unique within the process without drawing randomness. */
let tempCounter = 0;

function tombstonePath(path: string): string {
  return `${path}.deleted.json`;
}

async function readTombstones(path: string, native: NativeIndex): Promise<Set<number>> {
  let labels: unknown;
  try {
    labels = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new Set();
    throw indexFileError(path, 'corrupt', `tombstone file unreadable: ${(err as Error).message}`, err);
  }
  if (!Array.isArray(labels) || !labels.every(isLabel)) throw indexFileError(path, 'corrupt', 'tombstone file is not a list of labels');
  return new Set((labels as number[]).filter((l) => native.contains(BigInt(l)) as boolean));
}

function resolve(options: UsearchIndexOptions): ResolvedOptions {
  const opts: ResolvedOptions = {
    dimensions: options.dimensions,
    m: options.m ?? DEFAULT_HNSW_M,
    efConstruction: options.efConstruction ?? DEFAULT_HNSW_EF_CONSTRUCTION,
    efSearch: options.efSearch ?? DEFAULT_HNSW_EF_SEARCH,
    quantization: options.quantization ?? DEFAULT_VECTOR_QUANTIZATION,
    addThreads: Math.min(options.addThreads ?? DEFAULT_ADD_THREADS, os.availableParallelism()),
  };
  for (const key of ['dimensions', 'm', 'efConstruction', 'efSearch', 'addThreads'] as const) {
    if (!Number.isInteger(opts[key]) || opts[key] <= 0) {
      throw new RagdError('RAGD_ERR_CONFIG', `vector index ${key} must be a positive integer, got ${opts[key]}`, { details: { field: key } });
    }
  }
  if (!Object.hasOwn(SCALAR_CODES, opts.quantization)) {
    throw new RagdError('RAGD_ERR_CONFIG', `vector index quantization must be f32, f16 or i8, got ${String(opts.quantization)}`, {
      details: { field: 'quantization' },
    });
  }
  return opts;
}

function newNative(opts: ResolvedOptions): NativeIndex {
  return new Index({
    dimensions: opts.dimensions,
    metric: MetricKind.Cos,
    quantization: SCALAR_KINDS[opts.quantization],
    connectivity: opts.m,
    expansion_add: opts.efConstruction,
    expansion_search: opts.efSearch,
    multi: false,
  });
}

function isLabel(label: number): boolean {
  return Number.isSafeInteger(label) && label >= 0;
}

function checkLabel(label: number): void {
  if (!isLabel(label)) {
    throw new RagdError('RAGD_ERR_INTERNAL', `vector index labels must be non-negative safe integers, got ${label}`);
  }
}

/**
 * Named defaults for the cache library, each with its unit and the reason it is what it is.
 * Every cache is bounded by entries (and bytes where values vary in size) and by a TTL.
 */

/** L1 (in-process memory) TTL: 5 min bounds how long one replica can serve an answer another replica has purged. */
export const DEFAULT_L1_TTL_MS = 5 * 60_000;
/** L1 capacity in entries. */
export const DEFAULT_L1_MAX_ENTRIES = 1_000;
/** L1 capacity in approximate bytes: 64 MB, so 1,000 answers of up to ~64 KB each fit under the RSS budget. */
export const DEFAULT_L1_MAX_BYTES = 64 * 1024 * 1024;
/** L2 (Redis) TTL: 1 h, shared by all replicas. */
export const DEFAULT_L2_TTL_MS = 60 * 60_000;
/** L3 (SQLite) capacity in entries: persistent, so bounded by count rather than by TTL alone. */
export const DEFAULT_L3_MAX_ENTRIES = 100_000;
/** L3 maximum entry age: 24 h, after which a row is swept whatever its TTL said. */
export const DEFAULT_L3_MAX_AGE_MS = 24 * 60 * 60_000;
/** L3 sweep period: once a minute keeps the file near its bound without a sweep on every write. */
export const DEFAULT_L3_SWEEP_INTERVAL_MS = 60_000;

/** Freshness of a computed answer when the caller gives none: 1 h, matching L2. */
export const DEFAULT_ENTRY_TTL_MS = 60 * 60_000;
/**
 * How long past its expiry an entry may still be served, marked `stale`, when recomputing fails
 * or another replica holds the refresh lock. 1 h: answer keys include the collection version, so a
 * stale answer is only as old as its generator run, and an hour-old grounded answer beats a 503.
 */
export const DEFAULT_MAX_STALE_MS = 60 * 60_000;
/** XFetch beta (Vattani, Chierichetti, Lowenstein 2015, "Optimal Probabilistic Cache Stampede Prevention"): 1 is the paper's optimum. */
export const DEFAULT_XFETCH_BETA = 1;
/**
 * Refresh-lock lease: 10 s. The holder releases it as soon as it has stored the new value; the lease
 * only matters if the holder dies, and then other replicas serve stale for at most this long.
 */
export const DEFAULT_LOCK_TTL_MS = 10_000;
/** After a tier fails, skip it for 1 s so a dead Redis costs one fast failure per second, not one per request. */
export const DEFAULT_TIER_COOLDOWN_MS = 1_000;

/** Embedding cache capacity: 10,000 vectors (~15 MB of 384-d f32 plus keys). */
export const DEFAULT_EMBEDDING_MAX_ENTRIES = 10_000;
/** Embedding cache byte bound: 64 MB covers 10,000 vectors up to 1,536-d. */
export const DEFAULT_EMBEDDING_MAX_BYTES = 64 * 1024 * 1024;
/** Embedding TTL: 24 h. A model's output for a text does not change; the TTL only recycles memory. */
export const DEFAULT_EMBEDDING_TTL_MS = 24 * 60 * 60_000;

/** Semantic cache similarity floor (cosine): 0.95 serves only near-paraphrases; callers may raise it, never lower it. */
export const DEFAULT_SEMANTIC_THRESHOLD = 0.95;
/** Semantic cache capacity in entries, across all partitions (LRU). */
export const DEFAULT_SEMANTIC_MAX_ENTRIES = 1_000;
/** Semantic cache TTL: 1 h, like the exact answer cache. */
export const DEFAULT_SEMANTIC_TTL_MS = 60 * 60_000;
/** Nearest cached questions examined per lookup: the best one may fail a guard while the next passes. */
export const DEFAULT_SEMANTIC_CANDIDATES = 4;
/** HNSW graph degree for the semantic index. */
export const DEFAULT_SEMANTIC_HNSW_M = 16;
/**
 * HNSW build and search beams for the semantic index (i8 graph, M 16). Measured on 100k random unit
 * 384-d vectors (the HNSW worst case: no cluster structure) on this shared 2-core machine, top-1
 * recall of near-duplicates (cosine ~0.997) and raw search p99:
 *   build 64 / search 64: 0.84, 371 µs      build 128 / search 64: 0.90, 347 µs
 *   build 64 / search 128: 0.95, 787 µs     build 128 / search 128: 0.98, 638 µs
 * A missed near-duplicate is only a cache miss, while the lookup budget is p99 <= 1 ms under load,
 * so the search beam stays at 64 and the one-off insert (after a generator call) pays for the build
 * beam of 128. Real embeddings cluster and recall far better at the same beams.
 */
export const DEFAULT_SEMANTIC_HNSW_EF_ADD = 128;
/** HNSW search beam (see above). */
export const DEFAULT_SEMANTIC_HNSW_EF_SEARCH = 64;
/** Graph storage for the semantic index: i8 searches ~5x faster than f32 here; similarities are re-scored exactly in f32. */
export const DEFAULT_SEMANTIC_QUANTIZATION = 'i8';
/**
 * Live entries up to which a semantic-index search scans every vector exactly (usearch's SIMD
 * `exactSearch` over a dense copy) instead of walking the HNSW graph. Measured on this 2-core VM
 * (384-d, k 4, in-process CPU per search): the graph costs ~18 µs at 8-16 entries, ~27 µs at 32,
 * ~39 µs at 64 and ~66 µs at 256 (mostly fixed per-call cost); the exact scan ~5 µs at 8, ~8 µs at
 * 32, ~10 µs at 64 and ~32 µs at 256. At 256 the scan is still twice as fast and exact, and its copy
 * costs at most 256 vectors per partition; larger partitions use the graph, so the 100k-entry
 * lookup is unchanged.
 */
export const DEFAULT_SEMANTIC_EXACT_SCAN_MAX = 256;

/**
 * VectorIndex: approximate nearest-neighbour search over one collection's chunk embeddings.
 * Keys are the store's integer chunk labels. Vectors are L2-normalised; `score` is cosine similarity.
 *
 * The embedded implementation is an HNSW graph (usearch) persisted to a file beside the database.
 * A derived index: whatever it holds can be rebuilt from the DocumentStore.
 */

export interface VectorHit {
  label: number;
  /** Cosine similarity in [-1, 1], higher is closer. */
  score: number;
}

export interface VectorSearchOptions {
  /** When given, only these labels may be returned. */
  allow?: Set<number>;
}

export interface VectorIndex {
  readonly dimensions: number;
  size(): number;
  has(label: number): boolean;
  add(labels: number[], vectors: Float32Array[]): void;
  remove(labels: number[]): void;
  /** Removed entries still occupying space (tombstones); the IndexManager rebuilds when they pile up. */
  garbage(): number;
  search(query: Float32Array, k: number, options?: VectorSearchOptions): VectorHit[];
  /** Writes the index atomically (temp file + rename). */
  save(path: string): Promise<void>;
  clear(): void;
}

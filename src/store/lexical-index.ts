/**
 * LexicalIndex: BM25 keyword search over one collection's chunks. Keys are the store's chunk labels.
 * A derived index: whatever it holds can be rebuilt from the DocumentStore.
 */

export interface LexicalHit {
  label: number;
  /** BM25 score, higher is better; only comparable within one query. */
  score: number;
}

export interface LexicalSearchOptions {
  allow?: Set<number>;
}

export interface LexicalIndex {
  size(): number;
  has(label: number): boolean;
  add(label: number, text: string): void;
  remove(label: number): void;
  search(query: string, k: number, options?: LexicalSearchOptions): LexicalHit[];
  /** Writes the index atomically (temp file + rename). */
  save(path: string): Promise<void>;
  clear(): void;
}

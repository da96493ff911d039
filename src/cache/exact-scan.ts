/**
 * ExactScan: brute-force nearest neighbours over a small set of unit vectors, kept row by row in one
 * contiguous Float32Array so usearch's SIMD `exactSearch` can scan it in one native call. For a few
 * hundred vectors this is both exact and cheaper than walking an HNSW graph (see
 * DEFAULT_SEMANTIC_EXACT_SCAN_MAX); AnnIndex uses it for small partitions and drops it for large ones.
 * The smallest scans (up to JS_SCAN_MAX_ROWS rows) are a JS loop instead: hand-written where a
 * library does it, because in a loaded server usearch's call cost more than the arithmetic it saves.
 *
 * Removal swaps the last row into the freed one, so rows stay dense and a scan never sees a dead id.
 */
import usearch from 'usearch';
import type { SparseQuery } from './sparse-query.js';

const { exactSearch, MetricKind } = usearch;

/** Rows allocated at first use; the matrix doubles when full. */
const INITIAL_ROWS = 16;
/**
 * Up to this many rows are scanned in JavaScript rather than by usearch's native exactSearch: in a
 * loaded server the native call (its argument checks, typed-array results and the call itself) cost
 * more than the JS loop over a few thousand products (A/B in bench/README.md, seventh session).
 */
export const JS_SCAN_MAX_ROWS = 32;
/** One query is too small to pay for worker threads. */
const THREADS = 1;

export class ExactScan {
  readonly dimensions: number;
  private matrix: Float32Array;
  /** Id of each row, rows 0 .. size-1. */
  private readonly ids: number[] = [];
  private readonly rows = new Map<number, number>();

  constructor(dimensions: number) {
    this.dimensions = dimensions;
    this.matrix = new Float32Array(INITIAL_ROWS * dimensions);
  }

  get size(): number {
    return this.ids.length;
  }

  /** Adds (or replaces) the row of `id`; `vector` must have `dimensions` components. */
  add(id: number, vector: Float32Array): void {
    const d = this.dimensions;
    let row = this.rows.get(id);
    if (row === undefined) {
      row = this.ids.length;
      if ((row + 1) * d > this.matrix.length) {
        const grown = new Float32Array(this.matrix.length * 2);
        grown.set(this.matrix);
        this.matrix = grown;
      }
      this.ids.push(id);
      this.rows.set(id, row);
    }
    this.matrix.set(vector, row * d);
  }

  delete(id: number): void {
    const row = this.rows.get(id);
    if (row === undefined) return;
    const last = this.ids.length - 1;
    const d = this.dimensions;
    if (row !== last) {
      this.matrix.copyWithin(row * d, last * d, (last + 1) * d);
      const moved = this.ids[last]!;
      this.ids[row] = moved;
      this.rows.set(moved, row);
    }
    this.ids.pop();
    this.rows.delete(id);
  }

  /**
   * Ids of the (up to) `k` rows with the largest inner product with `query`, best first: by
   * `query.dot` (ties to the lower row) up to JS_SCAN_MAX_ROWS rows, else by usearch's f32 SIMD
   * arithmetic over the dense vector. Callers wanting exact scores re-score these ids themselves.
   */
  search(query: SparseQuery, k: number): number[] {
    const n = this.ids.length;
    if (n === 0 || k <= 0) return [];
    const d = this.dimensions;
    if (n <= JS_SCAN_MAX_ROWS) return this.scanInJs(query, Math.min(k, n));
    const { keys } = exactSearch(this.matrix.subarray(0, n * d), query.vector, d, Math.min(k, n), MetricKind.IP, THREADS);
    const out: number[] = [];
    for (let i = 0; i < keys.length; i++) {
      const row = Number(keys[i]);
      if (row < n) out.push(this.ids[row]!);
    }
    return out;
  }

  /** `search` by a JS loop: the `k` best rows by `query.dot`, best first. */
  private scanInJs(query: SparseQuery, k: number): number[] {
    const d = this.dimensions;
    const m = this.matrix;
    const n = this.ids.length;
    const bestRows: number[] = [];
    const bestScores: number[] = [];
    for (let r = 0; r < n; r++) {
      const s = query.dot(m, r * d);
      if (bestRows.length === k && !(s > bestScores[k - 1]!)) continue;
      let at = bestRows.length === k ? k - 1 : bestRows.length;
      while (at > 0 && s > bestScores[at - 1]!) {
        bestScores[at] = bestScores[at - 1]!;
        bestRows[at] = bestRows[at - 1]!;
        at--;
      }
      bestScores[at] = s;
      bestRows[at] = r;
    }
    return bestRows.map((row) => this.ids[row]!);
  }
}

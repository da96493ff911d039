/**
 * SparseQuery: a query vector kept as its non-zero components, so an inner product with a cached
 * vector touches only those. The local embedder's vectors are hashed features in 384 buckets, and a
 * question fills only 60-90 of them, so a scan over the cached questions costs a fifth of the dense
 * loop's multiply-adds. A vector with more than half its components non-zero (a remote model's
 * embedding) is kept dense and scanned by the dense loop, which is then the cheaper of the two.
 *
 * Every inner product the semantic index reports goes through `dot` here, whatever found the
 * candidate (the small-index scan or the HNSW graph), so both paths give identical similarities:
 * the products summed in f64, in component order for a sparse query (the zeros a dense sum would
 * add change nothing but the grouping of the additions), in four interleaved sums for a dense one.
 */

/** Above this share of non-zero components a query is scanned densely (see the header). */
export const SPARSE_MAX_DENSITY = 0.5;

export class SparseQuery {
  /**
   * Positions of the non-zero components, in order, and their values; empty when `dense` (then the
   * products read `vector` itself). Plain arrays rather than typed ones: a typed array of this size
   * gets its own off-heap buffer, and making two per lookup cost ~1.5 µs in a loop and ~4.7 µs of a
   * semantic hit in the server, where these small arrays come from V8's heap in nanoseconds.
   */
  readonly positions: number[] = [];
  readonly values: number[] = [];
  readonly count: number;
  readonly dense: boolean;
  /** Euclidean length of the query. */
  readonly norm: number;

  constructor(readonly vector: Float32Array) {
    const d = vector.length;
    const { positions, values } = this;
    let sumSquares = 0;
    for (let i = 0; i < d; i++) {
      const v = vector[i]!;
      if (v !== 0) {
        positions.push(i);
        values.push(v);
      }
      sumSquares += v * v;
    }
    this.dense = positions.length > d * SPARSE_MAX_DENSITY;
    this.count = this.dense ? d : positions.length;
    if (this.dense) {
      positions.length = 0;
      values.length = 0;
    }
    this.norm = Math.sqrt(sumSquares);
  }

  /** Inner product with the `vector.length`-long row of `matrix` starting at `offset` (default: `matrix` itself). */
  dot(matrix: Float32Array, offset = 0): number {
    const n = this.count;
    let s = 0;
    if (this.dense) {
      const values = this.vector;
      // Four running sums: independent additions the CPU can overlap (about twice one sum's speed).
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      let i = 0;
      for (; i + 3 < n; i += 4) {
        s += values[i]! * matrix[offset + i]!;
        s1 += values[i + 1]! * matrix[offset + i + 1]!;
        s2 += values[i + 2]! * matrix[offset + i + 2]!;
        s3 += values[i + 3]! * matrix[offset + i + 3]!;
      }
      for (; i < n; i++) s += values[i]! * matrix[offset + i]!;
      return s + s1 + (s2 + s3);
    }
    const positions = this.positions;
    const values = this.values;
    for (let j = 0; j < n; j++) s += values[j]! * matrix[offset + positions[j]!]!;
    return s;
  }
}

/** Hand-made vectors with exact cosine similarities, for semantic-cache tests. */

/** Unit vector along axis `i` in `dims` dimensions. */
export function axis(i: number, dims = 16): Float32Array {
  const v = new Float32Array(dims);
  v[i] = 1;
  return v;
}

/** A unit vector whose cosine with axis(`from`) is exactly `similarity`, leaning towards axis(`towards`). */
export function near(from: number, similarity: number, towards = from + 1, dims = 16): Float32Array {
  const v = new Float32Array(dims);
  v[from] = similarity;
  v[towards] = Math.sqrt(1 - similarity * similarity);
  return v;
}

/** A seeded random unit vector (mulberry32), for index tests that need many distinct vectors. */
export function randomUnit(seed: number, dims: number): Float32Array {
  let s = seed >>> 0;
  const rnd = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const v = new Float32Array(dims);
  let norm = 0;
  for (let i = 0; i < dims; i++) {
    v[i] = rnd() - 0.5;
    norm += v[i]! * v[i]!;
  }
  norm = Math.sqrt(norm);
  for (let i = 0; i < dims; i++) v[i]! /= norm;
  return v;
}

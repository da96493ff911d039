/**
 * Growth for the typed arrays behind the lexical index: one contiguous array per field instead of
 * an object per document or term keeps 100k+ chunks cheap for memory and invisible to the GC.
 */

type TypedArray = Uint8Array | Uint16Array | Uint32Array | Float32Array | Float64Array;

/**
 * Returns `array` when it already holds `minLength` elements, otherwise a copy with capacity doubled
 * (or raised to `minLength` if that is larger), so n appends cost O(n) copies in total.
 */
export function ensureCapacity<T extends TypedArray>(array: T, minLength: number): T {
  if (array.length >= minLength) return array;
  const capacity = Math.max(minLength, array.length * 2, 16);
  const grown = new (array.constructor as new (length: number) => T)(capacity);
  grown.set(array as ArrayLike<number> & T);
  return grown;
}

/**
 * What both remote embedders do with vectors: split inputs into batches, check each response has
 * one vector per input with the model's dimension count, and L2-normalise into Float32Arrays.
 */
import { RagdError } from '../../errors/ragd-error.js';
import { type ProviderName, responseError } from './provider-error.js';

/** Splits `items` into consecutive slices of at most `size`. */
export function batches<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** `values` scaled to unit L2 length as a Float32Array; an all-zero vector stays all-zero. */
export function unitVector(values: readonly number[]): Float32Array {
  let sumSquares = 0;
  for (const v of values) sumSquares += v * v;
  const out = new Float32Array(values.length);
  if (sumSquares === 0) return out;
  const scale = 1 / Math.sqrt(sumSquares);
  for (let i = 0; i < values.length; i++) out[i] = (values[i] as number) * scale;
  return out;
}

/**
 * Checks a batch response and returns its vectors normalised, with their dimension count.
 * @param expectedDims The dimension count learned earlier, if any.
 * @throws RagdError RAGD_ERR_PROVIDER_RESPONSE for a wrong vector count, an empty vector or a
 *   dimension count that differs between vectors or from `expectedDims`.
 */
export function normaliseBatch(
  provider: ProviderName,
  vectors: readonly (readonly number[])[],
  inputCount: number,
  expectedDims: number | undefined,
): { vectors: Float32Array[]; dimensions: number } {
  if (vectors.length !== inputCount) {
    throw responseError(provider, `expected ${inputCount} embeddings, got ${vectors.length}`);
  }
  const dimensions = expectedDims ?? vectors[0]?.length ?? 0;
  if (dimensions === 0) throw responseError(provider, 'embedding is empty');
  for (const v of vectors) {
    if (v.length !== dimensions) {
      throw responseError(provider, `embedding has ${v.length} dimensions, expected ${dimensions}`);
    }
  }
  return { vectors: vectors.map(unitVector), dimensions };
}

/** Validates a batch size option (a positive integer). */
export function checkBatchSize(value: number, provider: ProviderName): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new RagdError('RAGD_ERR_CONFIG', `${provider} embedder batchSize must be a positive integer, got ${value}`);
  }
  return value;
}

/**
 * Embedder: turns texts into L2-normalised vectors. Implementations: `local` (feature hashing, no
 * download, the default), `ollama` (/api/embed) and `openai` (OpenAI-compatible /v1/embeddings).
 *
 * Contract:
 * - `embed` returns one Float32Array per input, in order, each of length `dimensions`, L2-normalised.
 * - Remote embedders batch internally and honour `options.signal` / `options.deadline`.
 * - Failures throw RagdError with a RAGD_ERR_PROVIDER_* code (retryable where a retry can help).
 * - `dimensions` may be unknown (undefined) for a remote model until its first successful call.
 */
import type { CallOptions } from './call-options.js';

export type EmbedderKind = 'local' | 'ollama' | 'openai';

export interface Embedder {
  readonly kind: EmbedderKind;
  readonly model: string;
  readonly dimensions: number | undefined;
  embed(texts: string[], options: CallOptions): Promise<Float32Array[]>;
  /**
   * In-process embedders only (no I/O, nothing to wait for): the vectors `embed` would return,
   * computed synchronously on the calling thread. Callers use it for batches of at most
   * `inProcessBatchMax` texts, so that no call holds the event loop for long.
   */
  embedInProcess?(texts: readonly string[]): Float32Array[];
  /** The most texts one `embedInProcess` call should take; present with `embedInProcess`. */
  readonly inProcessBatchMax?: number;
  /**
   * `embed` without a promise where the embedder can (in process, through its resilience pipeline
   * with nothing to wait for): `{ vectors }`, throwing what `embed` rejects with; undefined, having
   * done nothing, when only `embed` can (a remote model, a fault injected, a full bulkhead).
   */
  embedNow?(texts: string[], options: CallOptions): { vectors: Float32Array[] } | undefined;
  /** Cheap reachability check for readiness (never a billable call where the API allows it). */
  probe(options: CallOptions): Promise<void>;
  close(): Promise<void>;
}

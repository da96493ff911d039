/**
 * An Embedder that runs every call through the `embedding` resilience pipeline (deadline, circuit
 * breaker, bulkhead, retries with jitter and budget, fault injection). Embedding is idempotent, so
 * retries are allowed. There is deliberately no cross-provider fallback here: another provider's
 * vectors live in another space, so a collection could not use them; when embedding is down, the
 * retriever degrades to lexical search instead.
 */
import type { ExecuteOptions, Pipeline } from '../resilience/pipeline.js';
import type { CallOptions } from './call-options.js';
import type { Embedder } from './embedder.js';

export class ResilientEmbedder implements Embedder {
  constructor(
    private readonly inner: Embedder,
    private readonly pipeline: Pipeline,
  ) {}

  get kind() {
    return this.inner.kind;
  }

  get model() {
    return this.inner.model;
  }

  get dimensions() {
    return this.inner.dimensions;
  }

  embed(texts: string[], options: CallOptions): Promise<Float32Array[]> {
    const inner = this.inner;
    if (inner.embedInProcess !== undefined && texts.length <= (inner.inProcessBatchMax ?? 0)) {
      // An in-process embedder (the local one) has nothing to abort or time out once it runs: the
      // pipeline checks the signal and deadline before the call and skips the deadline machinery.
      // `signal` is passed on as a getter: read only if the call has to queue (see executeLocal), so a
      // caller whose signal is made on first read, and who says `abortedReason`, makes none here.
      return this.pipeline.executeLocal(() => inner.embedInProcess!(texts), new LocalCallOptions(options));
    }
    return this.pipeline.execute((signal) => this.inner.embed(texts, { ...options, signal }), {
      signal: options.signal,
      deadline: options.deadline,
      idempotent: true,
    });
  }

  embedNow(texts: string[], options: CallOptions): { vectors: Float32Array[] } | undefined {
    const inner = this.inner;
    if (inner.embedInProcess === undefined || texts.length > (inner.inProcessBatchMax ?? 0)) return undefined;
    const ran = this.pipeline.executeLocalNow(() => inner.embedInProcess!(texts), new LocalCallOptions(options));
    return ran === undefined ? undefined : { vectors: ran.value };
  }

  probe(options: CallOptions): Promise<void> {
    return this.inner.probe(options);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

/**
 * ExecuteOptions over a caller's CallOptions that reads the caller's `signal` only when asked (a
 * class, since V8 builds an object literal with a getter on a slow path).
 */
class LocalCallOptions implements ExecuteOptions {
  readonly idempotent = true;

  constructor(private readonly call: CallOptions) {}

  get signal(): AbortSignal {
    return this.call.signal;
  }

  get abortedReason(): (() => unknown) | undefined {
    return this.call.abortedReason;
  }

  get deadline(): number | undefined {
    return this.call.deadline;
  }
}

/**
 * An Embedder that runs every call through the `embedding` resilience pipeline (deadline, circuit
 * breaker, bulkhead, retries with jitter and budget, fault injection). Embedding is idempotent, so
 * retries are allowed. There is deliberately no cross-provider fallback here: another provider's
 * vectors live in another space, so a collection could not use them; when embedding is down, the
 * retriever degrades to lexical search instead.
 */
import type { Pipeline } from '../resilience/pipeline.js';
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
      return this.pipeline.executeLocal(() => inner.embedInProcess!(texts), {
        get signal() {
          return options.signal;
        },
        abortedReason: options.abortedReason,
        deadline: options.deadline,
        idempotent: true,
      });
    }
    return this.pipeline.execute((signal) => this.inner.embed(texts, { ...options, signal }), {
      signal: options.signal,
      deadline: options.deadline,
      idempotent: true,
    });
  }

  probe(options: CallOptions): Promise<void> {
    return this.inner.probe(options);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

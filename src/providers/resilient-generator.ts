/**
 * A Generator over an ordered list of generators, each behind its own `generation:<kind>` resilience
 * pipeline. The first one that produces a first token answers; on failure, an open breaker or a
 * full bulkhead before that, the next is tried within the deadline. After the first token the
 * answer is committed: a later failure propagates (the HTTP layer ends the stream with an error).
 * Emits a `model` event first so callers can report which model answered.
 */
import type { ResilienceRegistry } from '../resilience/registry.js';
import { streamWithFallback } from '../resilience/fallback.js';
import type { CallOptions } from './call-options.js';
import type { GenerateEvent, GenerateRequest, Generator, GeneratorKind } from './generator.js';

export class ResilientGenerator implements Generator {
  /** The resilience pipeline name of each generator in the chain (`generation:<kind>`). */
  private readonly pipelineNames: readonly string[];

  constructor(
    private readonly chain: readonly Generator[],
    private readonly registry: ResilienceRegistry,
  ) {
    if (chain.length === 0) throw new Error('ResilientGenerator needs at least one generator');
    this.pipelineNames = chain.map((g) => `generation:${g.kind}`);
  }

  get kind(): GeneratorKind {
    return this.chain[0]!.kind;
  }

  get model(): string {
    return this.chain[0]!.model;
  }

  async *stream(request: GenerateRequest, options: CallOptions): AsyncGenerator<GenerateEvent> {
    const candidates = this.chain.map((g, i) => ({
      name: `${g.kind}:${g.model}`,
      pipeline: this.registry.get(this.pipelineNames[i]!),
      call: (signal: AbortSignal) => g.stream(request, { ...options, signal }),
    }));
    const opened = await streamWithFallback(candidates, {
      signal: options.signal,
      deadline: options.deadline,
      // A generation is safe to repeat until its first token has been shown to anyone.
      idempotent: true,
      onFallback: this.registry.reportFallback,
    });
    const chosen = this.chain[candidates.findIndex((c) => c.name === opened.provider)]!;
    yield { type: 'model', provider: chosen.kind, model: chosen.model };
    try {
      for await (const ev of opened.stream) yield ev;
    } finally {
      await opened.stream.return?.();
    }
  }

  async probe(options: CallOptions): Promise<void> {
    // Ready if any generator in the chain answers its cheap probe.
    const errors: unknown[] = [];
    for (const g of this.chain) {
      try {
        await g.probe(options);
        return;
      } catch (err) {
        errors.push(err);
      }
    }
    throw errors[0];
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.chain.map((g) => g.close()));
  }
}

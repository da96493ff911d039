/**
 * Answering: retrieve sources, then generate a grounded answer that cites them as [n].
 * `run` yields events (answer deltas, then citations, then done) so the HTTP layer can stream them
 * as Server-Sent Events or collect them into one JSON response. If the configured generator fails
 * before its first token, the extractive generator answers from the same sources and the response
 * says `degraded: true` with the reason; after the first token, the failure is surfaced as an error
 * (never a clean end).
 */
import { RagdError } from '../errors/ragd-error.js';
import { NOOP_SPAN, NOOP_TRACING } from '../observability/tracing.js';
import { ATTR, SPAN_NAMES } from '../observability/tracing-attributes.js';
import { iterateInSpan } from '../observability/tracing-iterable.js';
import type { TraceSpan, Tracing } from '../observability/tracing-types.js';
import type { GenerateEvent, Generator } from '../providers/generator.js';
import type { DocumentStore } from '../store/document-store.js';
import type { CollectionKey, CollectionRecord, Metadata } from '../store/types.js';
import type { Retriever } from './retriever.js';
import { isDegradable } from './retriever.js';
import type { Citation, DegradedReason, QueryTimings, RetrievalMode } from './types.js';

export interface QueryRequest {
  key: CollectionKey;
  query: string;
  mode: RetrievalMode;
  topK: number;
  filter?: Metadata | undefined;
  signal: AbortSignal;
  deadline?: number;
  /** The question's embedding when the caller already has it (the semantic-cache lookup computed it). */
  queryVector?: Float32Array | undefined;
  /** The request's server span (`requestSpan(request)`): the parent of the stage spans. */
  parentSpan?: TraceSpan | undefined;
}

export interface QueryDone {
  mode: RetrievalMode;
  model: string;
  timings: QueryTimings;
  degraded: boolean;
  reasons: DegradedReason[];
  collectionVersion: number;
}

export type QueryEvent =
  | { type: 'delta'; text: string }
  | { type: 'citations'; citations: Citation[] }
  | { type: 'done'; done: QueryDone };

export interface QueryResponse extends QueryDone {
  answer: string;
  citations: Citation[];
}

export class QueryService {
  constructor(
    private readonly store: DocumentStore,
    private readonly retriever: Retriever,
    private readonly generator: Generator,
    private readonly fallback: Generator,
    /** Spans `rag.generate` (provider client spans nest under it). Defaults to no tracing. */
    private readonly tracing: Tracing = NOOP_TRACING,
  ) {}

  /** The collection when the store knows it synchronously (DocumentStore.knownCollection), else undefined: then `collection`. */
  knownCollection(key: CollectionKey): CollectionRecord | undefined {
    return this.store.knownCollection?.(key);
  }

  async collection(key: CollectionKey): Promise<CollectionRecord> {
    const c = await this.store.getCollection(key);
    if (!c) throw new RagdError('RAGD_ERR_COLLECTION_NOT_FOUND', `collection '${key.name}' does not exist`, { details: { field: 'collection' } });
    return c;
  }

  async *run(req: QueryRequest): AsyncGenerator<QueryEvent> {
    const t0 = performance.now();
    const collection = await this.collection(req.key);
    const queryVector = req.queryVector;
    const retrieved = await this.retriever.retrieve(collection, req.query, {
      ...(queryVector ? { embedQuery: async () => queryVector } : {}),
      mode: req.mode,
      topK: req.topK,
      filter: req.filter,
      signal: req.signal,
      ...(req.deadline ? { deadline: req.deadline } : {}),
      parentSpan: req.parentSpan,
    });
    const reasons = [...retrieved.degraded];
    const citations: Citation[] = retrieved.hits.map((h, i) => ({
      index: i + 1,
      documentId: h.documentId,
      chunkId: h.chunkId,
      title: h.title,
      text: h.text,
      score: h.score,
    }));
    const sources = citations.map((c) => ({ index: c.index, title: c.title, text: c.text }));

    const tg = performance.now();
    let model = this.generator.model;
    let started = false;
    // One span for the whole stage, fallback included: the parent of the provider client spans
    // (passed in the call options; with implicit context each generator step also runs inside it).
    const span = this.tracing.enabled
      ? this.tracing.startSpan(
          SPAN_NAMES.generate,
          { [ATTR.collection]: req.key.name, [ATTR.generatorModel]: model, [ATTR.sources]: sources.length },
          { parent: req.parentSpan },
        )
      : NOOP_SPAN;
    const call = { signal: req.signal, ...(req.deadline ? { deadline: req.deadline } : {}), ...(span === NOOP_SPAN ? {} : { parentSpan: span }) };
    const inSpan = (events: AsyncIterable<GenerateEvent>): AsyncIterable<GenerateEvent> =>
      span === NOOP_SPAN || !this.tracing.implicitContext ? events : iterateInSpan(span, events);
    try {
      try {
        for await (const ev of inSpan(this.generator.stream({ question: req.query, sources }, call))) {
          if (ev.type !== 'delta' || ev.text.length === 0) continue;
          started = true;
          yield { type: 'delta', text: ev.text };
        }
      } catch (err) {
        if (started || !isDegradable(err) || this.generator === this.fallback) throw err;
        reasons.push('generation_unavailable');
        model = this.fallback.model;
        for await (const ev of inSpan(this.fallback.stream({ question: req.query, sources }, call))) {
          if (ev.type === 'delta' && ev.text.length > 0) yield { type: 'delta', text: ev.text };
        }
      }
      if (span.recording) span.setAttributes({ [ATTR.generatorModel]: model, [ATTR.degraded]: reasons.includes('generation_unavailable') });
    } catch (err) {
      span.fail(err);
      throw err;
    } finally {
      span.end();
    }
    const generateMs = performance.now() - tg;
    yield { type: 'citations', citations };
    yield {
      type: 'done',
      done: {
        mode: retrieved.mode,
        model,
        timings: {
          embedMs: round(retrieved.embedMs),
          searchMs: round(retrieved.searchMs),
          generateMs: round(generateMs),
          totalMs: round(performance.now() - t0),
        },
        degraded: reasons.length > 0,
        reasons,
        collectionVersion: collection.version,
      },
    };
  }

  async answer(req: QueryRequest): Promise<QueryResponse> {
    let answer = '';
    let citations: Citation[] = [];
    let done: QueryDone | undefined;
    for await (const ev of this.run(req)) {
      if (ev.type === 'delta') answer += ev.text;
      else if (ev.type === 'citations') citations = ev.citations;
      else done = ev.done;
    }
    return { answer, citations, ...done! };
  }
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}

/**
 * Retrieval over one collection: vector (HNSW), lexical (BM25) or hybrid (both, fused by RRF),
 * with equality filters on document metadata. If the query cannot be embedded (embedder down) or
 * the vector index is missing, hybrid and vector retrieval fall back to lexical and say so in
 * `degraded`, rather than failing the request.
 */
import { RagdError, isRagdError } from '../errors/ragd-error.js';
import { NOOP_TRACING } from '../observability/tracing.js';
import { ATTR, SPAN_NAMES } from '../observability/tracing-attributes.js';
import type { TraceSpan, Tracing } from '../observability/tracing-types.js';
import type { Embedder } from '../providers/embedder.js';
import type { Pipeline } from '../resilience/pipeline.js';
import type { DocumentStore } from '../store/document-store.js';
import type { IndexManager } from '../store/index-manager.js';
import type { CollectionRecord, Metadata } from '../store/types.js';
import { reciprocalRankFusion } from './fusion.js';
import type { DegradedReason, RetrievalMode, SearchHit } from './types.js';

/** Candidates taken from each ranking before fusion: enough depth for RRF to reorder usefully. */
const HYBRID_CANDIDATES_MIN = 50;
const HYBRID_CANDIDATES_FACTOR = 4;

export interface RetrieveOptions {
  mode: RetrievalMode;
  topK: number;
  filter?: Metadata | undefined;
  signal: AbortSignal;
  deadline?: number;
  /** Embeds the query (the caller wraps the embedder in its resilience pipeline and cache). */
  embedQuery?: (text: string) => Promise<Float32Array>;
  /** The parent of the `rag.embed` and `rag.search` spans: the request's server span. */
  parentSpan?: TraceSpan | undefined;
}

export interface RetrieveResult {
  hits: SearchHit[];
  /** Mode actually used (differs from the requested one when degraded). */
  mode: RetrievalMode;
  embedMs: number;
  searchMs: number;
  degraded: DegradedReason[];
  queryVector?: Float32Array;
}

export class Retriever {
  constructor(
    private readonly store: DocumentStore,
    private readonly indexes: IndexManager,
    private readonly embedder: Embedder,
    private readonly rrfK: number,
    /** The `vector_search` resilience pipeline: breaker + fault injection around the ANN index. */
    private readonly vectorPipeline?: Pipeline,
    /** Spans `rag.embed` and `rag.search` under `options.parentSpan`. Defaults to no tracing. */
    private readonly tracing: Tracing = NOOP_TRACING,
  ) {}

  async retrieve(collection: CollectionRecord, query: string, options: RetrieveOptions): Promise<RetrieveResult> {
    // Tracing off: the stages are called directly, with no span or attribute objects.
    const tracing = this.tracing.enabled ? this.tracing : undefined;
    const degraded: DegradedReason[] = [];
    let mode = options.mode;
    const idx = this.indexes.get(collection.id);
    let embedMs = 0;
    let queryVector: Float32Array | undefined;

    if (mode !== 'lexical') {
      if (!idx) {
        degraded.push('vector_index_unavailable');
        mode = 'lexical';
      } else {
        this.checkEmbedder(collection);
        const t0 = performance.now();
        const embed = (span?: TraceSpan): Promise<Float32Array | undefined> =>
          options.embedQuery
            ? options.embedQuery(query)
            : this.embedder
                .embed([query], { signal: options.signal, ...(options.deadline ? { deadline: options.deadline } : {}), ...(span ? { parentSpan: span } : {}) })
                .then((v) => v[0]);
        try {
          queryVector = tracing
            ? await tracing.withSpan(SPAN_NAMES.embed, { [ATTR.collection]: collection.name }, embed, { parent: options.parentSpan })
            : await embed();
        } catch (err) {
          if (!isDegradable(err)) throw err;
          degraded.push('embedding_unavailable');
          mode = 'lexical';
        }
        embedMs = performance.now() - t0;
        if (queryVector && queryVector.length !== collection.dimensions) {
          throw new RagdError('RAGD_ERR_EMBEDDER_MISMATCH', `query embedding has ${queryVector.length} dimensions; collection '${collection.name}' has ${collection.dimensions}`, {
            details: { expected: collection.dimensions, actual: queryVector.length },
          });
        }
      }
    }

    const t1 = performance.now();
    const search = (): Promise<{ hits: SearchHit[]; mode: RetrievalMode }> => this.search(collection, query, options, idx, mode, queryVector, degraded);
    const found = tracing
      ? await tracing.withSpan(SPAN_NAMES.search, { [ATTR.collection]: collection.name, [ATTR.retrievalMode]: mode, [ATTR.topK]: options.topK }, async (span) => {
          const res = await search();
          // The mode actually used: a failed vector index degrades hybrid to lexical inside the search.
          span.setAttributes({ [ATTR.hits]: res.hits.length, [ATTR.retrievalMode]: res.mode });
          return res;
        }, { parent: options.parentSpan })
      : await search();
    const searchMs = performance.now() - t1;
    return { hits: found.hits, mode: found.mode, embedMs, searchMs, degraded, ...(queryVector ? { queryVector } : {}) };
  }

  /** Filters, ranks (vector, lexical or fused) and fetches the chunks; pushes to `degraded` when the vector index fails. */
  private async search(
    collection: CollectionRecord,
    query: string,
    options: RetrieveOptions,
    idx: ReturnType<IndexManager['get']>,
    requestedMode: RetrievalMode,
    queryVector: Float32Array | undefined,
    degraded: DegradedReason[],
  ): Promise<{ hits: SearchHit[]; mode: RetrievalMode }> {
    let mode = requestedMode;
    const allow = options.filter && Object.keys(options.filter).length > 0 ? await this.store.labelsMatching(collection.id, options.filter) : undefined;
    let ranked: { label: number; score: number }[] = [];
    if (idx && !(allow && allow.size === 0)) {
      const opts = allow ? { allow } : {};
      const depth = mode === 'hybrid' ? Math.max(HYBRID_CANDIDATES_MIN, options.topK * HYBRID_CANDIDATES_FACTOR) : options.topK;
      let vectorHits: { label: number; score: number }[] | undefined;
      if (mode !== 'lexical') {
        try {
          vectorHits = await this.vectorSearch(() => idx.vector.search(queryVector!, depth, opts), options);
        } catch (err) {
          // Any failure of the vector index (not of the request itself) degrades to lexical.
          if (isRagdError(err) && (err.code === 'RAGD_ERR_CLIENT_CLOSED' || err.code === 'RAGD_ERR_VALIDATION')) throw err;
          degraded.push('vector_index_unavailable');
          mode = 'lexical';
        }
      }
      if (mode === 'vector') ranked = vectorHits!;
      else if (mode === 'lexical') ranked = idx.lexical.search(query, options.topK, opts);
      else ranked = reciprocalRankFusion([vectorHits!, idx.lexical.search(query, depth, opts)], this.rrfK, options.topK);
    }
    const chunks = await this.store.getChunks(ranked.map((r) => r.label));
    const byLabel = new Map(chunks.map((c) => [c.label, c]));
    const hits: SearchHit[] = [];
    for (const r of ranked) {
      const c = byLabel.get(r.label);
      if (!c) continue; // deleted between search and fetch
      hits.push({ documentId: c.documentId, chunkId: c.id, title: c.title, text: c.text, score: r.score, metadata: c.metadata, headings: c.headings });
    }
    return { hits, mode };
  }

  private vectorSearch<T>(fn: () => T, options: RetrieveOptions): Promise<T> {
    if (!this.vectorPipeline) return Promise.resolve(fn());
    // The ANN search is synchronous and in-process: no deadline signal or timer to build for it.
    return this.vectorPipeline.executeLocal(fn, { signal: options.signal, deadline: options.deadline, idempotent: false });
  }

  private checkEmbedder(c: CollectionRecord): void {
    if (c.embedder !== this.embedder.kind || c.model !== this.embedder.model) {
      throw new RagdError(
        'RAGD_ERR_EMBEDDER_MISMATCH',
        `collection '${c.name}' was built with ${c.embedder}/${c.model} but ragd is configured with ${this.embedder.kind}/${this.embedder.model}; re-ingest it or configure the original embedder`,
        { details: { expected: { embedder: c.embedder, model: c.model }, actual: { embedder: this.embedder.kind, model: this.embedder.model } } },
      );
    }
  }
}

/** Errors that mean "the embedder is unavailable" (degrade) rather than "the request is wrong" (fail). */
export function isDegradable(err: unknown): boolean {
  if (!isRagdError(err)) return true;
  return (
    err.code === 'RAGD_ERR_PROVIDER_UNAVAILABLE' ||
    err.code === 'RAGD_ERR_PROVIDER_RATE_LIMITED' ||
    err.code === 'RAGD_ERR_PROVIDER_RESPONSE' ||
    err.code === 'RAGD_ERR_CIRCUIT_OPEN' ||
    err.code === 'RAGD_ERR_BULKHEAD_FULL' ||
    err.code === 'RAGD_ERR_TIMEOUT'
  );
}

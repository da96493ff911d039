/**
 * `search` and `ingest` functions for `runEval` that talk to a running ragd over HTTP
 * (`POST /api/v1/rag/search`, `POST /api/v1/rag/documents`). Chunk results are collapsed to
 * documents before scoring.
 */
import { collapseToDocuments, type ChunkHit } from './collapse.js';
import type { BeirDocument } from './beir.js';
import type { IngestFn, SearchFn } from './run-eval.js';
import { postJson } from './post-json.js';

export interface HttpEvalClientOptions {
  /** ragd's origin, e.g. `http://127.0.0.1:8080`. */
  readonly baseUrl: string;
  /** Collection to ingest into and search. */
  readonly collection: string;
  /** Extra headers, e.g. `{ authorization: 'Bearer ...' }`. */
  readonly headers?: Record<string, string>;
  /**
   * Chunks asked per document wanted: topK sent = min(1000, k * overfetch). Defaults to 1, right
   * for passage corpora (one chunk per passage); raise it for long documents.
   */
  readonly overfetch?: number;
  /** Builds the ingest request body. Defaults to `{ collection, documents: [{ id, title, text, metadata }] }`. */
  readonly ingestBody?: (collection: string, docs: readonly BeirDocument[]) => unknown;
}

/** ragd rejects a larger topK (MAX_TOP_K in config/defaults). */
const MAX_TOP_K = 1000;

/** `search` (collapsed to documents) and `ingest` over ragd's HTTP API. */
export function createHttpEvalClient<M extends string>(options: HttpEvalClientOptions): { search: SearchFn<M>; ingest: IngestFn } {
  const base = options.baseUrl.replace(/\/+$/, '');
  const overfetch = options.overfetch ?? 1;
  const headers = options.headers ?? {};
  const ingestBody =
    options.ingestBody ??
    ((collection: string, docs: readonly BeirDocument[]) => ({
      collection,
      documents: docs.map((d) => ({ id: d.id, title: d.title, text: d.text, metadata: d.metadata })),
    }));
  return {
    async search(query, mode, topK) {
      const res = await postJson(
        `${base}/api/v1/rag/search`,
        { query, collection: options.collection, mode, topK: Math.min(MAX_TOP_K, Math.ceil(topK * overfetch)) },
        { headers },
      );
      const results = (res.body as { results?: ChunkHit[] } | undefined)?.results;
      if (!Array.isArray(results)) throw new Error(`search answered without a results array (mode ${mode})`);
      return collapseToDocuments(results, topK);
    },
    async ingest(docs) {
      await postJson(`${base}/api/v1/rag/documents`, ingestBody(options.collection, docs), { headers });
    },
  };
}

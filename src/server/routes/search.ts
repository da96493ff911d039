/** POST /api/v1/rag/search: retrieval only, no generation. */
import type { FastifyInstance } from 'fastify';
import type { RetrievalMode } from '../../rag/types.js';
import type { Metadata } from '../../store/types.js';
import { requestSpan } from '../../observability/tracing-hooks.js';
import type { Runtime } from '../../runtime.js';
import { searchBody } from '../schemas.js';
import { DEFAULT_COLLECTION, requireText } from './common.js';

interface SearchBody {
  query: string;
  collection?: string;
  topK?: number;
  mode?: RetrievalMode;
  filter?: Metadata;
}

export function registerSearchRoute(app: FastifyInstance, rt: Runtime): void {
  app.post<{ Body: SearchBody }>('/api/v1/rag/search', { config: { scope: 'query', routeClass: 'search' }, schema: { body: searchBody, tags: ['rag'], summary: 'Search chunks' } }, async (request, reply) => {
    const b = request.body;
    requireText(b.query, 'query');
    const key = { tenant: request.tenant, name: b.collection ?? DEFAULT_COLLECTION };
    request.facts.collection = key.name;
    const collection = await rt.requireCollection(key);
    const res = await rt.retriever.retrieve(collection, b.query, {
      mode: b.mode ?? 'hybrid',
      topK: b.topK ?? rt.config.retrieval.searchTopK,
      filter: b.filter,
      signal: request.abortSignal,
      deadline: request.deadline,
      parentSpan: requestSpan(request),
    });
    if (res.degraded.length) {
      request.facts.degraded = res.degraded;
      reply.header('x-ragd-degraded', res.degraded.join(','));
    }
    return {
      results: res.hits.map((h) => ({ documentId: h.documentId, chunkId: h.chunkId, title: h.title, text: h.text, score: h.score, metadata: h.metadata })),
      mode: res.mode,
      degraded: res.degraded.length > 0,
      ...(res.degraded.length ? { reasons: res.degraded } : {}),
      timings: { embedMs: round(res.embedMs), searchMs: round(res.searchMs) },
    };
  });
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}

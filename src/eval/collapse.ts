/**
 * ragd ranks chunks; relevance judgments are about documents. Collapsing keeps each document's
 * first (best-ranked) chunk, so a document counts once, at the rank where the user first meets it.
 */
import type { RankedDoc } from './ir-metrics.js';

/** The fields of a ragd search result the collapse needs (`POST /api/v1/rag/search` results fit). */
export interface ChunkHit {
  readonly documentId: string;
  readonly score: number;
}

/**
 * Collapses a chunk ranking (best first) to a document ranking: the first occurrence of each
 * document wins and keeps that chunk's score, later chunks of the same document are dropped.
 * `limit` caps the number of documents returned (default: all).
 *
 * Because the first occurrence is the best-ranked one, a ranking sorted by score stays sorted.
 * Ask ragd for more chunks than the document depth you need when documents have many chunks.
 *
 * @example collapseToDocuments([{ documentId: 'a', score: 3 }, { documentId: 'a', score: 2 }, { documentId: 'b', score: 1 }])
 * // [{ docId: 'a', score: 3 }, { docId: 'b', score: 1 }]
 */
export function collapseToDocuments(hits: Iterable<ChunkHit>, limit = Infinity): RankedDoc[] {
  const seen = new Set<string>();
  const out: RankedDoc[] = [];
  for (const hit of hits) {
    if (out.length >= limit) break;
    if (seen.has(hit.documentId)) continue;
    seen.add(hit.documentId);
    out.push({ docId: hit.documentId, score: hit.score });
  }
  return out;
}

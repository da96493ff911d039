/** Shapes the RAG services exchange with the HTTP layer. */
import type { Metadata } from '../store/types.js';

export type RetrievalMode = 'vector' | 'lexical' | 'hybrid';
export const RETRIEVAL_MODES: readonly RetrievalMode[] = ['vector', 'lexical', 'hybrid'];

/** Why an answer is degraded; each is a stable string clients can match. */
export type DegradedReason = 'embedding_unavailable' | 'vector_index_unavailable' | 'generation_unavailable';

export interface SearchHit {
  documentId: string;
  chunkId: string;
  title: string;
  text: string;
  score: number;
  metadata: Metadata;
  headings: string[];
}

export interface Citation {
  index: number;
  documentId: string;
  chunkId: string;
  title: string;
  text: string;
  score: number;
}

export interface QueryTimings {
  embedMs: number;
  searchMs: number;
  generateMs: number;
  totalMs: number;
}

/** Row shapes of the SQLite document store's tables and their mapping to ragd's records. */
import type {
  ChangeRecord,
  CollectionRecord,
  DocumentFormat,
  DocumentRecord,
  IndexableChunk,
  Metadata,
  StoredChunk,
} from '../types.js';
import { decodeEmbedding, indexableText } from './codec.js';

export interface CollectionRow {
  id: number;
  tenant: string;
  name: string;
  embedder: string;
  model: string;
  dimensions: number;
  version: number;
  document_count: number;
  chunk_count: number;
  created_at: number;
  updated_at: number;
}

/** A documents row without its clean text, plus the owning collection's name. */
export interface DocumentRow {
  id: string;
  collection: string;
  title: string;
  format: string;
  metadata: string;
  content_hash: string;
  chunk_count: number;
  text_length: number;
  created_at: number;
  updated_at: number;
}

export interface DocumentWithTextRow extends DocumentRow {
  text: string;
}

export interface StoredChunkRow {
  label: number;
  id: string;
  collection_id: number;
  document_id: string;
  ordinal: number;
  text: string;
  headings: string;
  title: string;
  metadata: string;
}

export interface IndexableChunkRow {
  label: number;
  collection_id: number;
  title: string;
  headings: string;
  text: string;
  embedding: Buffer;
}

export interface ChangeRow {
  seq: number;
  collection_id: number;
  op: 'add' | 'del';
  label: number;
}

export function toCollectionRecord(row: CollectionRow): CollectionRecord {
  return {
    id: row.id,
    tenant: row.tenant,
    name: row.name,
    embedder: row.embedder,
    model: row.model,
    dimensions: row.dimensions,
    version: row.version,
    documentCount: row.document_count,
    chunkCount: row.chunk_count,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export function toDocumentRecord(row: DocumentRow): DocumentRecord {
  return {
    id: row.id,
    collection: row.collection,
    title: row.title,
    // Written only from the DocumentFormat union.
    format: row.format as DocumentFormat,
    metadata: JSON.parse(row.metadata) as Metadata,
    contentHash: row.content_hash,
    chunkCount: row.chunk_count,
    textLength: row.text_length,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export function toStoredChunk(row: StoredChunkRow): StoredChunk {
  return {
    label: row.label,
    id: row.id,
    collectionId: row.collection_id,
    documentId: row.document_id,
    title: row.title,
    ordinal: row.ordinal,
    text: row.text,
    headings: JSON.parse(row.headings) as string[],
    metadata: JSON.parse(row.metadata) as Metadata,
  };
}

export function toIndexableChunk(row: IndexableChunkRow): IndexableChunk {
  return {
    label: row.label,
    collectionId: row.collection_id,
    text: indexableText(row.title, JSON.parse(row.headings) as string[], row.text),
    embedding: decodeEmbedding(row.embedding),
  };
}

export function toChangeRecord(row: ChangeRow): ChangeRecord {
  return { seq: row.seq, collectionId: row.collection_id, op: row.op, label: row.label };
}

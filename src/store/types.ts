/** Records shared by the document store and the derived indexes. */

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type Metadata = Record<string, JsonValue>;
export type DocumentFormat = 'text' | 'markdown' | 'html';

/** Identifies a collection: names are unique per tenant. */
export interface CollectionKey {
  tenant: string;
  name: string;
}

export interface EmbedderSignature {
  /** Embedder kind: `local`, `ollama`, `openai`. */
  embedder: string;
  model: string;
  dimensions: number;
}

export interface CollectionRecord extends EmbedderSignature {
  /** Internal integer id; stable for the life of the collection. */
  id: number;
  tenant: string;
  name: string;
  /** Bumped by every ingest or delete: cached answers built on another version are never served. */
  version: number;
  documentCount: number;
  chunkCount: number;
  createdAt: number;
  updatedAt: number;
}

export interface DocumentRecord {
  id: string;
  collection: string;
  title: string;
  format: DocumentFormat;
  metadata: Metadata;
  /** sha256 (hex) of the source as submitted. */
  contentHash: string;
  chunkCount: number;
  /** Length of the clean text in characters. */
  textLength: number;
  createdAt: number;
  updatedAt: number;
}

export interface DocumentWithText extends DocumentRecord {
  text: string;
}

/** A chunk as the ingestion pipeline hands it to the store. */
export interface ChunkWrite {
  /** Stable id: derived from document id, ordinal and content (see rag/chunking). */
  id: string;
  ordinal: number;
  text: string;
  /** Heading trail the chunk sits under, outermost first. */
  headings: string[];
  /** Offsets into the document's clean text. */
  start: number;
  end: number;
  embedding: Float32Array;
}

export interface DocumentWrite {
  id: string;
  title: string;
  format: DocumentFormat;
  metadata: Metadata;
  contentHash: string;
  /** Clean text (after HTML/Markdown conversion). */
  text: string;
  chunks: ChunkWrite[];
}

/** A chunk as read back for answering; `label` is the integer key used by the derived indexes. */
export interface StoredChunk {
  label: number;
  id: string;
  collectionId: number;
  documentId: string;
  title: string;
  ordinal: number;
  text: string;
  headings: string[];
  metadata: Metadata;
}

/** What a derived index needs to (re)build its entry for one chunk. */
export interface IndexableChunk {
  label: number;
  collectionId: number;
  /** Title and headings joined with the chunk text: what lexical search matches. */
  text: string;
  embedding: Float32Array;
}

/** One row of the store's change log, which derived indexes replay in order. */
export interface ChangeRecord {
  seq: number;
  collectionId: number;
  op: 'add' | 'del';
  label: number;
}

export interface PutDocumentResult {
  replaced: boolean;
  /** Log position of this write: indexes are searchable for it once they have applied `seq`. */
  seq: number;
  collection: CollectionRecord;
}

export interface DeleteDocumentResult {
  seq: number;
  collection: CollectionRecord;
}

export interface Page<T> {
  items: T[];
  /** Opaque cursor for the next page; absent on the last page. */
  nextCursor?: string;
}

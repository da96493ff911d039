/**
 * DocumentStore: the durable source of truth for collections, documents and chunks (with their
 * embeddings). Derived indexes (vector, lexical) are rebuilt or caught up from it, never the other way.
 *
 * Contract:
 * - Every write is atomic: a document and all its chunks become visible together, or not at all.
 *   Replacing a document (same id) swaps old chunks for new ones in one transaction.
 * - Every write appends to an ordered change log (`changesSince`) in the same transaction, so an index
 *   that has applied up to `seq` can catch up by replaying what follows.
 * - A write is durable when its promise resolves.
 * - Collections record the embedder signature they were built with; `ensureCollection` with another
 *   signature throws RAGD_ERR_EMBEDDER_MISMATCH.
 *
 * The embedded implementation is SQLite (sqlite/sqlite-store.ts); a PostgreSQL one can sit beside it.
 */
import type {
  ChangeRecord,
  CollectionKey,
  CollectionRecord,
  DeleteDocumentResult,
  DocumentRecord,
  DocumentWithText,
  DocumentWrite,
  EmbedderSignature,
  IndexableChunk,
  Metadata,
  Page,
  PutDocumentResult,
  StoredChunk,
} from './types.js';

export interface ListDocumentsOptions {
  limit: number;
  cursor?: string;
}

export interface DocumentStore {
  readonly kind: string;

  /** Opens the store and applies pending schema migrations. */
  open(): Promise<void>;
  close(): Promise<void>;
  /** Cheap liveness probe (`select 1`). */
  ping(): Promise<void>;

  getCollection(key: CollectionKey): Promise<CollectionRecord | undefined>;
  /**
   * The collection as getCollection would resolve it, synchronously, when the store holds it in
   * process and knows it to be current; undefined means "ask getCollection" (not "absent").
   * Optional: a store without an in-process copy that cannot go stale leaves it out.
   */
  knownCollection?(key: CollectionKey): CollectionRecord | undefined;
  getCollectionById(id: number): Promise<CollectionRecord | undefined>;
  /** Returns the collection, creating it with `signature` if absent; throws RAGD_ERR_EMBEDDER_MISMATCH if it exists with another. */
  ensureCollection(key: CollectionKey, signature: EmbedderSignature): Promise<CollectionRecord>;
  listCollections(tenant?: string): Promise<CollectionRecord[]>;
  /** Deletes a collection with all documents and chunks (logs a `del` for every chunk). */
  deleteCollection(key: CollectionKey): Promise<boolean>;

  /** Inserts or atomically replaces documents (one transaction for the whole batch). */
  putDocuments(key: CollectionKey, signature: EmbedderSignature, docs: DocumentWrite[]): Promise<PutDocumentResult[]>;
  /** Returns undefined when the document does not exist. */
  deleteDocument(key: CollectionKey, id: string): Promise<DeleteDocumentResult | undefined>;
  getDocument(key: CollectionKey, id: string): Promise<DocumentWithText | undefined>;
  listDocuments(key: CollectionKey, options: ListDocumentsOptions): Promise<Page<DocumentRecord>>;
  /** Content hashes of existing documents, to skip unchanged re-ingests. */
  getContentHashes(key: CollectionKey, ids: string[]): Promise<Map<string, string>>;

  /** Chunks by index label, in the order given; unknown labels are skipped. */
  getChunks(labels: number[]): Promise<StoredChunk[]>;
  /** Labels of the collection's chunks whose document metadata equals every `filter` entry. */
  labelsMatching(collectionId: number, filter: Metadata): Promise<Set<number>>;

  /** Change log entries with seq > `afterSeq`, ascending, at most `limit`. */
  changesSince(afterSeq: number, limit: number): Promise<ChangeRecord[]>;
  /** Highest seq written so far (0 when empty). */
  maxSeq(): Promise<number>;
  /** Lowest seq still retained in the log (log entries below it were compacted). */
  minRetainedSeq(): Promise<number>;
  /** Drops log entries with seq <= `uptoSeq` (after every index has persisted past it). */
  compactLog(uptoSeq: number): Promise<void>;
  /** Indexable data for specific labels (for replaying `add` changes); unknown labels are skipped. */
  getIndexableChunks(labels: number[]): Promise<IndexableChunk[]>;
  /** Streams every chunk of a collection for a full index rebuild, in pages. */
  scanIndexableChunks(collectionId: number, pageSize: number): AsyncIterable<IndexableChunk[]>;
}

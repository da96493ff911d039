/**
 * Ingestion: convert (text / Markdown / HTML -> clean text + structure), chunk, embed, then write the
 * whole batch to the store in one transaction and wait until the indexes have applied it. A document
 * is acknowledged only when it is durable and searchable; a failure anywhere leaves nothing behind.
 */
import { createHash } from 'node:crypto';
import { RagdError } from '../errors/ragd-error.js';
import type { Embedder } from '../providers/embedder.js';
import type { DocumentStore } from '../store/document-store.js';
import type { IndexManager } from '../store/index-manager.js';
import type { CollectionKey, CollectionRecord, DocumentFormat, DocumentWrite, Metadata } from '../store/types.js';
import { chunkDocument } from './chunking/chunker.js';
import { convertDocument } from './convert/convert.js';

export interface IngestDocument {
  id?: string | undefined;
  title?: string | undefined;
  text: string;
  format?: DocumentFormat | undefined;
  metadata?: Metadata | undefined;
}

export interface IngestResult {
  id: string;
  chunks: number;
  /** An existing document with this id was replaced. */
  replaced: boolean;
  /** The same content was already stored under this id; nothing was rewritten. */
  unchanged: boolean;
}

export interface IngestOutcome {
  collection: CollectionRecord | undefined;
  documents: IngestResult[];
  chunks: number;
}

export interface ChunkingOptions {
  size: number;
  overlap: number;
}

/** Text given to the embedder for a chunk: the same context BM25 sees (title, headings, text). */
export function chunkContextText(title: string, headings: string[], text: string): string {
  return [title, headings.join(' > '), text].filter((s) => s.length > 0).join('\n');
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export class IngestService {
  constructor(
    private readonly store: DocumentStore,
    private readonly indexes: IndexManager,
    private readonly embedder: Embedder,
    private readonly chunking: ChunkingOptions,
    private readonly embedTexts?: (texts: string[], signal: AbortSignal) => Promise<Float32Array[]>,
  ) {}

  async ingest(key: CollectionKey, docs: IngestDocument[], signal: AbortSignal): Promise<IngestOutcome> {
    const prepared = docs.map((d, i) => this.prepare(d, i));
    const seen = new Map<string, number>();
    prepared.forEach((p, i) => {
      const prev = seen.get(p.id);
      if (prev !== undefined) {
        throw new RagdError('RAGD_ERR_DUPLICATE_DOCUMENT_ID', `documents[${prev}] and documents[${i}] have the same id '${p.id}'`, {
          details: { field: `documents[${i}].id` },
        });
      }
      seen.set(p.id, i);
    });

    // Unchanged re-ingests (same id, same content hash) are skipped: no re-embedding, no new version.
    const existing = await this.store.getContentHashes(key, prepared.map((p) => p.id));
    const changed = prepared.filter((p) => existing.get(p.id) !== p.contentHash);

    const texts = changed.flatMap((p) => p.drafts.map((c) => chunkContextText(p.title, c.headings, c.text)));
    const vectors = texts.length === 0 ? [] : await this.embed(texts, signal);
    if (signal.aborted) throw new RagdError('RAGD_ERR_CLIENT_CLOSED', 'client closed the request before the documents were stored');

    let v = 0;
    const writes: DocumentWrite[] = changed.map((p) => ({
      id: p.id,
      title: p.title,
      format: p.format,
      metadata: p.metadata,
      contentHash: p.contentHash,
      text: p.text,
      chunks: p.drafts.map((c) => ({ ...c, embedding: vectors[v++]! })),
    }));
    const dims = vectors[0]?.length ?? this.embedder.dimensions ?? 0;
    let collection: CollectionRecord | undefined;
    const replacedIds = new Set<string>();
    if (writes.length > 0) {
      const results = await this.store.putDocuments(key, { embedder: this.embedder.kind, model: this.embedder.model, dimensions: dims }, writes);
      results.forEach((r, i) => {
        if (r.replaced) replacedIds.add(writes[i]!.id);
      });
      collection = results[results.length - 1]?.collection;
      await this.indexes.catchUp();
    } else {
      collection = await this.store.getCollection(key);
    }
    const changedIds = new Set(changed.map((p) => p.id));
    return {
      collection,
      chunks: writes.reduce((n, w) => n + w.chunks.length, 0),
      documents: prepared.map((p) => ({
        id: p.id,
        chunks: p.drafts.length,
        replaced: replacedIds.has(p.id),
        unchanged: !changedIds.has(p.id),
      })),
    };
  }

  private async embed(texts: string[], signal: AbortSignal): Promise<Float32Array[]> {
    const out = this.embedTexts ? await this.embedTexts(texts, signal) : await this.embedder.embed(texts, { signal });
    if (out.length !== texts.length) {
      throw new RagdError('RAGD_ERR_PROVIDER_RESPONSE', `embedder returned ${out.length} vectors for ${texts.length} texts`);
    }
    return out;
  }

  private prepare(doc: IngestDocument, i: number) {
    const format: DocumentFormat = doc.format ?? 'text';
    if (doc.text.trim() === '') {
      throw new RagdError('RAGD_ERR_EMPTY_TEXT', `documents[${i}].text is empty or whitespace`, { details: { field: `documents[${i}].text` } });
    }
    const converted = convertDocument(doc.text, format);
    if (converted.text.trim() === '') {
      throw new RagdError('RAGD_ERR_EMPTY_TEXT', `documents[${i}].text has no text content after ${format} conversion`, {
        details: { field: `documents[${i}].text` },
      });
    }
    const title = (doc.title ?? '').trim();
    const metadata = doc.metadata ?? {};
    // The hash covers everything stored for the document, so any change re-ingests it.
    const contentHash = sha256(JSON.stringify([format, title, doc.text, metadata, this.chunking.size, this.chunking.overlap, this.embedder.model]));
    const id = doc.id ?? sha256(JSON.stringify([format, title, doc.text])).slice(0, 32);
    const drafts = chunkDocument({ documentId: id, title, blocks: converted.blocks, text: converted.text }, this.chunking);
    return { id, title, format, metadata, contentHash, text: converted.text, drafts };
  }
}

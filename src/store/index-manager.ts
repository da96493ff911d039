/**
 * IndexManager keeps the derived indexes (one vector + one lexical index per collection) in step
 * with the DocumentStore, which is the single source of truth.
 *
 * How: the store appends every chunk add/delete to an ordered change log in the same transaction
 * as the write. The manager applies that log in order (`catchUp`). Ingestion acknowledges a document
 * only after `catchUp` has applied its write, so an acknowledged document is durable AND searchable.
 * Snapshots (index files + a meta file recording the applied log position) are written periodically
 * and on shutdown; on start each snapshot is loaded, the log after its position is replayed, and
 * the index sizes are checked against the store's chunk counts. A missing, corrupt or disagreeing
 * index is rebuilt from the store. Replay is idempotent (adds skip present labels, deletes skip
 * absent ones), so a snapshot that is newer than its meta file is still correct after replay.
 */
import { mkdir, readFile, rm } from 'node:fs/promises';
import { writeFileAtomic } from './atomic-file.js';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { DocumentStore } from './document-store.js';
import type { LexicalIndex } from './lexical-index.js';
import type { VectorIndex } from './vector-index.js';
import type { CollectionRecord } from './types.js';

/** Change-log rows applied per round trip to the store while catching up. */
const CATCH_UP_PAGE = 5_000;
/** Chunks read per page during a full rebuild (bounds memory). */
const REBUILD_PAGE = 2_000;
const META_VERSION = 1;
/** Rebuild a vector index once tombstones exceed this share of its live entries... */
const COMPACT_GARBAGE_RATIO = 0.25;
/** ...and this many, so small collections are not rebuilt over a handful of deletes. */
const COMPACT_GARBAGE_MIN = 1_000;
/** Chunks added to the indexes between event-loop yields (~10-20 ms of work at 384 dimensions). */
const APPLY_SLICE = 128;

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export interface IndexFactories {
  createVector(dimensions: number): VectorIndex;
  loadVector(path: string, dimensions: number): Promise<VectorIndex>;
  createLexical(): LexicalIndex;
  loadLexical(path: string): Promise<LexicalIndex>;
}

export interface CollectionIndexes {
  collectionId: number;
  vector: VectorIndex;
  lexical: LexicalIndex;
  /** Highest change-log seq applied to these indexes. */
  appliedSeq: number;
  /** Changed since the last snapshot. */
  dirty: boolean;
}

interface SnapshotMeta {
  version: number;
  collectionId: number;
  appliedSeq: number;
  dimensions: number;
  chunks: number;
}

export interface StartupReport {
  collections: number;
  loaded: number;
  rebuilt: number;
  replayed: number;
}

export class IndexManager {
  private readonly byCollection = new Map<number, CollectionIndexes>();
  /** Highest seq applied across all collections (the log cursor). */
  private cursor = 0;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly store: DocumentStore,
    private readonly dir: string,
    private readonly factories: IndexFactories,
    private readonly log: Logger,
  ) {}

  get appliedSeq(): number {
    return this.cursor;
  }

  /** Loads snapshots, replays the log, verifies counts and rebuilds what disagrees. */
  async start(): Promise<StartupReport> {
    await mkdir(this.dir, { recursive: true });
    const report: StartupReport = { collections: 0, loaded: 0, rebuilt: 0, replayed: 0 };
    const collections = await this.store.listCollections();
    report.collections = collections.length;
    const minRetained = await this.store.minRetainedSeq();
    for (const c of collections) {
      const loaded = await this.tryLoad(c);
      // A snapshot older than the retained log cannot be caught up: rebuild it.
      if (loaded && loaded.appliedSeq + 1 >= minRetained) {
        this.byCollection.set(c.id, loaded);
        report.loaded++;
      } else {
        await this.rebuild(c);
        report.rebuilt++;
      }
    }
    const starts = [...this.byCollection.values()].map((x) => x.appliedSeq);
    this.cursor = starts.length ? Math.min(...starts) : (await this.store.maxSeq());
    report.replayed = await this.applyChanges();
    for (const c of await this.store.listCollections()) {
      const idx = this.byCollection.get(c.id);
      if (!idx || idx.vector.size() !== c.chunkCount || idx.lexical.size() !== c.chunkCount) {
        this.log.warn(
          { collection: c.name, tenant: c.tenant, chunks: c.chunkCount, vector: idx?.vector.size(), lexical: idx?.lexical.size() },
          'index disagrees with the store; rebuilding from the store',
        );
        await this.rebuild(c);
        report.rebuilt++;
      }
    }
    return report;
  }

  /** Per-collection index sizes and log positions, for readiness and diagnostics. */
  stats(): { collectionId: number; vector: number; lexical: number; appliedSeq: number }[] {
    return [...this.byCollection.values()].map((x) => ({
      collectionId: x.collectionId,
      vector: x.vector.size(),
      lexical: x.lexical.size(),
      appliedSeq: x.appliedSeq,
    }));
  }

  get(collectionId: number): CollectionIndexes | undefined {
    return this.byCollection.get(collectionId);
  }

  /** Applies every logged change not yet applied. Serialised: concurrent callers share the order. */
  catchUp(): Promise<number> {
    const next = this.chain.then(() => this.applyChanges());
    this.chain = next.catch(() => undefined);
    void next.then(() => this.compactIfNeeded()).catch((err: unknown) => this.log.error({ err }, 'vector index compaction failed'));
    return next;
  }

  /** Collections being compacted -> the log position their rebuild started from (the log is kept from there). */
  private readonly compacting = new Map<number, number>();

  /**
   * Rebuilds, in the background, any vector index whose tombstones have piled up: the new graph is
   * built from the store in pages (yielding between them) while the old one keeps serving, then
   * swapped in; writes that landed meanwhile are replayed onto it by the next catch-up.
   */
  private async compactIfNeeded(): Promise<void> {
    for (const idx of this.byCollection.values()) {
      const garbage = idx.vector.garbage();
      if (garbage < COMPACT_GARBAGE_MIN || garbage < idx.vector.size() * COMPACT_GARBAGE_RATIO || this.compacting.has(idx.collectionId)) continue;
      this.compacting.set(idx.collectionId, idx.appliedSeq);
      try {
        const c = await this.store.getCollectionById(idx.collectionId);
        if (!c) continue;
        const t0 = performance.now();
        const seqBefore = await this.store.maxSeq();
        this.compacting.set(idx.collectionId, Math.min(idx.appliedSeq, seqBefore));
        const vector = this.factories.createVector(c.dimensions);
        for await (const page of this.store.scanIndexableChunks(c.id, REBUILD_PAGE)) {
          vector.add(page.map((r) => r.label), page.map((r) => r.embedding));
          await yieldToEventLoop();
        }
        await (this.chain = this.chain.then(async () => {
          const current = this.byCollection.get(c.id);
          if (!current) return;
          current.vector = vector;
          // Lexical stays as it is (its own compaction is internal); the log after seqBefore is re-applied.
          this.cursor = Math.min(this.cursor, seqBefore);
          current.appliedSeq = Math.min(current.appliedSeq, seqBefore);
          current.dirty = true;
          await this.applyChanges();
        }).catch(() => undefined));
        this.log.info({ collection: c.name, garbage, chunks: vector.size(), ms: Math.round(performance.now() - t0) }, 'vector index compacted');
      } finally {
        this.compacting.delete(idx.collectionId);
      }
    }
  }

  private async applyChanges(): Promise<number> {
    let applied = 0;
    for (;;) {
      const changes = await this.store.changesSince(this.cursor, CATCH_UP_PAGE);
      if (changes.length === 0) return applied;
      // Group consecutive changes so adds are fetched and inserted in batches, preserving order.
      let i = 0;
      while (i < changes.length) {
        const first = changes[i]!;
        let j = i;
        while (j < changes.length && changes[j]!.op === first.op && changes[j]!.collectionId === first.collectionId) j++;
        const run = changes.slice(i, j);
        const idx = await this.ensure(first.collectionId);
        if (idx) {
          const fresh = run.filter((ch) => ch.seq > idx.appliedSeq);
          if (fresh.length > 0) {
            if (first.op === 'del') {
              const labels = fresh.map((ch) => ch.label).filter((l) => idx.vector.has(l) || idx.lexical.has(l));
              idx.vector.remove(labels.filter((l) => idx.vector.has(l)));
              for (const l of labels) if (idx.lexical.has(l)) idx.lexical.remove(l);
            } else {
              // In slices, yielding between them, so a large ingest does not stall queries.
              for (let k = 0; k < fresh.length; k += APPLY_SLICE) {
                if (k > 0) await yieldToEventLoop();
                const rows = await this.store.getIndexableChunks(fresh.slice(k, k + APPLY_SLICE).map((ch) => ch.label));
                const toVector = rows.filter((r) => !idx.vector.has(r.label));
                if (toVector.length) idx.vector.add(toVector.map((r) => r.label), toVector.map((r) => r.embedding));
                for (const r of rows) if (!idx.lexical.has(r.label)) idx.lexical.add(r.label, r.text);
              }
            }
            idx.appliedSeq = run[run.length - 1]!.seq;
            idx.dirty = true;
          }
        }
        applied += run.length;
        i = j;
      }
      this.cursor = changes[changes.length - 1]!.seq;
    }
  }

  /** Indexes for a collection, created empty if the collection is new; undefined if it no longer exists. */
  private async ensure(collectionId: number): Promise<CollectionIndexes | undefined> {
    const have = this.byCollection.get(collectionId);
    if (have) return have;
    const c = await this.store.getCollectionById(collectionId);
    if (!c) return undefined;
    const idx: CollectionIndexes = {
      collectionId,
      vector: this.factories.createVector(c.dimensions),
      lexical: this.factories.createLexical(),
      appliedSeq: 0,
      dirty: true,
    };
    this.byCollection.set(collectionId, idx);
    return idx;
  }

  /** Drops a deleted collection's indexes and files. */
  async drop(collectionId: number): Promise<void> {
    this.byCollection.delete(collectionId);
    await Promise.all(Object.values(this.paths(collectionId)).map((p) => rm(p, { force: true })));
  }

  /** Rebuilds one collection's indexes from the store. */
  async rebuild(c: CollectionRecord): Promise<void> {
    const vector = this.factories.createVector(c.dimensions);
    const lexical = this.factories.createLexical();
    const seqBefore = await this.store.maxSeq();
    for await (const page of this.store.scanIndexableChunks(c.id, REBUILD_PAGE)) {
      vector.add(page.map((r) => r.label), page.map((r) => r.embedding));
      for (const r of page) lexical.add(r.label, r.text);
    }
    // Writes that land during the scan are re-applied idempotently by the next catch-up.
    this.byCollection.set(c.id, { collectionId: c.id, vector, lexical, appliedSeq: seqBefore, dirty: true });
  }

  private paths(collectionId: number) {
    return {
      vector: join(this.dir, `c${collectionId}.usearch`),
      lexical: join(this.dir, `c${collectionId}.bm25`),
      meta: join(this.dir, `c${collectionId}.meta.json`),
    };
  }

  private async tryLoad(c: CollectionRecord): Promise<CollectionIndexes | undefined> {
    const p = this.paths(c.id);
    let meta: SnapshotMeta;
    try {
      meta = JSON.parse(await readFile(p.meta, 'utf8')) as SnapshotMeta;
    } catch {
      return undefined;
    }
    if (meta.version !== META_VERSION || meta.collectionId !== c.id || meta.dimensions !== c.dimensions) return undefined;
    try {
      const vector = await this.factories.loadVector(p.vector, c.dimensions);
      const lexical = await this.factories.loadLexical(p.lexical);
      return { collectionId: c.id, vector, lexical, appliedSeq: meta.appliedSeq, dirty: false };
    } catch (err) {
      this.log.warn({ err, collection: c.name }, 'index snapshot unreadable; rebuilding from the store');
      return undefined;
    }
  }

  /** Writes snapshots of changed collections, then compacts the store's log behind them. */
  saveAll(): Promise<number> {
    const next = this.chain.then(() => this.saveDirty());
    this.chain = next.catch(() => undefined);
    return next;
  }

  private async saveDirty(): Promise<number> {
    let saved = 0;
    for (const idx of this.byCollection.values()) {
      if (!idx.dirty) continue;
      const p = this.paths(idx.collectionId);
      const seq = idx.appliedSeq;
      await idx.vector.save(p.vector);
      await idx.lexical.save(p.lexical);
      const meta: SnapshotMeta = {
        version: META_VERSION,
        collectionId: idx.collectionId,
        appliedSeq: seq,
        dimensions: idx.vector.dimensions,
        chunks: idx.vector.size(),
      };
      await writeFileAtomic(p.meta, Buffer.from(JSON.stringify(meta)));
      idx.dirty = false;
      saved++;
    }
    const floor = Math.min(this.cursor, ...[...this.byCollection.values()].map((x) => x.appliedSeq), ...this.compacting.values());
    if (floor > 0) await this.store.compactLog(floor);
    return saved;
  }
}

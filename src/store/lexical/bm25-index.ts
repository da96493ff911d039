/**
 * Bm25Index: the embedded LexicalIndex, Okapi BM25 over an in-memory inverted index.
 *
 * score(q, d) = sum over query terms t of  qtf(t) * idf(t) * tf * (k1 + 1) / (tf + k1 * (1 - b + b * dl / avgdl))
 * idf(t)      = ln(1 + (N - df + 0.5) / (df + 0.5))      (Lucene's and Anserini's form: always positive)
 * A query term repeated n times counts n times, as in Anserini's bag-of-words queries. Lengths are
 * exact term counts after stop-word removal (Lucene stores them lossily in one byte per document).
 * The (k1 + 1) factor, which Lucene 8+ drops, scales every score equally and never changes a ranking.
 *
 * Layout, for speed and memory at 100k+ chunks: a term dictionary (Map term -> id); postings in a
 * PostingsPool; per-slot label, length and liveness in typed arrays; a label -> slot map. `remove`
 * tombstones the slot and updates N and avgdl at once; document frequencies are counted over live
 * postings at query time whenever tombstones exist (so scores stay exact without a forward index),
 * and the postings are compacted once tombstones pass COMPACT_DEAD_FRACTION of the slots.
 */
import { readFile } from 'node:fs/promises';
import { RagdError } from '../../errors/ragd-error.js';
import { terms } from '../../text/tokenize.js';
import type { LexicalHit, LexicalIndex, LexicalSearchOptions } from '../lexical-index.js';
import { TopK } from '../top-k.js';
import { writeFileAtomic } from '../atomic-file.js';
import { decodeSnapshot, encodeSnapshot, snapshotError, type Bm25SnapshotData } from './bm25-snapshot.js';
import { PostingsPool, newCursor } from './postings-pool.js';
import { ensureCapacity } from './typed-arrays.js';

/**
 * Term-frequency saturation. 0.9 (with b = 0.4) is the BM25 setting of Anserini's MS MARCO passage
 * regression (castorini/anserini, docs/regressions-msmarco-passage.md; Yang, Fang & Lin,
 * SIGIR 2017), tuned for short web passages like ragd's ~1,000-character chunks.
 */
export const DEFAULT_BM25_K1 = 0.9;
/** Length normalisation; 0.4, Anserini's MS MARCO passage default (see DEFAULT_BM25_K1): chunks vary little in length. */
export const DEFAULT_BM25_B = 0.4;
/** Compact once this share of slots are tombstones: bounds wasted memory and scan time to ~1/3 extra. */
const COMPACT_DEAD_FRACTION = 0.25;
/** ...and at least this many, so small indexes are not rebuilt on every delete. */
const COMPACT_MIN_DEAD = 1024;

export interface Bm25Options {
  /** Defaults to DEFAULT_BM25_K1 (0.9). Must be >= 0. */
  k1?: number;
  /** Defaults to DEFAULT_BM25_B (0.4). Must be within [0, 1]. */
  b?: number;
}

export class Bm25Index implements LexicalIndex {
  readonly k1: number;
  readonly b: number;

  private dict = new Map<string, number>();
  private pool = new PostingsPool();
  private labels: Float64Array = new Float64Array(0);
  private lengths: Uint32Array = new Uint32Array(0);
  private live = new Uint8Array(0);
  private slotOf = new Map<number, number>();
  private slots = 0;
  private liveDocs = 0;
  /** Sum of the lengths of live documents. */
  private totalLength = 0;

  // Search scratch, reused so a query allocates nothing proportional to the collection.
  private acc = new Float32Array(0);
  private touched = new Uint32Array(0);
  /** Allowed slots of the current search carry the current generation, so the mask never needs clearing. */
  private mask = new Uint8Array(0);
  private maskGeneration = 0;
  private readonly cursor = newCursor();

  /** @throws RAGD_ERR_CONFIG when k1 < 0 or b is outside [0, 1]. */
  constructor(options: Bm25Options = {}) {
    this.k1 = options.k1 ?? DEFAULT_BM25_K1;
    this.b = options.b ?? DEFAULT_BM25_B;
    if (!(this.k1 >= 0) || !Number.isFinite(this.k1)) throw new RagdError('RAGD_ERR_CONFIG', `BM25 k1 must be >= 0, got ${this.k1}`, { details: { field: 'k1' } });
    if (!(this.b >= 0 && this.b <= 1)) throw new RagdError('RAGD_ERR_CONFIG', `BM25 b must be within [0, 1], got ${this.b}`, { details: { field: 'b' } });
  }

  /**
   * Loads a snapshot written by `save`. k1 and b come from `options` (they are query-time only).
   * @throws RAGD_ERR_INTERNAL with `details.reason` `lexical-index-corrupt` for a truncated, foreign,
   *   damaged or newer-version file (the caller rebuilds from the store); fs errors such as ENOENT propagate.
   */
  static async load(path: string, options: Bm25Options = {}): Promise<Bm25Index> {
    const snapshot = decodeSnapshot(await readFile(path), path);
    const index = new Bm25Index(options);
    index.restore(snapshot);
    if (index.slotOf.size !== snapshot.labels.length) throw snapshotError(path, 'duplicate labels');
    if (index.dict.size !== snapshot.vocabulary.length) throw snapshotError(path, 'duplicate terms');
    return index;
  }

  size(): number {
    return this.liveDocs;
  }

  has(label: number): boolean {
    return this.slotOf.has(label);
  }

  /**
   * Indexes `text` under `label`, replacing what the label held before.
   * @throws RAGD_ERR_INTERNAL when the label is not a non-negative safe integer.
   */
  add(label: number, text: string): void {
    if (!Number.isSafeInteger(label) || label < 0) throw new RagdError('RAGD_ERR_INTERNAL', `lexical index labels must be non-negative safe integers, got ${label}`);
    if (this.slotOf.has(label)) this.remove(label);
    const tfs = new Map<string, number>();
    let length = 0;
    for (const term of terms(text)) {
      tfs.set(term, (tfs.get(term) ?? 0) + 1);
      length++;
    }
    const slot = this.newSlot(label, length);
    for (const [term, tf] of tfs) {
      let id = this.dict.get(term);
      if (id === undefined) {
        id = this.dict.size;
        this.dict.set(term, id);
      }
      this.pool.append(id, slot, tf);
    }
  }

  /** Removes `label`; an absent label is ignored. May compact the postings (O(postings), amortised). */
  remove(label: number): void {
    const slot = this.slotOf.get(label);
    if (slot === undefined) return;
    this.slotOf.delete(label);
    this.live[slot] = 0;
    this.liveDocs--;
    this.totalLength -= this.lengths[slot]!;
    const dead = this.slots - this.liveDocs;
    if (dead >= COMPACT_MIN_DEAD && dead > COMPACT_DEAD_FRACTION * this.slots) this.compact();
  }

  /**
   * Up to `k` labels by BM25 score, best first; ties go to the smaller label. With `allow`, only those
   * labels are scored (scores are unchanged: N, avgdl and df always describe the whole collection).
   */
  search(query: string, k: number, options: LexicalSearchOptions = {}): LexicalHit[] {
    const wanted = Math.floor(k);
    const { allow } = options;
    if (wanted <= 0 || this.liveDocs === 0 || allow?.size === 0) return [];
    const weights = new Map<number, number>();
    let postings = 0;
    for (const term of terms(query)) {
      const id = this.dict.get(term);
      if (id === undefined) continue;
      if (!weights.has(id)) postings += this.pool.count(id);
      weights.set(id, (weights.get(id) ?? 0) + 1);
    }
    if (weights.size === 0) return [];

    if (this.acc.length < this.slots) {
      this.acc = new Float32Array(this.live.length);
      this.touched = new Uint32Array(this.live.length);
    }
    // Postings pass a gate: gate[slot] === open. Unfiltered, the gate is liveness. A filter smaller
    // than the postings to scan becomes a slot mask (cheaper than a Set lookup per posting);
    // a larger one is checked per candidate at the end.
    let gate = this.live;
    let open = 1;
    let lateFilter = allow;
    if (allow !== undefined && allow.size < postings) {
      open = this.markAllowed(allow);
      gate = this.mask;
      lateFilter = undefined;
    }
    const { acc, touched, lengths, cursor, pool, k1, b } = this;
    const n = this.liveDocs;
    const invAvgdl = this.totalLength > 0 ? n / this.totalLength : 0;
    const hasDead = this.slots > n;
    const lenA = k1 * (1 - b);
    const lenB = k1 * b * invAvgdl;
    let touchedCount = 0;
    for (const [id, qtf] of weights) {
      const df = hasDead ? this.liveCount(id) : pool.count(id);
      if (df === 0) continue;
      const weight = qtf * Math.log(1 + (n - df + 0.5) / (df + 0.5)) * (k1 + 1);
      for (let ok = pool.open(id, cursor); ok; ok = pool.advance(id, cursor)) {
        const { slots, tfs, start, end } = cursor;
        for (let i = start; i < end; i++) {
          const slot = slots[i]!;
          if (gate[slot] !== open) continue;
          const tf = tfs[i]!;
          if (acc[slot] === 0) touched[touchedCount++] = slot;
          acc[slot] = acc[slot]! + (weight * tf) / (tf + lenA + lenB * lengths[slot]!);
        }
      }
    }

    const top = new TopK(wanted);
    for (let i = 0; i < touchedCount; i++) {
      const slot = touched[i]!;
      const label = this.labels[slot]!;
      if (lateFilter === undefined || lateFilter.has(label)) top.push(label, acc[slot]!);
      acc[slot] = 0;
    }
    return top.drain().map(({ id, score }) => ({ label: id, score }));
  }

  /** Writes a compact snapshot atomically (temp file + fsync + rename + directory fsync). */
  async save(path: string): Promise<void> {
    // Encoded synchronously, so the file reflects one consistent state even if writes follow.
    await writeFileAtomic(path, encodeSnapshot(this.liveData()));
  }

  clear(): void {
    this.dict = new Map();
    this.pool = new PostingsPool();
    this.labels = new Float64Array(0);
    this.lengths = new Uint32Array(0);
    this.live = new Uint8Array(0);
    this.slotOf = new Map();
    this.slots = 0;
    this.liveDocs = 0;
    this.totalLength = 0;
    this.acc = new Float32Array(0);
    this.touched = new Uint32Array(0);
    this.mask = new Uint8Array(0);
    this.maskGeneration = 0;
  }

  /** Memory held by the index's arrays (the dictionary's strings and maps are not counted). */
  arrayBytes(): number {
    return (
      this.pool.bytes() + this.labels.byteLength + this.lengths.byteLength + this.live.byteLength + this.acc.byteLength + this.touched.byteLength + this.mask.byteLength
    );
  }

  private newSlot(label: number, length: number): number {
    const slot = this.slots++;
    this.labels = ensureCapacity(this.labels, this.slots);
    this.lengths = ensureCapacity(this.lengths, this.slots);
    this.live = ensureCapacity(this.live, this.slots);
    this.labels[slot] = label;
    this.lengths[slot] = length;
    this.live[slot] = 1;
    this.slotOf.set(label, slot);
    this.liveDocs++;
    this.totalLength += length;
    return slot;
  }

  /** Marks the live slots of `allow` in the mask; returns the generation that means "allowed". */
  private markAllowed(allow: Set<number>): number {
    if (this.mask.length < this.live.length) {
      this.mask = new Uint8Array(this.live.length);
      this.maskGeneration = 0;
    }
    if (this.maskGeneration === 255) {
      this.mask.fill(0);
      this.maskGeneration = 0;
    }
    const generation = ++this.maskGeneration;
    for (const label of allow) {
      const slot = this.slotOf.get(label);
      if (slot !== undefined) this.mask[slot] = generation;
    }
    return generation;
  }

  /** Postings of `termId` that belong to live documents (its exact document frequency). */
  private liveCount(termId: number): number {
    const { cursor, live, pool } = this;
    let df = 0;
    for (let ok = pool.open(termId, cursor); ok; ok = pool.advance(termId, cursor)) {
      const { slots, start, end } = cursor;
      for (let i = start; i < end; i++) df += live[slots[i]!]!;
    }
    return df;
  }

  /** The live documents and postings, slots renumbered densely and empty terms dropped. One pass. */
  private liveData(): Bm25SnapshotData {
    const { cursor, pool } = this;
    const dense = this.slots === this.liveDocs;
    let labels: Float64Array;
    let lengths: Uint32Array;
    let newSlot = new Int32Array(0);
    if (dense) {
      labels = this.labels.slice(0, this.slots);
      lengths = this.lengths.slice(0, this.slots);
    } else {
      newSlot = new Int32Array(this.slots).fill(-1);
      labels = new Float64Array(this.liveDocs);
      lengths = new Uint32Array(this.liveDocs);
      let docs = 0;
      for (let s = 0; s < this.slots; s++) {
        if (this.live[s] === 0) continue;
        newSlot[s] = docs;
        labels[docs] = this.labels[s]!;
        lengths[docs++] = this.lengths[s]!;
      }
    }
    let capacity = 0;
    for (let id = 0; id < pool.termCount; id++) capacity += pool.count(id);
    const slots = new Uint32Array(capacity);
    const tfs = new Uint16Array(capacity);
    const vocabulary: string[] = [];
    const postingCounts = new Uint32Array(this.dict.size);
    let at = 0;
    // Map iteration follows insertion order, which is term-id order.
    for (const [term, id] of this.dict) {
      const first = at;
      for (let ok = pool.open(id, cursor); ok; ok = pool.advance(id, cursor)) {
        const { slots: from, tfs: fromTf, start, end } = cursor;
        if (dense) {
          slots.set(from.subarray(start, end), at);
          tfs.set(fromTf.subarray(start, end), at);
          at += end - start;
          continue;
        }
        for (let i = start; i < end; i++) {
          const mapped = newSlot[from[i]!]!;
          if (mapped < 0) continue;
          slots[at] = mapped;
          tfs[at++] = fromTf[i]!;
        }
      }
      if (at > first) postingCounts[vocabulary.push(term) - 1] = at - first;
    }
    return {
      labels,
      lengths,
      vocabulary,
      postingCounts: postingCounts.subarray(0, vocabulary.length),
      slots: slots.subarray(0, at),
      tfs: tfs.subarray(0, at),
    };
  }

  /** Replaces the whole state with `data` (dense slots, no tombstones). */
  private restore(data: Bm25SnapshotData): void {
    this.clear();
    const docs = data.labels.length;
    this.labels = data.labels;
    this.lengths = data.lengths;
    this.live = new Uint8Array(docs).fill(1);
    this.slots = docs;
    this.liveDocs = docs;
    for (let s = 0; s < docs; s++) {
      this.slotOf.set(data.labels[s]!, s);
      this.totalLength += data.lengths[s]!;
    }
    let at = 0;
    for (let id = 0; id < data.vocabulary.length; id++) {
      this.dict.set(data.vocabulary[id]!, id);
      const n = data.postingCounts[id]!;
      this.pool.appendRun(id, data.slots, data.tfs, at, at + n);
      at += n;
    }
  }

  /** Rebuilds without tombstones: O(postings); runs when they pass COMPACT_DEAD_FRACTION. */
  private compact(): void {
    this.restore(this.liveData());
  }
}

/**
 * PostingsPool: every term's postings (doc slot + term frequency) in a few large pages, as chains of
 * blocks, instead of one growable typed array per term.
 *
 * Why hand-written: a V8 typed array costs ~150-300 bytes of object overhead before its data, and a
 * 100k-chunk collection has a few hundred thousand terms (most seen once), so per-term arrays would
 * spend more on headers than on postings. This is the block-slice scheme Lucene uses while indexing
 * (ByteBlockPool/IntBlockPool): a term's first block holds one posting (most terms never get a
 * second), each later block a quarter of what the term already holds (at least 4, at most 4,096), so
 * chains stay short and unused tail space stays small. Measured on 100k Zipfian chunks, 10.4M
 * postings: ~20% over the raw 6 bytes per posting, against ~39% for doubling blocks.
 * Snapshot loads and compaction write each term as exact-size blocks.
 *
 * Block layout at address a: slots[a] = address of the next block (0 = this is the tail),
 * tfs[a] = capacity; entries a+1 .. a+capacity hold (slot, tf). Address 0 is never allocated.
 * Blocks never cross a page, so a reader resolves the page once per block.
 */
import { ensureCapacity } from './typed-arrays.js';

const PAGE_BITS = 16;
const PAGE_SIZE = 1 << PAGE_BITS;
const PAGE_MASK = PAGE_SIZE - 1;
/** Smallest second-or-later block: fewer block headers for terms seen a handful of times. */
const MIN_GROWTH_BLOCK = 4;
/** Largest block a growing term gets: bounds the unused tail of very frequent terms to 4k entries. */
const MAX_GROWTH_BLOCK = 4096;
/**
 * Largest block at all: capacity must fit the 16-bit header, and capacity + header must fit in any
 * page, including page 0 whose first entry is the reserved null address.
 */
const MAX_BLOCK = PAGE_SIZE - 2;
/** A run is split to fill a page's remainder only if at least this many entries fit there. */
const MIN_SPLIT_BLOCK = 64;
/** Runs up to this long are copied element by element rather than through subarray views. */
const SMALL_COPY = 32;
/** Term frequencies are stored in 16 bits; BM25 saturates long before, so larger counts are clamped. */
export const MAX_TERM_FREQUENCY = 0xffff;

/** A position in one term's chain; reused across calls to avoid allocating per term. */
export interface BlockCursor {
  slots: Uint32Array;
  tfs: Uint16Array;
  /** First entry index in `slots`/`tfs`. */
  start: number;
  /** One past the last used entry. */
  end: number;
  /** Address of the next block, 0 at the tail. */
  next: number;
}

export function newCursor(): BlockCursor {
  return { slots: new Uint32Array(0), tfs: new Uint16Array(0), start: 0, end: 0, next: 0 };
}

export class PostingsPool {
  private slotPages: Uint32Array[] = [];
  private tfPages: Uint16Array[] = [];
  /** Next free address. */
  private free = 0;
  private head = new Uint32Array(0);
  private tail = new Uint32Array(0);
  private tailUsed = new Uint32Array(0);
  private counts = new Uint32Array(0);
  private terms = 0;

  /** Number of term ids known to the pool (ids are 0 .. termCount-1). */
  get termCount(): number {
    return this.terms;
  }

  /** Postings stored for `termId`, including those of removed documents. */
  count(termId: number): number {
    return termId < this.terms ? this.counts[termId]! : 0;
  }

  /** Bytes held by pages and per-term tables. */
  bytes(): number {
    return this.slotPages.length * PAGE_SIZE * 6 + this.head.byteLength * 4;
  }

  /** Appends one posting; `termId` must be an existing id or the next new one (`termCount`). */
  append(termId: number, slot: number, tf: number): void {
    this.ensureTerm(termId);
    let tail = this.tail[termId]!;
    let used = this.tailUsed[termId]!;
    if (tail === 0 || used === this.capacityAt(tail)) {
      const cap = tail === 0 ? 1 : Math.min(MAX_GROWTH_BLOCK, Math.max(MIN_GROWTH_BLOCK, this.counts[termId]! >>> 2));
      const block = this.allocate(cap);
      if (tail === 0) this.head[termId] = block;
      else this.slotPages[tail >>> PAGE_BITS]![tail & PAGE_MASK] = block;
      this.tail[termId] = tail = block;
      used = 0;
    }
    const at = (tail & PAGE_MASK) + 1 + used;
    this.slotPages[tail >>> PAGE_BITS]![at] = slot;
    this.tfPages[tail >>> PAGE_BITS]![at] = Math.min(tf, MAX_TERM_FREQUENCY);
    this.tailUsed[termId] = used + 1;
    this.counts[termId]!++;
  }

  /**
   * Adds the postings `slots[from..to)` / `tfs[from..to)` to a term that has none yet, as exact-size
   * blocks (used by snapshot loading and compaction).
   */
  appendRun(termId: number, slots: Uint32Array, tfs: Uint16Array, from: number, to: number): void {
    this.ensureTerm(termId);
    if (this.counts[termId] !== 0) throw new Error(`postings pool: term ${termId} already has postings`);
    let prev = 0;
    for (let pos = from; pos < to; ) {
      // Fill the rest of the current page before opening a new one, so long runs waste no space.
      const room = this.slotPages.length === 0 ? 0 : PAGE_SIZE - (this.free & PAGE_MASK) - 1;
      const n = Math.min(MAX_BLOCK, to - pos, room >= MIN_SPLIT_BLOCK ? room : MAX_BLOCK);
      const block = this.allocate(n);
      const page = block >>> PAGE_BITS;
      const at = (block & PAGE_MASK) + 1;
      const slotPage = this.slotPages[page]!;
      const tfPage = this.tfPages[page]!;
      if (n <= SMALL_COPY) {
        // Most terms have a posting or two: a plain loop beats creating two subarray views.
        for (let i = 0; i < n; i++) {
          slotPage[at + i] = slots[pos + i]!;
          tfPage[at + i] = tfs[pos + i]!;
        }
      } else {
        slotPage.set(slots.subarray(pos, pos + n), at);
        tfPage.set(tfs.subarray(pos, pos + n), at);
      }
      if (prev === 0) this.head[termId] = block;
      else this.slotPages[prev >>> PAGE_BITS]![prev & PAGE_MASK] = block;
      this.tail[termId] = block;
      this.tailUsed[termId] = n;
      prev = block;
      pos += n;
    }
    this.counts[termId] = to - from;
  }

  /** Positions `cursor` on the first block of `termId`; false when the term has no postings. */
  open(termId: number, cursor: BlockCursor): boolean {
    if (termId >= this.terms || this.head[termId] === 0) return false;
    this.load(this.head[termId]!, this.tail[termId]!, this.tailUsed[termId]!, cursor);
    return true;
  }

  /** Moves `cursor` (opened on `termId`) to the next block; false after the tail. */
  advance(termId: number, cursor: BlockCursor): boolean {
    if (cursor.next === 0) return false;
    this.load(cursor.next, this.tail[termId]!, this.tailUsed[termId]!, cursor);
    return true;
  }

  private load(block: number, tail: number, tailUsed: number, cursor: BlockCursor): void {
    const page = block >>> PAGE_BITS;
    const off = block & PAGE_MASK;
    cursor.slots = this.slotPages[page]!;
    cursor.tfs = this.tfPages[page]!;
    cursor.start = off + 1;
    cursor.end = off + 1 + (block === tail ? tailUsed : cursor.tfs[off]!);
    cursor.next = cursor.slots[off]!;
  }

  private capacityAt(block: number): number {
    return this.tfPages[block >>> PAGE_BITS]![block & PAGE_MASK]!;
  }

  private ensureTerm(termId: number): void {
    if (termId < this.terms) return;
    if (termId !== this.terms) throw new Error(`postings pool: term id ${termId} skips ahead of ${this.terms}`);
    this.terms++;
    this.head = ensureCapacity(this.head, this.terms);
    this.tail = ensureCapacity(this.tail, this.terms);
    this.tailUsed = ensureCapacity(this.tailUsed, this.terms);
    this.counts = ensureCapacity(this.counts, this.terms);
  }

  /** Reserves a block of `capacity` entries plus its header; returns its address. */
  private allocate(capacity: number): number {
    const need = capacity + 1;
    if (this.slotPages.length === 0 || (this.free & PAGE_MASK) + need > PAGE_SIZE || this.free >>> PAGE_BITS >= this.slotPages.length) {
      const page = this.slotPages.length;
      this.slotPages.push(new Uint32Array(PAGE_SIZE));
      this.tfPages.push(new Uint16Array(PAGE_SIZE));
      // Address 0 means "no block", so the first page starts at 1.
      this.free = page * PAGE_SIZE + (page === 0 ? 1 : 0);
    }
    const block = this.free;
    this.free += need;
    const page = block >>> PAGE_BITS;
    this.slotPages[page]![block & PAGE_MASK] = 0;
    this.tfPages[page]![block & PAGE_MASK] = capacity;
    return block;
  }
}

/**
 * The BM25 snapshot file: a compact, versioned binary image of a Bm25Index's live state, laid out so
 * loading is a checksum, a handful of bulk copies and one dictionary build (no per-posting parsing).
 *
 * Layout, little-endian, every section padded to 8 bytes:
 *   header   "RAGDBM25" | u32 version | u32 docs | u32 terms | u32 vocabulary bytes | f64 postings
 *   labels   f64[docs]            chunk label per dense slot
 *   lengths  u32[docs]            document length in terms
 *   counts   u32[terms]           postings per term, in vocabulary order
 *   slots    u32[postings]        slot of each posting, grouped by term
 *   tfs      u16[postings]        term frequency of each posting
 *   vocab    utf8, terms joined by NUL (the analyser never emits NUL)
 *   trailer  u32 crc32(everything before) | u32 reserved
 * k1 and b are not stored: they apply at query time, so a configuration change needs no rebuild.
 */
import { crc32 } from 'node:zlib';
import { RagdError } from '../../errors/ragd-error.js';

const MAGIC = Buffer.from('RAGDBM25', 'latin1');
export const SNAPSHOT_VERSION = 1;
const HEADER_BYTES = 32;
const TRAILER_BYTES = 8;
const TERM_SEPARATOR = '\0';
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The live state of an index with dense slots 0 .. docs-1. */
export interface Bm25SnapshotData {
  labels: Float64Array;
  lengths: Uint32Array;
  vocabulary: string[];
  /** Postings per term, parallel to `vocabulary`. */
  postingCounts: Uint32Array;
  /** All postings grouped by term in vocabulary order. */
  slots: Uint32Array;
  tfs: Uint16Array;
}

/** The error for any file that cannot be trusted; callers rebuild the index from the store. */
export function snapshotError(path: string, message: string): RagdError {
  return new RagdError('RAGD_ERR_INTERNAL', `lexical index snapshot ${path}: ${message}`, { details: { reason: 'lexical-index-corrupt' } });
}

interface Sections {
  labels: number;
  lengths: number;
  counts: number;
  slots: number;
  tfs: number;
  vocab: number;
  crc: number;
  total: number;
}

function layout(docs: number, terms: number, postings: number, vocabBytes: number): Sections {
  const pad = (n: number): number => Math.ceil(n / 8) * 8;
  const labels = HEADER_BYTES;
  const lengths = labels + pad(docs * 8);
  const counts = lengths + pad(docs * 4);
  const slots = counts + pad(terms * 4);
  const tfs = slots + pad(postings * 4);
  const vocab = tfs + pad(postings * 2);
  const crc = vocab + pad(vocabBytes);
  return { labels, lengths, counts, slots, tfs, vocab, crc, total: crc + TRAILER_BYTES };
}

export function encodeSnapshot(data: Bm25SnapshotData): Uint8Array {
  const docs = data.labels.length;
  const terms = data.vocabulary.length;
  const postings = data.slots.length;
  const vocab = Buffer.from(data.vocabulary.join(TERM_SEPARATOR), 'utf8');
  const at = layout(docs, terms, postings, vocab.length);
  // A fresh ArrayBuffer, so every section offset is aligned for its typed-array view.
  const out = Buffer.from(new ArrayBuffer(at.total));
  MAGIC.copy(out, 0);
  out.writeUInt32LE(SNAPSHOT_VERSION, 8);
  out.writeUInt32LE(docs, 12);
  out.writeUInt32LE(terms, 16);
  out.writeUInt32LE(vocab.length, 20);
  out.writeDoubleLE(postings, 24);
  new Float64Array(out.buffer, at.labels, docs).set(data.labels);
  new Uint32Array(out.buffer, at.lengths, docs).set(data.lengths);
  new Uint32Array(out.buffer, at.counts, terms).set(data.postingCounts);
  new Uint32Array(out.buffer, at.slots, postings).set(data.slots);
  new Uint16Array(out.buffer, at.tfs, postings).set(data.tfs);
  if (!LITTLE_ENDIAN) swapSections(out, at, docs, terms, postings);
  vocab.copy(out, at.vocab);
  out.writeUInt32LE(crc32(out.subarray(0, at.crc)) >>> 0, at.crc);
  return out;
}

/**
 * Parses and validates a snapshot. Label and term uniqueness are checked by the index as it loads.
 * @throws RAGD_ERR_INTERNAL (`details.reason` = `lexical-index-corrupt`) for a truncated, foreign,
 *   newer-version or damaged file.
 */
export function decodeSnapshot(file: Buffer, path: string): Bm25SnapshotData {
  if (file.length < HEADER_BYTES + TRAILER_BYTES || !file.subarray(0, 8).equals(MAGIC)) throw snapshotError(path, 'not a ragd BM25 snapshot');
  const version = file.readUInt32LE(8);
  if (version !== SNAPSHOT_VERSION) throw snapshotError(path, `unsupported version ${version} (this build reads ${SNAPSHOT_VERSION})`);
  const docs = file.readUInt32LE(12);
  const terms = file.readUInt32LE(16);
  const vocabBytes = file.readUInt32LE(20);
  const postings = file.readDoubleLE(24);
  if (!Number.isSafeInteger(postings) || postings < 0) throw snapshotError(path, 'bad header');
  const at = layout(docs, terms, postings, vocabBytes);
  if (file.length !== at.total) throw snapshotError(path, `file is ${file.length} bytes, header describes ${at.total} (truncated?)`);
  if ((crc32(file.subarray(0, at.crc)) >>> 0) !== file.readUInt32LE(at.crc)) throw snapshotError(path, 'checksum mismatch');

  // Typed-array views need aligned offsets; a Buffer from readFile may start anywhere in its ArrayBuffer.
  const bytes = file.byteOffset % 8 === 0 ? file : Buffer.from(new Uint8Array(file));
  if (!LITTLE_ENDIAN) swapSections(bytes, at, docs, terms, postings);
  const base = bytes.byteOffset;
  // Labels and lengths are copied so the index does not pin the whole file buffer.
  const labels = new Float64Array(bytes.buffer, base + at.labels, docs).slice();
  const lengths = new Uint32Array(bytes.buffer, base + at.lengths, docs).slice();
  const postingCounts = new Uint32Array(bytes.buffer, base + at.counts, terms);
  const slots = new Uint32Array(bytes.buffer, base + at.slots, postings);
  const tfs = new Uint16Array(bytes.buffer, base + at.tfs, postings);

  for (let i = 0; i < docs; i++) {
    const label = labels[i]!;
    if (!Number.isSafeInteger(label) || label < 0) throw snapshotError(path, `bad label at slot ${i}`);
  }
  let sum = 0;
  for (let t = 0; t < terms; t++) {
    if (postingCounts[t] === 0) throw snapshotError(path, `term ${t} has no postings`);
    sum += postingCounts[t]!;
  }
  if (sum !== postings) throw snapshotError(path, 'posting counts disagree with the header');
  for (let i = 0; i < postings; i++) {
    if (slots[i]! >= docs || tfs[i] === 0) throw snapshotError(path, `bad posting ${i}`);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(at.vocab, at.vocab + vocabBytes));
  } catch {
    throw snapshotError(path, 'vocabulary is not valid UTF-8');
  }
  const vocabulary = terms === 0 ? [] : text.split(TERM_SEPARATOR);
  if (vocabulary.length !== terms || vocabulary.some((t) => t.length === 0)) throw snapshotError(path, 'vocabulary disagrees with the header');
  return { labels, lengths, vocabulary, postingCounts, slots, tfs };
}

/** Converts the numeric sections between host order and the file's little-endian order, in place. */
function swapSections(buf: Buffer, at: Sections, docs: number, terms: number, postings: number): void {
  buf.subarray(at.labels, at.labels + docs * 8).swap64();
  buf.subarray(at.lengths, at.lengths + docs * 4).swap32();
  buf.subarray(at.counts, at.counts + terms * 4).swap32();
  buf.subarray(at.slots, at.slots + postings * 4).swap32();
  buf.subarray(at.tfs, at.tfs + postings * 2).swap16();
}

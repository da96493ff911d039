/**
 * The vector index file: usearch's own serialisation followed by a fixed 48-byte ragd trailer that
 * records what usearch's header does not let us check cheaply (the expected dimensions, storage type,
 * metric, vector count) plus a CRC-32 of the usearch bytes. usearch trusts its input, and a flipped
 * bit inside the graph section would otherwise be followed as a neighbour pointer at query time, so
 * every byte is checksummed before the native loader sees it. usearch 2.25.3 reads its format
 * sequentially and ignores trailing bytes, which is what lets the trailer live in the same file and
 * keeps save atomic with a single rename.
 *
 * Trailer layout (little-endian): u32 version, u32 dimensions, u32 scalar code, u32 metric code,
 * f64 payload bytes, f64 vector count, u32 crc32(payload), u32 reserved, 8-byte magic "RAGDVEC1".
 */
import { open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fsyncDirectory } from '../atomic-file.js';
import { crc32 } from 'node:zlib';
import { RagdError } from '../../errors/ragd-error.js';

const TRAILER_BYTES = 48;
const MAGIC = Buffer.from('RAGDVEC1', 'latin1');
const FORMAT_VERSION = 1;
/** Read size while checksumming: large enough for sequential throughput, small enough to keep RSS flat. */
const CRC_CHUNK_BYTES = 1 << 20;

/** What the trailer records about the usearch bytes before it. */
export interface TrailerFields {
  dimensions: number;
  scalarCode: number;
  metricCode: number;
  payloadBytes: number;
  count: number;
  crc: number;
}

/** Why a file was refused; callers rebuild the index from the store in every case. */
export type IndexFileProblem = 'corrupt' | 'dimension-mismatch' | 'config-mismatch';

/** A RAGD_ERR_INTERNAL whose `details.reason` (`vector-index-<problem>`) tells callers why the file was refused. */
export function indexFileError(path: string, problem: IndexFileProblem, message: string, cause?: unknown): RagdError {
  return new RagdError('RAGD_ERR_INTERNAL', `vector index file ${path}: ${message}`, {
    details: { reason: `vector-index-${problem}` },
    ...(cause === undefined ? {} : { cause }),
  });
}

function encodeTrailer(fields: TrailerFields): Buffer {
  const buf = Buffer.alloc(TRAILER_BYTES);
  buf.writeUInt32LE(FORMAT_VERSION, 0);
  buf.writeUInt32LE(fields.dimensions, 4);
  buf.writeUInt32LE(fields.scalarCode, 8);
  buf.writeUInt32LE(fields.metricCode, 12);
  buf.writeDoubleLE(fields.payloadBytes, 16);
  buf.writeDoubleLE(fields.count, 24);
  buf.writeUInt32LE(fields.crc >>> 0, 32);
  MAGIC.copy(buf, 40);
  return buf;
}

/**
 * Reads and checks the trailer and the payload checksum of `path`.
 * @throws RAGD_ERR_INTERNAL (`details.reason` = `vector-index-corrupt`) when the file is truncated,
 *   foreign or fails its checksum; fs errors such as ENOENT propagate unchanged.
 */
export async function readVerifiedTrailer(path: string): Promise<TrailerFields> {
  const fh = await open(path, 'r');
  try {
    const { size } = await fh.stat();
    if (size < TRAILER_BYTES) throw indexFileError(path, 'corrupt', `file is ${size} bytes, too short to be an index`);
    const trailer = Buffer.alloc(TRAILER_BYTES);
    await fh.read(trailer, 0, TRAILER_BYTES, size - TRAILER_BYTES);
    if (!trailer.subarray(40).equals(MAGIC)) throw indexFileError(path, 'corrupt', 'no ragd trailer (truncated or not written by ragd)');
    const version = trailer.readUInt32LE(0);
    if (version !== FORMAT_VERSION) throw indexFileError(path, 'corrupt', `unsupported trailer version ${version}`);
    const fields: TrailerFields = {
      dimensions: trailer.readUInt32LE(4),
      scalarCode: trailer.readUInt32LE(8),
      metricCode: trailer.readUInt32LE(12),
      payloadBytes: trailer.readDoubleLE(16),
      count: trailer.readDoubleLE(24),
      crc: trailer.readUInt32LE(32),
    };
    if (fields.payloadBytes !== size - TRAILER_BYTES) {
      throw indexFileError(path, 'corrupt', `payload is ${size - TRAILER_BYTES} bytes, trailer says ${fields.payloadBytes}`);
    }
    const actual = await crcOfRange(fh, fields.payloadBytes);
    if (actual !== fields.crc) throw indexFileError(path, 'corrupt', 'checksum mismatch');
    return fields;
  } finally {
    await fh.close();
  }
}

/**
 * Finishes a file that usearch has written to `tmpPath`: appends the trailer, fsyncs, renames it over
 * `path` and fsyncs the directory so the rename itself survives a power cut. Removes `tmpPath` on failure.
 */
export async function sealAndRename(tmpPath: string, path: string, fields: Omit<TrailerFields, 'payloadBytes' | 'crc'>): Promise<void> {
  try {
    const fh = await open(tmpPath, 'r+');
    try {
      const { size } = await fh.stat();
      const crc = await crcOfRange(fh, size);
      await fh.write(encodeTrailer({ ...fields, payloadBytes: size, crc }), 0, TRAILER_BYTES, size);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmpPath, path);
  } catch (err) {
    await rm(tmpPath, { force: true });
    throw err;
  }
  await fsyncDirectory(dirname(path));
}

async function crcOfRange(fh: Awaited<ReturnType<typeof open>>, length: number): Promise<number> {
  const chunk = Buffer.allocUnsafe(Math.min(CRC_CHUNK_BYTES, Math.max(1, length)));
  let crc = 0;
  let pos = 0;
  while (pos < length) {
    const want = Math.min(chunk.length, length - pos);
    const { bytesRead } = await fh.read(chunk, 0, want, pos);
    if (bytesRead === 0) break;
    crc = crc32(chunk.subarray(0, bytesRead), crc);
    pos += bytesRead;
  }
  return crc >>> 0;
}


/**
 * Conversions between ragd's records and what the SQLite store keeps in columns: embeddings as
 * float32 BLOBs, JSON in canonical form, opaque pagination cursors, and the text lexical indexes match.
 */
import { RagdError } from '../../errors/ragd-error.js';
import type { JsonValue } from '../types.js';

const FLOAT32_BYTES = 4;

/**
 * Float32Array -> bytes for a BLOB column, without copying (better-sqlite3 copies on bind).
 * Bytes are in the platform's order; every platform Node 20 ships for is little-endian.
 */
export function encodeEmbedding(vector: Float32Array): Buffer {
  return Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength);
}

/**
 * BLOB -> a fresh Float32Array. The copy is required: a Buffer returned by SQLite may start at a
 * byteOffset that is not a multiple of 4, which a Float32Array view cannot have.
 *
 * @throws RAGD_ERR_STORE_UNAVAILABLE when the byte length is not a whole number of floats (corrupt row).
 */
export function decodeEmbedding(bytes: Uint8Array): Float32Array {
  if (bytes.byteLength % FLOAT32_BYTES !== 0) {
    throw new RagdError('RAGD_ERR_STORE_UNAVAILABLE', 'A stored embedding is corrupt');
  }
  const out = new Float32Array(bytes.byteLength / FLOAT32_BYTES);
  new Uint8Array(out.buffer).set(bytes);
  return out;
}

/**
 * JSON with object keys sorted at every level, so equal values have equal text. Hand-written
 * because it is a dozen lines; a dependency (e.g. `canonicalize`) would add nothing we use.
 */
export function canonicalJson(value: JsonValue): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: JsonValue): JsonValue {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const out: { [key: string]: JsonValue } = {};
    for (const key of Object.keys(value).sort()) {
      const child = value[key];
      if (child !== undefined) out[key] = sortKeys(child);
    }
    return out;
  }
  return value;
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** Opaque cursor for the page after the document with id `lastId`. */
export function encodeCursor(lastId: string): string {
  return Buffer.from(lastId, 'utf8').toString('base64url');
}

/**
 * Inverse of `encodeCursor`. Node's base64url decoder is lenient, so the result is re-encoded and
 * compared: anything that does not round-trip was not made by `encodeCursor`.
 *
 * @throws RAGD_ERR_VALIDATION with details `{ field: 'cursor' }` for a malformed cursor.
 */
export function decodeCursor(cursor: string): string {
  if (BASE64URL.test(cursor)) {
    const id = Buffer.from(cursor, 'base64url').toString('utf8');
    if (id.length > 0 && encodeCursor(id) === cursor) return id;
  }
  throw new RagdError('RAGD_ERR_VALIDATION', 'Invalid pagination cursor', { details: { field: 'cursor' } });
}

/** What lexical search matches for a chunk: title, heading trail and text, one per line (empty parts dropped). */
export function indexableText(title: string, headings: readonly string[], text: string): string {
  return [title, ...headings, text].filter((part) => part.length > 0).join('\n');
}

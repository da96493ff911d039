/**
 * Stable chunk ids: the same document, position and content always yield the same id, so
 * re-ingesting an unchanged document rewrites nothing downstream, and any change to what a chunk
 * says (or the headings it is indexed under) yields a new id that no cache can confuse with the old.
 */
import { createHash } from 'node:crypto';

/** Hex characters kept from the sha256: 64 bits, so collisions within a collection are negligible. */
export const CHUNK_ID_HEX_LENGTH = 16;

/** sha256 over document id, ordinal, heading trail and text (NUL-separated), first 16 hex chars. */
export function chunkId(documentId: string, ordinal: number, headings: readonly string[], text: string): string {
  return createHash('sha256')
    .update(documentId)
    .update('\u0000')
    .update(String(ordinal))
    .update('\u0000')
    .update(headings.join('\u001f'))
    .update('\u0000')
    .update(text)
    .digest('hex')
    .slice(0, CHUNK_ID_HEX_LENGTH);
}

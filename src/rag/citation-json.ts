/**
 * The JSON of an answer's citations, byte for byte what `JSON.stringify(citations)` gives, with
 * the part that belongs to the chunk (document id, chunk id, title, text) serialised once per chunk
 * instead of once per answer. The same chunks are cited query after query, and escaping their
 * ~1,000-character texts was most of the cost of serialising an answer that no cache holds (a
 * cache miss, or a degraded answer, which is never cached).
 *
 * Hand-written rather than a schema serialiser (fast-json-stringify) because what makes it cheap
 * is reusing a chunk's JSON across answers, which no serialiser does; each piece is still made
 * by JSON.stringify, so escaping and number formatting are exactly JSON.stringify's.
 */
import type { Citation } from './types.js';

/** Chunks whose JSON is kept: a few hundred answers' worth of distinct citations (5 each). Oldest dropped first. */
const CHUNK_JSON_ENTRIES = 2_000;

interface ChunkJson {
  readonly documentId: string;
  readonly chunkId: string;
  readonly title: string;
  readonly text: string;
  /** `,"documentId":...,"text":...` — the chunk's members as JSON.stringify writes them, after `index`. */
  readonly members: string;
}

const cache = new Map<string, ChunkJson>();

/** The members of a citation that come from its chunk, serialised (cached by chunk id, checked against every field). */
function chunkMembers(c: Citation): string {
  const hit = cache.get(c.chunkId);
  if (hit !== undefined && hit.documentId === c.documentId && hit.title === c.title && hit.text === c.text) return hit.members;
  const json = JSON.stringify({ documentId: c.documentId, chunkId: c.chunkId, title: c.title, text: c.text });
  // `{}` when every field is undefined (JSON.stringify drops them): then there is nothing to add.
  const members = json.length > 2 ? `,${json.slice(1, -1)}` : '';
  if (hit !== undefined) cache.delete(c.chunkId);
  cache.set(c.chunkId, { documentId: c.documentId, chunkId: c.chunkId, title: c.title, text: c.text, members });
  if (cache.size > CHUNK_JSON_ENTRIES) cache.delete(cache.keys().next().value!);
  return members;
}

/**
 * `JSON.stringify(citations)` for citations shaped as the query service builds them (members in the
 * order index, documentId, chunkId, title, text, score; nothing else).
 */
export function citationsJson(citations: readonly Citation[]): string {
  let out = '[';
  for (let i = 0; i < citations.length; i++) {
    const c = citations[i] as Citation;
    // A member JSON.stringify would drop or write otherwise (not a number): let it write the whole list.
    if (typeof c.index !== 'number' || typeof c.score !== 'number') return JSON.stringify(citations);
    out += `${i === 0 ? '' : ','}{"index":${JSON.stringify(c.index)}${chunkMembers(c)},"score":${JSON.stringify(c.score)}}`;
  }
  return `${out}]`;
}

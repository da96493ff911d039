/**
 * Cutting a span that is too long for one chunk: first at sentence boundaries, then a sentence
 * that is still too long at word boundaries, and a single word longer than a chunk is hard-cut
 * (never inside a UTF-16 surrogate pair) as the last resort.
 */
import { sentenceSpans, trimSpan } from '../../text/sentences.js';

/** A piece of the clean text; `sentence` is true when it is one whole sentence (eligible for overlap). */
export interface Piece {
  start: number;
  end: number;
  sentence: boolean;
}

const SPACE = /\s/;

/** Splits `[start, end)` of `text` into pieces of at most `size` characters, in order. */
export function splitLong(text: string, start: number, end: number, size: number): Piece[] {
  const out: Piece[] = [];
  for (const s of sentenceSpans(text.slice(start, end), start)) {
    if (s.end - s.start <= size) out.push({ start: s.start, end: s.end, sentence: true });
    else splitWords(text, s.start, s.end, size, out);
  }
  return out;
}

/** Greedy word packing of `[start, end)` into pieces of at most `size` characters. */
function splitWords(text: string, start: number, end: number, size: number, out: Piece[]): void {
  let pos = start;
  while (pos < end) {
    while (pos < end && SPACE.test(text[pos] as string)) pos++;
    if (pos >= end) return;
    let cut: number;
    if (end - pos <= size) cut = end;
    else {
      cut = lastSpaceCut(text, pos, pos + size);
      if (cut === -1) cut = hardCut(text, pos, pos + size);
    }
    const piece = trimSpan(text, pos, cut);
    if (piece) out.push({ start: piece.start, end: piece.end, sentence: false });
    pos = cut;
  }
}

/** Largest `i` in (pos, limit] with whitespace at `text[i]`, so `[pos, i)` ends at a word end; -1 if none. */
function lastSpaceCut(text: string, pos: number, limit: number): number {
  for (let i = limit; i > pos; i--) if (SPACE.test(text[i] as string)) return i;
  return -1;
}

/** `limit`, moved back one when it would separate a surrogate pair. */
function hardCut(text: string, pos: number, limit: number): number {
  const code = text.charCodeAt(limit - 1);
  return code >= 0xd800 && code <= 0xdbff && limit - 1 > pos ? limit - 1 : limit;
}

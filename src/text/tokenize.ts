/**
 * Tokenisation shared by lexical search, the local embedder and the extractive answerer, so a
 * word means the same thing everywhere: Unicode letters and digits, lower-cased (NFKC folded).
 */
import { ENGLISH_STOPWORDS } from './stopwords.js';

/**
 * A word is a run of letters/digits, optionally joined by inner apostrophes ("don't", "o'clock"),
 * as Unicode word segmentation (UAX #29) treats them; the typographic ’ is folded to '.
 * Keeping contractions whole lets the stop-word list remove "don't" instead of leaving a stray "t".
 */
const WORD = /[\p{L}\p{N}]+(?:'[\p{L}\p{N}]+)*/gu;

/**
 * Texts up to this many characters have their tokens memoised: a question is tokenised by lexical
 * search, the local embedder and the extractive answerer in turn, and the Unicode regex plus NFKC
 * were ~2% of a query's CPU. Chunk texts (~1,000 characters) are longer and are not kept.
 */
const MEMO_MAX_CHARS = 256;
/** Memoised texts per analyser and generation: the questions of a few dozen requests in flight. */
const MEMO_ENTRIES = 32;

/**
 * A small memo of frozen token lists (callers never mutate what they get) in two generations: new
 * lists go into `current`; when it is full it becomes `previous` and a new Map starts, so the last
 * 32-64 texts are remembered. Why not one long-lived Map with the oldest entry deleted: a Map that
 * has reached the old generation and keeps taking young values made V8 (11.3, Node 20) copy and
 * promote megabytes at every scavenge. A loop tokenising fresh questions through such a memo
 * promoted ~5 MB per scavenge and spent ~42% of its time in GC (with V8's pretenuring on or off);
 * with a Map replaced every 64 texts, 0.05 MB and ~11%. `words()` over fresh questions went from 3.24
 * to 1.50 µs (bench/README.md, sixth session). Short-lived Maps die young instead.
 */
function memoised(analyse: (text: string) => string[]): (text: string) => string[] {
  let current = new Map<string, string[]>();
  let previous = new Map<string, string[]>();
  return (text) => {
    if (text.length > MEMO_MAX_CHARS) return analyse(text);
    let tokens = current.get(text) ?? previous.get(text);
    if (tokens === undefined) {
      tokens = Object.freeze(analyse(text)) as string[];
      if (current.size >= MEMO_ENTRIES) {
        previous = current;
        current = new Map();
      }
      current.set(text, tokens);
    }
    return tokens;
  };
}

/** Lower-cased words, stop words kept. Do not mutate the result (short texts share a frozen list). */
export const words: (text: string) => string[] = memoised(
  (text) => text.normalize('NFKC').toLowerCase().replace(/[\u2019\u02bc]/g, "'").match(WORD) ?? [],
);

/** Lower-cased alphanumeric words with English stop words removed: the BM25 analyser. Do not mutate the result. */
export const terms: (text: string) => string[] = memoised((text) => {
  const out: string[] = [];
  for (const w of words(text)) if (!ENGLISH_STOPWORDS.has(w)) out.push(w);
  return out;
});

export function isStopword(word: string): boolean {
  return ENGLISH_STOPWORDS.has(word);
}

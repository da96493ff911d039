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
/** Memoised texts per analyser: the questions of a few dozen requests in flight. Oldest dropped first. */
const MEMO_ENTRIES = 64;

/** A small first-in-first-out memo of frozen token lists (callers never mutate what they get). */
function memoised(analyse: (text: string) => string[]): (text: string) => string[] {
  const memo = new Map<string, string[]>();
  return (text) => {
    if (text.length > MEMO_MAX_CHARS) return analyse(text);
    let tokens = memo.get(text);
    if (tokens === undefined) {
      tokens = Object.freeze(analyse(text)) as string[];
      memo.set(text, tokens);
      if (memo.size > MEMO_ENTRIES) memo.delete(memo.keys().next().value!);
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

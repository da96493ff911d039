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

/** Lower-cased words, stop words kept. */
export function words(text: string): string[] {
  return text.normalize('NFKC').toLowerCase().replace(/[\u2019\u02bc]/g, "'").match(WORD) ?? [];
}

/** Lower-cased alphanumeric words with English stop words removed: the BM25 analyser. */
export function terms(text: string): string[] {
  const out: string[] = [];
  for (const w of words(text)) if (!ENGLISH_STOPWORDS.has(w)) out.push(w);
  return out;
}

export function isStopword(word: string): boolean {
  return ENGLISH_STOPWORDS.has(word);
}

/**
 * Tokenisation shared by lexical search, the local embedder and the extractive answerer, so a
 * word means the same thing everywhere: Unicode letters and digits, lower-cased (NFKC folded).
 */
import { ENGLISH_STOPWORDS } from './stopwords.js';

const WORD = /[\p{L}\p{N}]+/gu;

/** Lower-cased alphanumeric words, stop words kept. */
export function words(text: string): string[] {
  return text.normalize('NFKC').toLowerCase().match(WORD) ?? [];
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

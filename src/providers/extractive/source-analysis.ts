/**
 * A source as the extractive answerer reads it: its sentences, and an inverted index from each term
 * to the sentences that hold it. With the index, matching a question against a source costs one
 * lookup per question term instead of one per (sentence, term) pair: the per-sentence term sets
 * this replaces were ~40% of the answerer's time.
 *
 * Analyses are cached by source text: the same chunks come back query after query, and splitting
 * sentences (Intl.Segmenter) plus tokenising them was ~15% of a query's CPU before the cache.
 */
import { sentences } from '../../text/sentences.js';
import { terms } from '../../text/tokenize.js';

/** Analyses kept: a few hundred queries' worth of distinct chunks (5 each). Oldest dropped first. */
const ANALYSIS_CACHE_ENTRIES = 2_000;

/** One sentence of a source, shared by every answer that quotes from that source. */
export interface AnalysedSentence {
  readonly text: string;
  /** Whitespace-collapsed, lower-cased text: a repeated sentence is quoted once. Filled on first use by `dedupeKey`. */
  key?: string;
}

export interface SourceAnalysis {
  readonly sentences: readonly AnalysedSentence[];
  /**
   * Term -> `[ordinal, ...positions]`: `positions` are the indexes of the sentences holding the term,
   * ascending; `ordinal` is the term's place among the distinct terms of its first sentence, in order
   * of first occurrence (which settles the order of terms first met in the same sentence).
   */
  readonly postings: ReadonlyMap<string, readonly number[]>;
}

const cache = new Map<string, SourceAnalysis>();

/**
 * The analysis of `text` under `analyse` (a tokeniser from text/tokenize). Cached when `analyse`
 * is `terms`, the analyser of every question with a content word. Never mutate the result (but
 * for `key`, through `dedupeKey`).
 */
export function analyseSource(text: string, analyse: (t: string) => string[]): SourceAnalysis {
  const cacheable = analyse === terms;
  if (cacheable) {
    const hit = cache.get(text);
    if (hit !== undefined) {
      cache.delete(text);
      cache.set(text, hit);
      return hit;
    }
  }
  const parts = sentences(text);
  const postings = new Map<string, number[]>();
  for (let position = 0; position < parts.length; position++) {
    let distinct = 0;
    for (const term of analyse(parts[position] as string)) {
      const list = postings.get(term);
      if (list === undefined) postings.set(term, [distinct++, position]);
      else if (list[list.length - 1] !== position) {
        list.push(position);
        distinct++;
      }
    }
  }
  const analysis: SourceAnalysis = { sentences: parts.map((t) => ({ text: t })), postings };
  if (cacheable) {
    cache.set(text, analysis);
    if (cache.size > ANALYSIS_CACHE_ENTRIES) cache.delete(cache.keys().next().value!);
  }
  return analysis;
}

const WHITESPACE_RUN = /\s+/g;

/** The sentence's whitespace-collapsed, lower-cased text, computed once per cached sentence. */
export function dedupeKey(sentence: AnalysedSentence): string {
  return (sentence.key ??= sentence.text.replace(WHITESPACE_RUN, ' ').toLowerCase());
}

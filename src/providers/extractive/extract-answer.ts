/**
 * Extractive answering: picks the sentences of the sources that best match the question and
 * quotes them verbatim with citation markers. It never writes a word of its own beyond the two
 * fixed "no answer" sentences, so every answer is grounded by construction. The scoring is
 * BM25-flavoured: query terms count by their IDF over all source sentences, so a sentence
 * matching the question's rare words beats one matching its common ones.
 */
import type { GenerateSource } from '../generator.js';
import { sentences } from '../../text/sentences.js';
import { terms, words } from '../../text/tokenize.js';

/** Most sentences quoted: enough to answer and corroborate, short enough to read at a glance. */
export const EXTRACTIVE_MAX_SENTENCES = 3;
/** Character budget for the quoted sentences (markers excluded); the best sentence is always kept. */
export const EXTRACTIVE_MAX_CHARS = 600;
/** A sentence must score at least this fraction of the best one: keeps tangents out of the answer. */
export const EXTRACTIVE_RELATIVE_FLOOR = 0.35;
/** Score divisor per rank step (1 + 0.1 × rank): a small prior for sources retrieval ranked higher. */
export const EXTRACTIVE_RANK_DECAY = 0.1;
/** The answer when retrieval found nothing. */
export const NO_SOURCES_ANSWER = 'No relevant sources were found for this question.';
/** The answer when no source sentence shares a content word with the question. */
export const NO_ANSWER_IN_SOURCES = 'The sources do not contain an answer to this question.';

export interface ExtractiveOptions {
  /** Defaults to EXTRACTIVE_MAX_SENTENCES (3). */
  maxSentences?: number;
  /** Defaults to EXTRACTIVE_MAX_CHARS (600). */
  maxChars?: number;
}

/** One quoted sentence and the citation number of the source it comes from. */
export interface QuotedSentence {
  text: string;
  index: number;
}

export interface ExtractiveAnswer {
  /** Quoted sentences each followed by ` [n]`, joined by spaces; or one of the fixed no-answer sentences. */
  answer: string;
  /** Distinct source indexes cited, in order of first citation. Empty for the fixed answers. */
  citedIndexes: number[];
  /** The quoted sentences in answer order (empty for the fixed answers). */
  sentences: QuotedSentence[];
}

/**
 * Sources analysed recently (sentence split + term sets), by text. The same chunks come back query
 * after query, and splitting sentences (Intl.Segmenter) plus tokenising them was ~15% of a query's
 * CPU; sets are never mutated after creation, so sharing them is safe. Bounded: oldest dropped first.
 */
const ANALYSIS_CACHE_ENTRIES = 2_000;
const analysisCache = new Map<string, { text: string; terms: Set<string> }[]>();

function analysed(text: string, analyse: (t: string) => string[]): { text: string; terms: Set<string> }[] {
  const cacheable = analyse === terms;
  if (cacheable) {
    const hit = analysisCache.get(text);
    if (hit) {
      analysisCache.delete(text);
      analysisCache.set(text, hit);
      return hit;
    }
  }
  const out = sentences(text).map((t) => ({ text: t, terms: new Set(analyse(t)) }));
  if (cacheable) {
    analysisCache.set(text, out);
    if (analysisCache.size > ANALYSIS_CACHE_ENTRIES) analysisCache.delete(analysisCache.keys().next().value!);
  }
  return out;
}

interface Candidate {
  text: string;
  index: number;
  rank: number;
  position: number;
  terms: Set<string>;
  score: number;
}

/**
 * Builds an extractive answer. Pure and deterministic.
 * @example
 * extractAnswer('How much power does a panel produce?', [{ index: 1, title: 'Solar', text: 'A panel produces about 400 W. It is blue.' }])
 * // { answer: 'A panel produces about 400 W. [1]', citedIndexes: [1], sentences: [...] }
 */
export function extractAnswer(question: string, sources: readonly GenerateSource[], options: ExtractiveOptions = {}): ExtractiveAnswer {
  if (sources.length === 0) return fixed(NO_SOURCES_ANSWER);
  const maxSentences = Math.max(1, options.maxSentences ?? EXTRACTIVE_MAX_SENTENCES);
  const maxChars = options.maxChars ?? EXTRACTIVE_MAX_CHARS;

  // A question made only of stop words ("who is the who?") is matched on its plain words.
  const contentTerms = terms(question);
  const analyse = contentTerms.length > 0 ? terms : words;
  const queryTerms = new Set(contentTerms.length > 0 ? contentTerms : words(question));

  const candidates: Candidate[] = [];
  const df = new Map<string, number>();
  sources.forEach((source, rank) => {
    analysed(source.text, analyse).forEach(({ text, terms: ts }, position) => {
      for (const t of ts) if (queryTerms.has(t)) df.set(t, (df.get(t) ?? 0) + 1);
      candidates.push({ text, index: source.index, rank, position, terms: ts, score: 0 });
    });
  });

  const n = candidates.length;
  // IDF of each question term that occurs at all, computed once rather than per sentence.
  const idf: [string, number][] = [...df].map(([t, d]) => [t, Math.log(1 + (n - d + 0.5) / (d + 0.5))]);
  for (const c of candidates) {
    let s = 0;
    for (const [t, w] of idf) if (c.terms.has(t)) s += w;
    c.score = s / (1 + EXTRACTIVE_RANK_DECAY * c.rank);
  }

  const ranked = candidates.filter((c) => c.score > 0).sort((a, b) => b.score - a.score || a.rank - b.rank || a.position - b.position);
  if (ranked.length === 0) return fixed(NO_ANSWER_IN_SOURCES);

  const floor = (ranked[0] as Candidate).score * EXTRACTIVE_RELATIVE_FLOOR;
  const chosen: Candidate[] = [];
  const seen = new Set<string>();
  let chars = 0;
  for (const c of ranked) {
    if (chosen.length >= maxSentences || c.score < floor) break;
    // Overlapping chunks repeat sentences: quote each once.
    const key = c.text.replace(/\s+/g, ' ').toLowerCase();
    if (seen.has(key)) continue;
    if (chosen.length > 0 && chars + c.text.length > maxChars) continue;
    seen.add(key);
    chosen.push(c);
    chars += c.text.length;
  }

  chosen.sort((a, b) => a.rank - b.rank || a.position - b.position);
  const quoted = chosen.map((c) => ({ text: c.text, index: c.index }));
  return {
    answer: quoted.map(formatQuote).join(' '),
    citedIndexes: [...new Set(quoted.map((q) => q.index))],
    sentences: quoted,
  };
}

/** A quoted sentence with its citation marker: `sentence [n]`. */
export function formatQuote(q: QuotedSentence): string {
  return `${q.text} [${q.index}]`;
}

function fixed(answer: string): ExtractiveAnswer {
  return { answer, citedIndexes: [], sentences: [] };
}

/**
 * Extractive answering: picks the sentences of the sources that best match the question and
 * quotes them verbatim with citation markers. It never writes a word of its own beyond the two
 * fixed "no answer" sentences, so every answer is grounded by construction. The scoring is
 * BM25-flavoured: query terms count by their IDF over all source sentences, so a sentence
 * matching the question's rare words beats one matching its common ones.
 */
import type { GenerateSource } from '../generator.js';
import { terms, words } from '../../text/tokenize.js';
import { analyseSource, dedupeKey, type AnalysedSentence } from './source-analysis.js';

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

/** A sentence that shares at least one term with the question. */
interface Candidate {
  sentence: AnalysedSentence;
  index: number;
  rank: number;
  position: number;
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
  const query = [...new Set(contentTerms.length > 0 ? contentTerms : words(question))];
  const m = query.length;

  const analyses = sources.map((source) => analyseSource(source.text, analyse));
  let n = 0;
  for (const a of analyses) n += a.sentences.length;

  // Which question terms each sentence holds (row-major, one byte per term), how many sentences hold
  // each term, and where each term first occurs (row, then place within that sentence).
  const holds = new Uint8Array(n * m);
  const df = new Uint32Array(m);
  const firstRow = new Int32Array(m).fill(-1);
  const firstOrdinal = new Int32Array(m);
  let base = 0;
  for (const a of analyses) {
    for (let t = 0; t < m; t++) {
      const list = a.postings.get(query[t] as string);
      if (list === undefined) continue;
      df[t] = (df[t] as number) + list.length - 1;
      if (firstRow[t] === -1) {
        firstRow[t] = base + (list[1] as number);
        firstOrdinal[t] = list[0] as number;
      }
      for (let i = 1; i < list.length; i++) holds[(base + (list[i] as number)) * m + t] = 1;
    }
    base += a.sentences.length;
  }
  // Terms in order of first occurrence (sources by rank, then sentence, then place in the sentence):
  // IDFs are summed in that order, so every score is bit-for-bit the sum over a first-seen term map.
  const order: number[] = [];
  for (let t = 0; t < m; t++) if ((df[t] as number) > 0) order.push(t);
  order.sort((a, b) => (firstRow[a] as number) - (firstRow[b] as number) || (firstOrdinal[a] as number) - (firstOrdinal[b] as number));

  // IDF of each question term that occurs at all, computed once rather than per sentence.
  const idf = order.map((t) => {
    const d = df[t] as number;
    return Math.log(1 + (n - d + 0.5) / (d + 0.5));
  });
  const ranked: Candidate[] = [];
  let row = 0;
  analyses.forEach((a, rank) => {
    const index = (sources[rank] as GenerateSource).index;
    a.sentences.forEach((sentence, position) => {
      const at = row++ * m;
      let s = 0;
      for (let j = 0; j < order.length; j++) if (holds[at + (order[j] as number)] === 1) s += idf[j] as number;
      if (s > 0) ranked.push({ sentence, index, rank, position, score: s / (1 + EXTRACTIVE_RANK_DECAY * rank) });
    });
  });
  if (ranked.length === 0) return fixed(NO_ANSWER_IN_SOURCES);
  ranked.sort((a, b) => b.score - a.score || a.rank - b.rank || a.position - b.position);

  const floor = (ranked[0] as Candidate).score * EXTRACTIVE_RELATIVE_FLOOR;
  const chosen: Candidate[] = [];
  const seen = new Set<string>();
  let chars = 0;
  for (const c of ranked) {
    if (chosen.length >= maxSentences || c.score < floor) break;
    // Overlapping chunks repeat sentences: quote each once.
    const key = dedupeKey(c.sentence);
    if (seen.has(key)) continue;
    const length = c.sentence.text.length;
    if (chosen.length > 0 && chars + length > maxChars) continue;
    seen.add(key);
    chosen.push(c);
    chars += length;
  }

  chosen.sort((a, b) => a.rank - b.rank || a.position - b.position);
  const quoted = chosen.map((c) => ({ text: c.sentence.text, index: c.index }));
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

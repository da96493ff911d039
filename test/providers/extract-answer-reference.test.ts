/**
 * The extractive answerer against a straightforward reference: per-sentence term sets, a first-seen
 * document-frequency map, IDFs summed in that map's order. The answerer indexes sources instead, and
 * must stay bit-for-bit the same (answers, chosen sentences, order), including on questions whose
 * terms tie, repeat, or first occur together in one sentence.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  EXTRACTIVE_MAX_CHARS,
  EXTRACTIVE_MAX_SENTENCES,
  EXTRACTIVE_RANK_DECAY,
  EXTRACTIVE_RELATIVE_FLOOR,
  NO_ANSWER_IN_SOURCES,
  NO_SOURCES_ANSWER,
  extractAnswer,
  formatQuote,
  type ExtractiveAnswer,
  type ExtractiveOptions,
} from '../../src/providers/extractive/extract-answer.js';
import type { GenerateSource } from '../../src/providers/generator.js';
import { sentences } from '../../src/text/sentences.js';
import { terms, words } from '../../src/text/tokenize.js';

function reference(question: string, sources: readonly GenerateSource[], options: ExtractiveOptions = {}): ExtractiveAnswer {
  const fixed = (answer: string): ExtractiveAnswer => ({ answer, citedIndexes: [], sentences: [] });
  if (sources.length === 0) return fixed(NO_SOURCES_ANSWER);
  const maxSentences = Math.max(1, options.maxSentences ?? EXTRACTIVE_MAX_SENTENCES);
  const maxChars = options.maxChars ?? EXTRACTIVE_MAX_CHARS;
  const contentTerms = terms(question);
  const analyse = contentTerms.length > 0 ? terms : words;
  const queryTerms = new Set(contentTerms.length > 0 ? contentTerms : words(question));
  const candidates: { text: string; index: number; rank: number; position: number; terms: Set<string>; score: number }[] = [];
  const df = new Map<string, number>();
  sources.forEach((source, rank) => {
    sentences(source.text).forEach((text, position) => {
      const ts = new Set(analyse(text));
      for (const t of ts) if (queryTerms.has(t)) df.set(t, (df.get(t) ?? 0) + 1);
      candidates.push({ text, index: source.index, rank, position, terms: ts, score: 0 });
    });
  });
  const n = candidates.length;
  const idf: [string, number][] = [...df].map(([t, d]) => [t, Math.log(1 + (n - d + 0.5) / (d + 0.5))]);
  for (const c of candidates) {
    let s = 0;
    for (const [t, w] of idf) if (c.terms.has(t)) s += w;
    c.score = s / (1 + EXTRACTIVE_RANK_DECAY * c.rank);
  }
  const ranked = candidates.filter((c) => c.score > 0).sort((a, b) => b.score - a.score || a.rank - b.rank || a.position - b.position);
  if (ranked.length === 0) return fixed(NO_ANSWER_IN_SOURCES);
  const floor = ranked[0]!.score * EXTRACTIVE_RELATIVE_FLOOR;
  const chosen: typeof ranked = [];
  const seen = new Set<string>();
  let chars = 0;
  for (const c of ranked) {
    if (chosen.length >= maxSentences || c.score < floor) break;
    const key = c.text.replace(/\s+/g, ' ').toLowerCase();
    if (seen.has(key)) continue;
    if (chosen.length > 0 && chars + c.text.length > maxChars) continue;
    seen.add(key);
    chosen.push(c);
    chars += c.text.length;
  }
  chosen.sort((a, b) => a.rank - b.rank || a.position - b.position);
  const quoted = chosen.map((c) => ({ text: c.text, index: c.index }));
  return { answer: quoted.map(formatQuote).join(' '), citedIndexes: [...new Set(quoted.map((q) => q.index))], sentences: quoted };
}

// A small vocabulary (stop words included) so questions and sentences share terms, tie and repeat.
const WORDS = [
  'solar',
  'panel',
  'panels',
  'battery',
  'grid',
  'warranty',
  'years',
  'watts',
  'roof',
  'the',
  'of',
  'is',
  'who',
  'what',
  "don't",
  'Solar',
];
const word = fc.constantFrom(...WORDS);
const sentence = fc.array(word, { minLength: 1, maxLength: 8 }).map((ws) => `${ws.join(' ')}.`);
const text = fc.array(sentence, { minLength: 1, maxLength: 6 }).map((ss) => ss.join(' '));
const question = fc.array(word, { minLength: 0, maxLength: 6 }).map((ws) => `${ws.join(' ')}?`);

describe('extractAnswer agrees with the reference implementation', () => {
  test('on generated questions and sources (shared, repeated and stop-word-only terms)', () => {
    fc.assert(
      fc.property(
        question,
        fc.array(text, { maxLength: 6 }),
        fc.option(fc.record({ maxSentences: fc.integer({ min: 1, max: 5 }), maxChars: fc.integer({ min: 10, max: 300 }) }), {
          nil: undefined,
        }),
        (q, texts, options) => {
          // Repeat a source now and then: identical chunks share one cached analysis.
          const sources = texts.map((t, i) => ({ index: i + 1, title: `s${i}`, text: i > 0 && i % 3 === 0 ? texts[0]! : t }));
          assert.deepEqual(extractAnswer(q, sources, options), reference(q, sources, options));
        },
      ),
      { numRuns: 500 },
    );
  });

  test('when several question terms first occur in the same sentence, in an order unlike the question', () => {
    const sources = [
      { index: 1, title: 'a', text: 'Warranty battery solar grid. Grid solar. Battery warranty years.' },
      { index: 2, title: 'b', text: 'Solar grid battery warranty watts. Watts roof.' },
    ];
    for (const q of ['solar grid battery warranty?', 'watts warranty solar?', 'roof years grid battery solar?']) {
      assert.deepEqual(extractAnswer(q, sources), reference(q, sources));
    }
  });
});

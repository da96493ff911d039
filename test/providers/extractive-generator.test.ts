import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { ExtractiveGenerator } from '../../src/providers/extractive/extractive-generator.js';
import {
  extractAnswer,
  NO_ANSWER_IN_SOURCES,
  NO_SOURCES_ANSWER,
  EXTRACTIVE_MAX_SENTENCES,
} from '../../src/providers/extractive/extract-answer.js';
import { generateText, type GenerateEvent, type GenerateSource } from '../../src/providers/generator.js';
import { isRagdError } from '../../src/errors/ragd-error.js';

const live = (): { signal: AbortSignal } => ({ signal: new AbortController().signal });

const sources: GenerateSource[] = [
  {
    index: 1,
    title: 'Solar power',
    text: 'Solar panels convert sunlight into electricity. A typical residential panel produces about 400 watts. Panels are often installed on roofs.',
  },
  {
    index: 2,
    title: 'Panel ageing',
    text: 'Most manufacturers offer a 25-year warranty. Solar panels degrade by roughly half a percent per year, so output falls slowly.',
  },
  { index: 3, title: 'Baking', text: 'Bread needs flour, water, salt and yeast. Knead the dough for ten minutes.' },
];

/** Splits an answer into `[sentence, index]` pairs using its citation markers. */
function quotes(answer: string): Array<[string, number]> {
  return [...answer.matchAll(/(.+?) \[(\d+)\](?: |$)/g)].map((m) => [m[1]!, Number(m[2])]);
}

describe('extractAnswer', () => {
  test('quotes source sentences verbatim with markers naming their source', () => {
    const { answer, citedIndexes, sentences } = extractAnswer(
      'How many watts does a solar panel produce, and how fast do panels degrade?',
      sources,
    );
    const parsed = quotes(answer);
    assert.ok(parsed.length >= 2 && parsed.length <= EXTRACTIVE_MAX_SENTENCES);
    for (const [text, index] of parsed) {
      const source = sources.find((s) => s.index === index)!;
      assert.ok(source.text.includes(text), `"${text}" is not in source ${index}`);
    }
    assert.deepEqual(
      parsed,
      sentences.map((s) => [s.text, s.index]),
    );
    assert.ok(answer.includes('A typical residential panel produces about 400 watts. [1]'));
    assert.ok(answer.includes('Solar panels degrade by roughly half a percent per year, so output falls slowly. [2]'));
    assert.deepEqual(citedIndexes, [1, 2]);
    assert.ok(!answer.includes('flour'));
  });

  test('presents sentences in source order, then position', () => {
    const { sentences } = extractAnswer('solar panels', sources);
    const order = sentences.map((s) => [s.index, sources[s.index - 1]!.text.indexOf(s.text)] as const);
    const sorted = [...order].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    assert.deepEqual(order, sorted);
  });

  test('prefers sentences with the rarer question terms', () => {
    const { sentences } = extractAnswer('What warranty do panels have?', sources, { maxSentences: 1 });
    assert.deepEqual(sentences, [{ text: 'Most manufacturers offer a 25-year warranty.', index: 2 }]);
  });

  test('quotes a sentence repeated by overlapping sources once', () => {
    const dup = [sources[0]!, { ...sources[0]!, index: 2 }];
    const { sentences } = extractAnswer('How many watts does a panel produce?', dup);
    const texts = sentences.map((s) => s.text);
    assert.equal(new Set(texts).size, texts.length);
  });

  test('answers with fixed sentences when nothing matches or nothing was found', () => {
    assert.deepEqual(extractAnswer('Who painted the Mona Lisa?', sources), {
      answer: NO_ANSWER_IN_SOURCES,
      citedIndexes: [],
      sentences: [],
    });
    assert.deepEqual(extractAnswer('Anything at all?', []), { answer: NO_SOURCES_ANSWER, citedIndexes: [], sentences: [] });
  });

  test('respects the sentence count and character budget', () => {
    const many: GenerateSource[] = [
      { index: 1, title: '', text: Array.from({ length: 10 }, (_, i) => `Solar fact number ${i} is here.`).join(' ') },
    ];
    assert.equal(extractAnswer('solar fact', many, { maxSentences: 2 }).sentences.length, 2);
    const budget = extractAnswer('solar fact', many, { maxSentences: 10, maxChars: 70 });
    assert.ok(budget.sentences.reduce((n, s) => n + s.text.length, 0) <= 70);
  });
});

describe('ExtractiveGenerator', () => {
  const generator = new ExtractiveGenerator();
  const request = { question: 'How many watts does a solar panel produce?', sources };

  test('identifies itself', () => {
    assert.equal(generator.kind, 'extractive');
    assert.equal(generator.model, 'extractive-v1');
  });

  test('streams one delta per quoted sentence that concatenate to the answer, without usage', async () => {
    const events: GenerateEvent[] = [];
    for await (const ev of generator.stream(request, live())) events.push(ev);
    assert.ok(events.length >= 1 && events.every((e) => e.type === 'delta'));
    const text = events.map((e) => (e.type === 'delta' ? e.text : '')).join('');
    assert.equal(text, extractAnswer(request.question, sources).answer);
    assert.equal(events.length, quotes(text).length);
    assert.deepEqual(await generateText(generator, request, live()), { text });
  });

  test('streams the fixed answer as a single delta', async () => {
    const events: GenerateEvent[] = [];
    for await (const ev of generator.stream({ question: 'anything?', sources: [] }, live())) events.push(ev);
    assert.deepEqual(events, [{ type: 'delta', text: NO_SOURCES_ANSWER }]);
  });

  test('throws when the signal is aborted', async () => {
    const ac = new AbortController();
    ac.abort();
    await assert.rejects(
      generateText(generator, request, { signal: ac.signal }),
      (err: unknown) => isRagdError(err) && err.code === 'RAGD_ERR_CLIENT_CLOSED',
    );
  });

  test('probe and close resolve', async () => {
    await generator.probe(live());
    await generator.close();
  });
});

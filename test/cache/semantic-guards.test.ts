import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { guardFeatures, guardMismatches, type GuardReason } from '../../src/cache/semantic-guards.js';

const mismatch = (a: string, b: string): GuardReason[] => guardMismatches(guardFeatures(a), guardFeatures(b));

describe('semantic guards', () => {
  test('the plain-ASCII pass extracts exactly what the general (NFKC + Unicode regex) path does', () => {
    // A trailing no-break space sends a text down the general path (it is not ASCII) without changing
    // its features: NFKC turns it into a space, which is no word, number, quote or sentence end.
    const general = (text: string) => guardFeatures(`${text}\u00a0`);
    const alphabet = [...'aeiouxyzAEIOUXYZ0123456789 .,!?;:-\'"()[]$%/\n', 'not', "n't", 'Paris', 'NASA', 'iPhone', 'two', 'first', 'What', 'The', "don't", 'dont', '1,000', '3.50', '2nd'];
    const texts = fc.array(fc.constantFrom(...alphabet), { maxLength: 30 }).map((parts) => parts.join(''));
    fc.assert(fc.property(texts, (text) => assert.deepEqual(guardFeatures(text), general(text), JSON.stringify(text))), { numRuns: 3_000 });
    for (const text of ["What's 1,000 in binary?", 'Define "vector search"', "Is it 'safe' in NYC? Paris isn't.", "it's Bob's 'Big Apple' trip", "'quoted'x 'a' b'c'd"]) {
      assert.deepEqual(guardFeatures(text), general(text), text);
    }
  });

  test('paraphrases pass', () => {
    const pairs: Array<[string, string]> = [
      ['What is the capital of France?', "what's the capital city of France"],
      ['How do I reset my password?', 'how can I reset my password'],
      ['Who founded Microsoft?', 'Microsoft founder?'],
      ['Population of Paris?', 'What is the population of Paris?'],
      ['Explain how HNSW works', 'How does HNSW work?'],
      ['Is it safe to take two aspirin?', 'is taking 2 aspirin safe'],
      ['Why is the sky blue?', 'why is the sky blue'],
      ["What's 1,000 in binary?", 'what is 1000 in binary'],
      ['Define "vector search"', 'What does "Vector Search" mean?'],
    ];
    for (const [a, b] of pairs) assert.deepEqual(mismatch(a, b), [], `${a} / ${b}`);
  });

  test('numbers must agree', () => {
    const pairs: Array<[string, string]> = [
      ['Top 5 laptops in 2023', 'Top 10 laptops in 2023'],
      ['What happened in 2019?', 'What happened in 2020?'],
      ['Is it safe to take two aspirin?', 'Is it safe to take three aspirin?'],
      ['Flights under $500', 'Flights under $300'],
      ['Who came first in the race?', 'Who came second in the race?'],
      ['Price of 3.5 kg', 'Price of 35 kg'],
      ['Price of the item', 'Price of 1 item'],
    ];
    for (const [a, b] of pairs) assert.ok(mismatch(a, b).includes('numbers'), `${a} / ${b}`);
  });

  test("words that name Object.prototype's members are words, not numbers", () => {
    for (const word of ['constructor', 'toString', 'valueOf', 'hasOwnProperty', '__proto__', 'isPrototypeOf']) {
      assert.deepEqual(guardFeatures(`What does the ${word} do?`).numbers, [], word);
      assert.deepEqual(mismatch(`What does the ${word} do?`, `what does ${word} do`), [], word);
    }
  });

  test('negations must agree', () => {
    const pairs: Array<[string, string]> = [
      ['Is aspirin safe during pregnancy?', 'Is aspirin not safe during pregnancy?'],
      ['Can I use this with Python?', "Can't I use this with Python?"],
      ['Can I use this with Python?', 'Cannot I use this with Python?'],
      ['Which foods have gluten?', 'Which foods have no gluten?'],
      ['Recipes with nuts', 'Recipes without nuts'],
      ['Does it ever crash?', 'Does it never crash?'],
      ['Who was invited?', 'Nobody was invited?'],
      ['I know something', 'I know nothing'],
      ['Either option works', 'Neither option works'],
      ['Does it work', 'Doesnt it work'],
      ['Is this allowed', 'Isn’t this allowed'],
    ];
    for (const [a, b] of pairs) assert.ok(mismatch(a, b).includes('negation'), `${a} / ${b}`);
  });

  test('named entities must agree', () => {
    const pairs: Array<[string, string]> = [
      ['Who is the CEO of Apple?', 'Who is the CEO of Google?'],
      ['Paris population?', 'Berlin population?'],
      ['What does NASA do?', 'What does ESA do?'],
      ['Define "machine learning"', 'Define "deep learning"'],
      ['Is the iPhone waterproof?', 'Is the phone waterproof?'],
      ['Is apple healthy?', 'Is Apple healthy?'],
      ['How do I install it on Ubuntu?', 'How do I install it on Fedora?'],
    ];
    for (const [a, b] of pairs) assert.ok(mismatch(a, b).includes('entities'), `${a} / ${b}`);
  });

  test('features are extracted as documented', () => {
    const f = guardFeatures('Compare GPT4 and "Llama 3" on the 2nd of May. Paris is not 1,000 km from Berlin; it isn’t.');
    assert.deepEqual(f.numbers, ['1000', '2nd', '3', '4'].sort());
    assert.equal(f.negations, 2);
    assert.deepEqual([...f.entities].sort(), ['berlin', 'gpt4', 'llama 3', 'may'].sort());
    assert.deepEqual([...f.tentative].sort(), ['paris']);
  });
});

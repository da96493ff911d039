import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { terms, words } from '../../src/text/tokenize.js';

describe('tokenize memo', () => {
  test('a short text gives the same tokens every time, as one frozen list that callers cannot change', () => {
    const q = 'What does the report say about Water’s data?';
    const first = words(q);
    assert.deepEqual(first, ['what', 'does', 'the', 'report', 'say', 'about', "water's", 'data']);
    assert.equal(words(q), first);
    assert.ok(Object.isFrozen(first));
    assert.throws(() => (first as string[]).push('x'));
    assert.deepEqual(terms(q), ['report', 'say', "water's", 'data']);
    assert.equal(terms(q), terms(q));
  });

  test('many distinct texts (more than the memo holds) still tokenise correctly', () => {
    for (let i = 0; i < 500; i++) assert.deepEqual(terms(`Question ${i} about solar panels`), ['question', String(i), 'solar', 'panels']);
    assert.deepEqual(terms('Question 0 about solar panels'), ['question', '0', 'solar', 'panels']);
  });

  test('long texts are tokenised afresh (not kept), same tokens', () => {
    const long = 'Solar panels produce power. '.repeat(20);
    assert.ok(long.length > 256);
    assert.notEqual(words(long), words(long));
    assert.deepEqual(words(long), words(long));
    assert.equal(Object.isFrozen(words(long)), false);
  });
});

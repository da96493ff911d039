import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { Bm25Index } from '../../src/store/lexical/bm25-index.js';
import { MAX_TERM_FREQUENCY, PostingsPool, newCursor } from '../../src/store/lexical/postings-pool.js';
import { isRagdError } from '../../src/errors/ragd-error.js';
import { terms } from '../../src/text/tokenize.js';

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ragd-bm25-'));
  dirs.push(dir);
  return dir;
}
after(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

/** The 3-document corpus whose scores are worked out by hand below. "at" is a stop word. */
function tiny(): Bm25Index {
  const index = new Bm25Index();
  index.add(10, 'cat sat mat');
  index.add(20, 'cat cat dog');
  index.add(30, 'dog barked loudly at night');
  return index;
}

function close(actual: number, expected: number, tolerance = 1e-5): void {
  assert.ok(Math.abs(actual - expected) <= tolerance, `expected ${expected}, got ${actual}`);
}

function sameHits(a: { label: number; score: number }[], b: { label: number; score: number }[]): void {
  assert.deepEqual(
    a.map((h) => h.label),
    b.map((h) => h.label),
  );
  a.forEach((h, i) => close(h.score, b[i]!.score));
}

/** Straightforward BM25 over arrays and maps: the reference the index must agree with. */
function referenceScores(docs: Map<number, string>, query: string, k1 = 0.9, b = 0.4): Map<number, number> {
  const tokenised = new Map([...docs].map(([label, text]) => [label, terms(text)]));
  const n = tokenised.size;
  const avgdl = [...tokenised.values()].reduce((s, t) => s + t.length, 0) / n;
  const out = new Map<number, number>();
  for (const q of terms(query)) {
    const df = [...tokenised.values()].filter((t) => t.includes(q)).length;
    if (df === 0) continue;
    const idf = Math.log(1 + (n - df + 0.5) / (df + 0.5));
    for (const [label, t] of tokenised) {
      const tf = t.filter((x) => x === q).length;
      if (tf === 0) continue;
      const s = (idf * tf * (k1 + 1)) / (tf + k1 * (1 - b + (b * t.length) / avgdl));
      out.set(label, (out.get(label) ?? 0) + s);
    }
  }
  return out;
}

describe('Bm25Index scoring', () => {
  test('matches scores computed by hand on a 3-document corpus', () => {
    // N = 3, avgdl = (3 + 3 + 4) / 3; idf(cat) = ln(1 + 1.5 / 2.5) = ln 1.6.
    // cat in d1: ln1.6 * 1 * 1.9 / (1 + 0.9 * (0.6 + 0.4 * 3 / (10/3))) = 0.479081
    const index = tiny();
    const cat = index.search('cat', 10);
    assert.deepEqual(
      cat.map((h) => h.label),
      [20, 10],
    );
    close(cat[0]!.score, 0.6236082);
    close(cat[1]!.score, 0.479081);

    const catDog = index.search('Cat DOG!', 10);
    assert.deepEqual(
      catDog.map((h) => h.label),
      [20, 10, 30],
    );
    close(catDog[0]!.score, 1.1026891);
    close(catDog[1]!.score, 0.479081);
    close(catDog[2]!.score, 0.4528433);

    close(index.search('night', 10)[0]!.score, 0.945018);
  });

  test('a repeated query term counts once per occurrence', () => {
    const index = tiny();
    close(index.search('night night', 1)[0]!.score, 2 * 0.945018);
  });

  test('stop words, unknown terms, k <= 0 and an empty index return nothing', () => {
    const index = tiny();
    assert.deepEqual(index.search('the at of', 10), []);
    assert.deepEqual(index.search('zebra', 10), []);
    assert.deepEqual(index.search('cat', 0), []);
    assert.deepEqual(new Bm25Index().search('cat', 5), []);
  });

  test('k limits the results and equal scores are ordered by label', () => {
    const index = new Bm25Index();
    for (const label of [7, 3, 9, 1]) index.add(label, 'same words here');
    assert.deepEqual(
      index.search('words', 3).map((h) => h.label),
      [1, 3, 7],
    );
  });

  test('k1 and b are configurable and validated', () => {
    const index = new Bm25Index({ k1: 1.2, b: 0.75 });
    index.add(1, 'alpha beta');
    index.add(2, 'alpha gamma delta');
    const expected = referenceScores(
      new Map([
        [1, 'alpha beta'],
        [2, 'alpha gamma delta'],
      ]),
      'alpha',
      1.2,
      0.75,
    );
    for (const hit of index.search('alpha', 5)) close(hit.score, expected.get(hit.label)!);
    assert.throws(() => new Bm25Index({ k1: -1 }), (err) => isRagdError(err) && err.code === 'RAGD_ERR_CONFIG');
    assert.throws(() => new Bm25Index({ b: 1.5 }), (err) => isRagdError(err) && err.code === 'RAGD_ERR_CONFIG');
  });
});

describe('Bm25Index removal', () => {
  test('remove updates N, avgdl and df so scores equal a fresh index; re-add restores them', () => {
    const index = tiny();
    const before = index.search('cat dog', 10);
    index.remove(20);
    assert.equal(index.size(), 2);
    assert.equal(index.has(20), false);
    // N = 2, avgdl = 3.5, df(cat) = df(dog) = 1.
    const hits = index.search('cat dog', 10);
    assert.deepEqual(
      hits.map((h) => h.label),
      [10, 30],
    );
    close(hits[0]!.score, 0.712431);
    close(hits[1]!.score, 0.6748798);
    index.remove(20);
    index.remove(999);
    assert.equal(index.size(), 2);

    index.add(20, 'cat cat dog');
    sameHits(index.search('cat dog', 10), before);
  });

  test('adding an existing label replaces its text', () => {
    const index = tiny();
    index.add(20, 'parrot');
    assert.equal(index.size(), 3);
    assert.deepEqual(
      index.search('cat', 10).map((h) => h.label),
      [10],
    );
    assert.deepEqual(
      index.search('parrot', 10).map((h) => h.label),
      [20],
    );
  });

  test('compaction after many removals keeps results identical to a fresh build', () => {
    const words = ['apple', 'banana', 'cherry', 'date', 'elder', 'fig', 'grape', 'honeydew'];
    const text = (i: number): string => `${words[i % 8]} ${words[(i * 3) % 8]} ${words[(i * 5) % 8]} item${i % 50}`;
    const index = new Bm25Index();
    const kept = new Bm25Index();
    for (let i = 0; i < 3000; i++) index.add(i, text(i));
    // Removing 2,000 of 3,000 passes both compaction thresholds, so postings are compacted mid-way.
    for (let i = 0; i < 3000; i++) {
      if (i % 3 === 0) kept.add(i, text(i));
      else index.remove(i);
    }
    assert.equal(index.size(), 1000);
    for (const q of ['apple fig', 'item7 cherry', 'honeydew grape date', 'item49']) sameHits(index.search(q, 25), kept.search(q, 25));
    index.add(5000, 'apple unique');
    assert.equal(index.search('unique', 5)[0]!.label, 5000);
  });

  test('clear empties the index', () => {
    const index = tiny();
    index.clear();
    assert.equal(index.size(), 0);
    assert.equal(index.has(10), false);
    assert.deepEqual(index.search('cat', 5), []);
    index.add(1, 'cat');
    assert.equal(index.search('cat', 5)[0]!.label, 1);
  });

  test('agrees with a reference BM25 under random adds and removes', () => {
    const vocab = ['red', 'green', 'blue', 'cyan', 'teal', 'gold', 'jade', 'rose'];
    const op = fc.oneof(
      fc.record({ kind: fc.constant('add' as const), label: fc.integer({ min: 0, max: 15 }), words: fc.array(fc.constantFrom(...vocab), { minLength: 1, maxLength: 8 }) }),
      fc.record({ kind: fc.constant('remove' as const), label: fc.integer({ min: 0, max: 15 }) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), fc.array(fc.constantFrom(...vocab), { minLength: 1, maxLength: 3 }), fc.uniqueArray(fc.integer({ min: 0, max: 20 })), (ops, queryWords, allowed) => {
        const index = new Bm25Index();
        const docs = new Map<number, string>();
        for (const o of ops) {
          if (o.kind === 'add') {
            index.add(o.label, o.words.join(' '));
            docs.set(o.label, o.words.join(' '));
          } else {
            index.remove(o.label);
            docs.delete(o.label);
          }
        }
        assert.equal(index.size(), docs.size);
        const query = queryWords.join(' ');
        const expected = docs.size === 0 ? new Map<number, number>() : referenceScores(docs, query);
        const hits = index.search(query, 100);
        assert.equal(hits.length, expected.size);
        for (const hit of hits) close(hit.score, expected.get(hit.label)!, 1e-4);
        // Small allow sets take the slot-mask path, large ones the late filter: both must agree.
        const allow = new Set(allowed);
        sameHits(
          index.search(query, 100, { allow }),
          hits.filter((h) => allow.has(h.label)),
        );
      }),
      { numRuns: 200 },
    );
  });
});

describe('Bm25Index allow filter', () => {
  test('returns only allowed labels with unchanged scores', () => {
    const index = tiny();
    const all = index.search('cat dog', 10);
    const hits = index.search('cat dog', 10, { allow: new Set([30, 10, 77]) });
    assert.deepEqual(
      hits.map((h) => h.label),
      [10, 30],
    );
    close(hits[0]!.score, all.find((h) => h.label === 10)!.score);
    assert.deepEqual(index.search('cat', 10, { allow: new Set() }), []);
    assert.deepEqual(index.search('cat', 10, { allow: new Set([30]) }), []);
  });

  test('fills k from allowed labels even when better disallowed ones exist', () => {
    const index = new Bm25Index();
    for (let i = 0; i < 200; i++) index.add(i, i % 2 === 0 ? 'topic topic topic' : 'topic filler words here');
    const allow = new Set([1, 3, 5, 7, 9, 11]);
    const hits = index.search('topic', 4, { allow });
    assert.deepEqual(
      hits.map((h) => h.label),
      [1, 3, 5, 7],
    );
  });
});

describe('Bm25Index snapshots', () => {
  test('save then load gives identical results, including after removals', async () => {
    const dir = await tempDir();
    const index = new Bm25Index();
    for (let i = 0; i < 500; i++) index.add(i * 7, `doc ${i} word${i % 13} shared ${i % 2 === 0 ? 'even' : 'odd'} Ünïcödé café`);
    for (let i = 0; i < 500; i += 5) index.remove(i * 7);
    const path = join(dir, 'lexical.bm25');
    await index.save(path);
    const loaded = await Bm25Index.load(path);
    assert.equal(loaded.size(), index.size());
    assert.equal(loaded.has(7), true);
    assert.equal(loaded.has(0), false);
    for (const q of ['word3 even', 'shared', 'odd word12', 'café', 'ünïcödé 17']) sameHits(loaded.search(q, 20), index.search(q, 20));
    // The loaded index keeps working.
    loaded.add(1_000_000, 'brand new word3');
    assert.equal(loaded.search('brand', 1)[0]!.label, 1_000_000);
    // No temp files are left behind.
    assert.deepEqual(await readdir(dir), ['lexical.bm25']);
  });

  test('an empty index round-trips', async () => {
    const path = join(await tempDir(), 'empty.bm25');
    await new Bm25Index().save(path);
    const loaded = await Bm25Index.load(path);
    assert.equal(loaded.size(), 0);
    assert.deepEqual(loaded.search('anything', 3), []);
  });

  test('corrupt, truncated and foreign files are rejected with a clear error', async () => {
    const dir = await tempDir();
    const path = join(dir, 'lexical.bm25');
    await tiny().save(path);
    const good = await readFile(path);
    const isCorrupt = (err: unknown): boolean =>
      isRagdError(err) && err.code === 'RAGD_ERR_INTERNAL' && err.details?.reason === 'lexical-index-corrupt' && err.message.includes(path);

    const flipped = Buffer.from(good);
    flipped[Math.floor(flipped.length / 2)]! ^= 0x40;
    await writeFile(path, flipped);
    await assert.rejects(Bm25Index.load(path), isCorrupt);

    await writeFile(path, good.subarray(0, good.length - 9));
    await assert.rejects(Bm25Index.load(path), isCorrupt);

    await writeFile(path, Buffer.from('definitely not an index, just some text'));
    await assert.rejects(Bm25Index.load(path), isCorrupt);

    const newer = Buffer.from(good);
    newer.writeUInt32LE(99, 8);
    await writeFile(path, newer);
    await assert.rejects(Bm25Index.load(path), (err) => isCorrupt(err) && (err as Error).message.includes('version 99'));

    await assert.rejects(Bm25Index.load(join(dir, 'missing.bm25')), { code: 'ENOENT' });
  });
});

describe('PostingsPool', () => {
  function collect(pool: PostingsPool, termId: number): [number[], number[]] {
    const cursor = newCursor();
    const slots: number[] = [];
    const tfs: number[] = [];
    for (let ok = pool.open(termId, cursor); ok; ok = pool.advance(termId, cursor)) {
      for (let i = cursor.start; i < cursor.end; i++) {
        slots.push(cursor.slots[i]!);
        tfs.push(cursor.tfs[i]!);
      }
    }
    return [slots, tfs];
  }

  test('appended postings come back in order across growing blocks and pages', () => {
    const pool = new PostingsPool();
    const expected: [number[], number[]][] = [
      [[], []],
      [[], []],
      [[], []],
    ];
    for (let i = 0; i < 150_000; i++) {
      const term = i % 7 === 0 ? 0 : i % 7 < 3 ? 1 : 2;
      const tf = (i % 5) + 1;
      pool.append(term, i, tf);
      expected[term]![0].push(i);
      expected[term]![1].push(tf);
    }
    pool.append(1, 150_000, 100_000);
    expected[1]![0].push(150_000);
    expected[1]![1].push(MAX_TERM_FREQUENCY);
    for (let t = 0; t < 3; t++) {
      assert.deepEqual(collect(pool, t), expected[t]);
      assert.equal(pool.count(t), expected[t]![0].length);
    }
    assert.equal(collect(pool, 3)[0].length, 0);
  });

  test('runs longer than a page are split into blocks without losing postings', () => {
    const pool = new PostingsPool();
    const n = 200_000;
    const slots = Uint32Array.from({ length: n }, (_, i) => i * 3);
    const tfs = Uint16Array.from({ length: n }, (_, i) => (i % 9) + 1);
    pool.appendRun(0, slots, tfs, 0, 10);
    pool.appendRun(1, slots, tfs, 10, n);
    pool.append(2, 7, 1);
    pool.append(1, 999_999, 4);
    assert.deepEqual(collect(pool, 0), [Array.from(slots.subarray(0, 10)), Array.from(tfs.subarray(0, 10))]);
    assert.deepEqual(collect(pool, 1), [[...slots.subarray(10), 999_999], [...tfs.subarray(10), 4]]);
    assert.deepEqual(collect(pool, 2), [[7], [1]]);
    assert.throws(() => pool.appendRun(2, slots, tfs, 0, 1));
    // A page-sized run as the very first allocation (page 0 starts after the null address).
    const fresh = new PostingsPool();
    fresh.appendRun(0, slots, tfs, 0, 70_000);
    assert.deepEqual(collect(fresh, 0), [Array.from(slots.subarray(0, 70_000)), Array.from(tfs.subarray(0, 70_000))]);
    assert.throws(() => pool.append(9, 1, 1));
  });
});

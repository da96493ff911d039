// BEIR loaders: streaming, header detection, and errors naming file and line.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beirPaths, loadQueries, readCorpus, readQrels, type BeirDocument } from '../../src/eval/beir.js';
import { isRagdError } from '../../src/errors/ragd-error.js';

let dir: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ragd-beir-'));
  await mkdir(join(dir, 'qrels'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function file(name: string, text: string): Promise<string> {
  const p = join(dir, name);
  await writeFile(p, text);
  return p;
}

async function collect(file: string): Promise<BeirDocument[]> {
  const out: BeirDocument[] = [];
  for await (const d of readCorpus(file)) out.push(d);
  return out;
}

/** Asserts a RagdError with `code` whose message names `file:line`. */
async function rejectsAt(promise: Promise<unknown>, code: string, where: string): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(isRagdError(err), `expected a RagdError, got ${String(err)}`);
    assert.equal(err.code, code);
    assert.ok(err.message.includes(where), `"${err.message}" should name ${where}`);
    return true;
  });
}

describe('readCorpus', () => {
  test('reads documents line by line: BOM, CRLF, blank lines, numeric ids, optional title and metadata', async () => {
    const p = await file(
      'corpus.jsonl',
      '\uFEFF{"_id":"d1","title":"One","text":"first","metadata":{"url":"x"}}\r\n' + '\n' + '{"_id":2,"text":"second"}\n',
    );
    assert.deepEqual(await collect(p), [
      { id: 'd1', title: 'One', text: 'first', metadata: { url: 'x' } },
      { id: '2', title: '', text: 'second', metadata: {} },
    ]);
  });

  test('bad lines fail with file and line number', async () => {
    const bad = await file('bad-json.jsonl', '{"_id":"a","text":"ok"}\n{"_id":"b","text":\n');
    await rejectsAt(collect(bad), 'RAGD_ERR_VALIDATION', 'bad-json.jsonl:2: invalid JSON');
    const noText = await file('no-text.jsonl', '\n\n{"_id":"a"}\n');
    await rejectsAt(collect(noText), 'RAGD_ERR_VALIDATION', 'no-text.jsonl:3: "text"');
    const noId = await file('no-id.jsonl', '{"text":"x"}\n');
    await rejectsAt(collect(noId), 'RAGD_ERR_VALIDATION', 'no-id.jsonl:1: "_id"');
    const arr = await file('array.jsonl', '[1,2]\n');
    await rejectsAt(collect(arr), 'RAGD_ERR_VALIDATION', 'array.jsonl:1: expected a JSON object');
    const meta = await file('meta.jsonl', '{"_id":"a","text":"x","metadata":"no"}\n');
    await rejectsAt(collect(meta), 'RAGD_ERR_VALIDATION', 'meta.jsonl:1: "metadata"');
  });

  test('a missing file is RAGD_ERR_NOT_FOUND naming the path', async () => {
    await rejectsAt(collect(join(dir, 'nope.jsonl')), 'RAGD_ERR_NOT_FOUND', 'nope.jsonl');
  });
});

describe('loadQueries', () => {
  test('reads queries in file order', async () => {
    const p = await file('queries.jsonl', '{"_id":"q1","text":"alpha","metadata":{}}\n{"_id":"q2","text":"beta"}\n');
    assert.deepEqual(
      (await loadQueries(p)).map((q) => [q.id, q.text]),
      [
        ['q1', 'alpha'],
        ['q2', 'beta'],
      ],
    );
  });
});

describe('readQrels', () => {
  const expected = new Map([
    [
      'q1',
      new Map([
        ['d1', 2],
        ['d2', 0],
      ]),
    ],
    ['q2', new Map([['d3', 1]])],
  ]);

  test('with a header row', async () => {
    const p = await file('qrels/test.tsv', 'query-id\tcorpus-id\tscore\nq1\td1\t2\nq1\td2\t0\nq2\td3\t1\n');
    assert.deepEqual(await readQrels(p), expected);
  });

  test('without a header row, with CRLF and a trailing blank line', async () => {
    const p = await file('qrels/plain.tsv', 'q1\td1\t2\r\nq1\td2\t0\r\nq2\td3\t1\r\n\r\n');
    assert.deepEqual(await readQrels(p), expected);
  });

  test('four-column TREC form', async () => {
    const p = await file('qrels/trec.tsv', 'q1\t0\td1\t2\nq1\t0\td2\t0\nq2\t0\td3\t1\n');
    assert.deepEqual(await readQrels(p), expected);
  });

  test('bad lines fail with file and line number', async () => {
    const grade = await file('qrels/bad-grade.tsv', 'q1\td1\t1\nq1\td2\thigh\n');
    await rejectsAt(readQrels(grade), 'RAGD_ERR_VALIDATION', 'bad-grade.tsv:2: grade must be an integer');
    const fields = await file('qrels/bad-fields.tsv', 'q1\td1\t1\nq1 d2 1\n');
    await rejectsAt(readQrels(fields), 'RAGD_ERR_VALIDATION', 'bad-fields.tsv:2: expected 3 tab-separated fields');
    const dup = await file('qrels/dup.tsv', 'q1\td1\t1\nq1\td1\t2\n');
    await rejectsAt(readQrels(dup), 'RAGD_ERR_VALIDATION', 'dup.tsv:2: duplicate judgment');
  });

  test('beirPaths points at the standard layout', () => {
    assert.deepEqual(beirPaths('/data/x', 'dev'), {
      corpus: join('/data/x', 'corpus.jsonl'),
      queries: join('/data/x', 'queries.jsonl'),
      qrels: join('/data/x', 'qrels', 'dev.tsv'),
    });
  });
});

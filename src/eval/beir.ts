/**
 * Readers for a dataset in the BEIR layout (https://github.com/beir-cellar/beir):
 * `corpus.jsonl`, `queries.jsonl` and `qrels/<split>.tsv`. Files are read line by line, so a
 * corpus of millions of passages never sits in memory at once; a bad line fails loudly with the
 * file and line number instead of being skipped, because a silently shorter dataset skews scores.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { RagdError } from '../errors/ragd-error.js';

/** A corpus entry: `{"_id", "title", "text", "metadata"}`; title and metadata are optional. */
export interface BeirDocument {
  readonly id: string;
  readonly title: string;
  readonly text: string;
  readonly metadata: Readonly<Record<string, unknown>>;
}

/** A query: `{"_id", "text", "metadata"}`; metadata is optional. */
export interface BeirQuery {
  readonly id: string;
  readonly text: string;
  readonly metadata: Readonly<Record<string, unknown>>;
}

/** Where the three files of a BEIR dataset live. */
export interface BeirPaths {
  readonly corpus: string;
  readonly queries: string;
  readonly qrels: string;
}

/** The standard file locations inside a BEIR dataset folder; `split` defaults to `test`. */
export function beirPaths(datasetDir: string, split = 'test'): BeirPaths {
  return {
    corpus: join(datasetDir, 'corpus.jsonl'),
    queries: join(datasetDir, 'queries.jsonl'),
    qrels: join(datasetDir, 'qrels', `${split}.tsv`),
  };
}

/**
 * Streams the corpus, one document per non-empty line.
 * Throws RagdError `RAGD_ERR_NOT_FOUND` when the file is missing and `RAGD_ERR_VALIDATION`
 * (details `{ file, line }`) for a line that is not a JSON object with a string `_id` and `text`.
 */
export async function* readCorpus(file: string): AsyncGenerator<BeirDocument> {
  for await (const { line, value } of readJsonLines(file)) {
    const title = value['title'] ?? '';
    if (typeof title !== 'string') throw badLine(file, line, '"title" must be a string');
    yield { id: readId(file, line, value), title, text: readText(file, line, value), metadata: readMetadata(file, line, value) };
  }
}

/** Streams the queries, one per non-empty line; errors as for `readCorpus`. */
export async function* readQueries(file: string): AsyncGenerator<BeirQuery> {
  for await (const { line, value } of readJsonLines(file)) {
    yield { id: readId(file, line, value), text: readText(file, line, value), metadata: readMetadata(file, line, value) };
  }
}

/** Reads every query into memory (query files are small), in file order. */
export async function loadQueries(file: string): Promise<BeirQuery[]> {
  const out: BeirQuery[] = [];
  for await (const q of readQueries(file)) out.push(q);
  return out;
}

/**
 * Reads relevance judgments: `query-id TAB corpus-id TAB grade` (BEIR), or the four-column TREC
 * form `query-id TAB iteration TAB corpus-id TAB grade`. A first line whose grade is not an
 * integer is taken as a header row (BEIR files usually have `query-id corpus-id score`; some
 * have none). Grades are integers; 0 means judged not relevant.
 * Throws RagdError `RAGD_ERR_VALIDATION` (details `{ file, line }`) for a malformed line or a
 * second judgment of the same (query, document) pair, which trec_eval rejects as well.
 */
export async function readQrels(file: string): Promise<Map<string, Map<string, number>>> {
  const qrels = new Map<string, Map<string, number>>();
  let first = true;
  for await (const { line, text } of readLines(file)) {
    if (text.trim() === '') continue;
    const fields = text.split('\t').map((f) => f.trim());
    const isFirst = first;
    first = false;
    if (fields.length !== 3 && fields.length !== 4) {
      throw badLine(file, line, `expected 3 tab-separated fields (query-id, corpus-id, grade), found ${fields.length}`);
    }
    const queryId = fields[0];
    const docId = fields.length === 3 ? fields[1] : fields[2];
    const gradeText = fields[fields.length - 1];
    if (!/^-?\d+$/.test(gradeText)) {
      if (isFirst) continue;
      throw badLine(file, line, `grade must be an integer, found ${JSON.stringify(gradeText)}`);
    }
    if (!queryId || !docId) throw badLine(file, line, 'query-id and corpus-id must not be empty');
    let judgments = qrels.get(queryId);
    if (!judgments) qrels.set(queryId, (judgments = new Map()));
    if (judgments.has(docId)) throw badLine(file, line, `duplicate judgment for query ${queryId}, document ${docId}`);
    judgments.set(docId, Number(gradeText));
  }
  return qrels;
}

async function* readLines(file: string): AsyncGenerator<{ line: number; text: string }> {
  try {
    const s = await stat(file);
    if (!s.isFile()) throw new Error('not a file');
  } catch (cause) {
    throw new RagdError('RAGD_ERR_NOT_FOUND', `dataset file not found: ${file}`, { details: { file }, cause });
  }
  const input = createReadStream(file, { encoding: 'utf8' });
  const lines = createInterface({ input, crlfDelay: Infinity });
  let line = 0;
  try {
    for await (const raw of lines) {
      line++;
      // A UTF-8 byte-order mark on the first line is not part of the data.
      yield { line, text: line === 1 ? raw.replace(/^\uFEFF/, '') : raw };
    }
  } finally {
    lines.close();
    input.destroy();
  }
}

async function* readJsonLines(file: string): AsyncGenerator<{ line: number; value: Record<string, unknown> }> {
  for await (const { line, text } of readLines(file)) {
    if (text.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      throw badLine(file, line, `invalid JSON (${(err as Error).message})`);
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw badLine(file, line, 'expected a JSON object');
    yield { line, value: value as Record<string, unknown> };
  }
}

function readId(file: string, line: number, value: Record<string, unknown>): string {
  const id = value['_id'];
  // Some BEIR exports write numeric ids; they are identifiers, so keep their digits as text.
  if (typeof id === 'number' && Number.isFinite(id)) return String(id);
  if (typeof id !== 'string' || id === '') throw badLine(file, line, '"_id" must be a non-empty string');
  return id;
}

function readText(file: string, line: number, value: Record<string, unknown>): string {
  const text = value['text'];
  if (typeof text !== 'string') throw badLine(file, line, '"text" must be a string');
  return text;
}

function readMetadata(file: string, line: number, value: Record<string, unknown>): Record<string, unknown> {
  const metadata = value['metadata'] ?? {};
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
    throw badLine(file, line, '"metadata" must be a JSON object');
  }
  return metadata as Record<string, unknown>;
}

function badLine(file: string, line: number, reason: string): RagdError {
  return new RagdError('RAGD_ERR_VALIDATION', `${file}:${line}: ${reason}`, { details: { file, line } });
}

/**
 * Runs a retrieval evaluation over a BEIR dataset: ingest the corpus, run every judged query in
 * each search mode, score with trec_eval definitions and time each search. Transport-agnostic:
 * the caller supplies `ingest` and `search` (over HTTP, see http-adapter.ts, or in-process).
 */
import { performance } from 'node:perf_hooks';
import { RagdError } from '../errors/ragd-error.js';
import { beirPaths, loadQueries, readCorpus, readQrels, type BeirDocument } from './beir.js';
import { evaluateRun, type RankedDoc } from './ir-metrics.js';
import { percentiles } from './percentile.js';
import { formatTable } from './text-table.js';

/** Documents per `ingest` call: 100 MS MARCO passages are ~40 KB, far below ragd's 10 MB body limit. */
export const DEFAULT_INGEST_BATCH = 100;
/** Results asked of `search`: 100 is the deepest cut-off reported (Recall@100). */
export const DEFAULT_EVAL_DEPTH = 100;

/** Returns documents (not chunks: see `collapseToDocuments`), best first, at most `topK`. */
export type SearchFn<M extends string> = (query: string, mode: M, topK: number) => Promise<readonly RankedDoc[]>;
/** Stores a batch of corpus documents; must keep `id` as the document id search returns. */
export type IngestFn = (docs: readonly BeirDocument[]) => Promise<void>;

/** Progress of a run, reported after each ingest batch and each query. */
export type EvalProgress =
  | { readonly phase: 'ingest'; readonly documents: number }
  | { readonly phase: 'search'; readonly mode: string; readonly done: number; readonly total: number };

export interface RunEvalOptions<M extends string> {
  /** Folder holding corpus.jsonl, queries.jsonl and qrels/<split>.tsv. */
  readonly datasetDir: string;
  /** Search modes to evaluate, e.g. `['lexical', 'vector', 'hybrid']`. */
  readonly modes: readonly M[];
  /** topK asked of `search`. Defaults to 100; metrics at deeper cut-offs only see `k` results. */
  readonly k?: number;
  readonly search: SearchFn<M>;
  /** Omit to evaluate a collection that already holds the corpus. */
  readonly ingest?: IngestFn;
  /** Qrels split, i.e. `qrels/<split>.tsv`. Defaults to `test`. */
  readonly split?: string;
  /** Documents per ingest call. Defaults to 100. */
  readonly batchSize?: number;
  readonly onProgress?: (event: EvalProgress) => void;
  /** Clock in milliseconds, injectable for tests. Defaults to `performance.now`. */
  readonly now?: () => number;
}

/** Figures of one search mode. Metrics average over the queries with a positive judgment. */
export interface ModeSummary {
  readonly mode: string;
  readonly ndcg10: number;
  readonly recall10: number;
  readonly recall100: number;
  readonly mrr10: number;
  /** Queries scored (those with at least one positive judgment). */
  readonly queries: number;
  /** Queries searched (every query in the qrels split); latency covers all of them. */
  readonly searched: number;
  readonly latencyMs: { readonly p50: number; readonly p95: number; readonly p99: number };
}

/** One query in one mode. Metrics are `null` for a query without positive judgments. */
export interface QueryRow {
  readonly mode: string;
  readonly queryId: string;
  readonly ndcg10: number | null;
  readonly recall10: number | null;
  readonly recall100: number | null;
  readonly mrr10: number | null;
  readonly returned: number;
  readonly latencyMs: number;
}

export interface EvalResult {
  readonly datasetDir: string;
  readonly split: string;
  readonly k: number;
  /** Documents ingested by this run (0 when `ingest` was omitted). */
  readonly documents: number;
  readonly ingestMs: number;
  /** Query ids excluded from every average because none of their judgments is positive. */
  readonly excludedQueries: readonly string[];
  readonly modes: readonly ModeSummary[];
  readonly perQuery: readonly QueryRow[];
}

/**
 * Ingests the corpus (streamed, in batches), then runs each query of the qrels split once per
 * mode, one at a time so latencies are not inflated by self-contention.
 * Throws RagdError `RAGD_ERR_VALIDATION` when the qrels name a query missing from queries.jsonl,
 * plus whatever the dataset readers, `ingest` or `search` throw.
 */
export async function runEval<M extends string>(options: RunEvalOptions<M>): Promise<EvalResult> {
  const { datasetDir, modes, search, ingest, onProgress } = options;
  const k = options.k ?? DEFAULT_EVAL_DEPTH;
  const split = options.split ?? 'test';
  const batchSize = options.batchSize ?? DEFAULT_INGEST_BATCH;
  const now = options.now ?? (() => performance.now());
  const paths = beirPaths(datasetDir, split);

  const qrels = await readQrels(paths.qrels);
  const queryText = new Map((await loadQueries(paths.queries)).map((q) => [q.id, q.text]));
  for (const queryId of qrels.keys()) {
    if (!queryText.has(queryId)) {
      throw new RagdError('RAGD_ERR_VALIDATION', `${paths.qrels}: query ${queryId} is not in ${paths.queries}`, {
        details: { file: paths.qrels, queryId },
      });
    }
  }

  let documents = 0;
  const ingestStart = now();
  if (ingest) {
    let batch: BeirDocument[] = [];
    for await (const doc of readCorpus(paths.corpus)) {
      batch.push(doc);
      if (batch.length >= batchSize) {
        await ingest(batch);
        documents += batch.length;
        batch = [];
        onProgress?.({ phase: 'ingest', documents });
      }
    }
    if (batch.length > 0) {
      await ingest(batch);
      documents += batch.length;
      onProgress?.({ phase: 'ingest', documents });
    }
  }
  const ingestMs = ingest ? now() - ingestStart : 0;

  const summaries: ModeSummary[] = [];
  const perQuery: QueryRow[] = [];
  let excludedQueries: readonly string[] = [];
  for (const mode of modes) {
    const run = new Map<string, readonly RankedDoc[]>();
    const latency = new Map<string, number>();
    let done = 0;
    for (const queryId of qrels.keys()) {
      const start = now();
      const ranked = await search(queryText.get(queryId) ?? '', mode, k);
      latency.set(queryId, now() - start);
      run.set(queryId, ranked);
      onProgress?.({ phase: 'search', mode, done: ++done, total: qrels.size });
    }
    const scored = evaluateRun(run, qrels);
    excludedQueries = scored.excluded;
    const [p50, p95, p99] = percentiles([...latency.values()], [50, 95, 99]);
    summaries.push({
      mode,
      ndcg10: scored.mean['ndcg@10'] ?? 0,
      recall10: scored.mean['recall@10'] ?? 0,
      recall100: scored.mean['recall@100'] ?? 0,
      mrr10: scored.mean['mrr@10'] ?? 0,
      queries: scored.queries,
      searched: run.size,
      latencyMs: { p50, p95, p99 },
    });
    for (const [queryId, ranked] of run) {
      const s = scored.perQuery.get(queryId);
      perQuery.push({
        mode,
        queryId,
        ndcg10: s?.['ndcg@10'] ?? null,
        recall10: s?.['recall@10'] ?? null,
        recall100: s?.['recall@100'] ?? null,
        mrr10: s?.['mrr@10'] ?? null,
        returned: ranked.length,
        latencyMs: latency.get(queryId) ?? 0,
      });
    }
  }
  return { datasetDir, split, k, documents, ingestMs, excludedQueries, modes: summaries, perQuery };
}

/**
 * The per-mode summary as a terminal table, with a line naming the dataset and how many queries
 * were scored and excluded.
 */
export function formatEvalTable(result: EvalResult): string {
  const f4 = (x: number): string => x.toFixed(4);
  const ms = (x: number): string => x.toFixed(1);
  const scored = result.modes[0]?.queries ?? 0;
  const head =
    `${result.datasetDir} (${result.split}): ${scored} queries scored, ` +
    `${result.excludedQueries.length} without a positive judgment excluded; topK ${result.k}` +
    (result.documents > 0 ? `; ${result.documents} documents ingested in ${(result.ingestMs / 1000).toFixed(1)} s` : '');
  const table = formatTable(
    ['mode', 'nDCG@10', 'R@10', 'R@100', 'MRR@10', 'queries', 'p50 ms', 'p95 ms', 'p99 ms'],
    result.modes.map((m) => [
      m.mode,
      f4(m.ndcg10),
      f4(m.recall10),
      f4(m.recall100),
      f4(m.mrr10),
      String(m.queries),
      ms(m.latencyMs.p50),
      ms(m.latencyMs.p95),
      ms(m.latencyMs.p99),
    ]),
  );
  return `${head}\n${table}`;
}

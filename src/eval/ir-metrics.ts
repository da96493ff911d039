/**
 * Retrieval metrics with trec_eval's definitions, so ragd's figures can be compared with published
 * BEIR/MS MARCO numbers: nDCG@k (linear gain), Recall@k and MRR@k (reciprocal rank of the first
 * relevant document within k). The formulas follow trec_eval 9.x (`m_ndcg_cut.c`, `m_recall.c`,
 * `m_recip_rank.c`), which pytrec_eval and BEIR's evaluator wrap.
 */

/** One retrieved document and the score the system gave it. */
export interface RankedDoc {
  readonly docId: string;
  readonly score: number;
}

/** Relevance judgments of one query: document id -> grade (0 = judged not relevant). */
export type Judgments = ReadonlyMap<string, number>;

/** Judgments of every query: query id -> judgments. */
export type Qrels = ReadonlyMap<string, Judgments>;

/** Metric cut-offs to compute; each name becomes a key such as `ndcg@10`. */
export interface MetricCutoffs {
  readonly ndcg: readonly number[];
  readonly recall: readonly number[];
  readonly mrr: readonly number[];
}

/** nDCG@10, Recall@10, Recall@100 and MRR@10: the usual BEIR/MS MARCO report. */
export const DEFAULT_CUTOFFS: MetricCutoffs = { ndcg: [10], recall: [10, 100], mrr: [10] };

/** Averages over the scored queries plus each query's own figures. */
export interface RunEvaluation {
  /** Queries that have at least one positive judgment: the denominator of every average. */
  readonly queries: number;
  /** Query ids skipped because none of their judgments is positive (nothing can be found). */
  readonly excluded: readonly string[];
  /** Arithmetic mean over scored queries, keyed `ndcg@10`, `recall@100`, `mrr@10`, ... */
  readonly mean: Readonly<Record<string, number>>;
  /** Per-query figures with the same keys as `mean`. */
  readonly perQuery: ReadonlyMap<string, Readonly<Record<string, number>>>;
}

/**
 * Orders a ranking exactly as trec_eval does before scoring: by score descending, ties broken by
 * document id descending (plain code-unit string comparison, like C `strcmp` on ASCII ids).
 * The order the system returned is ignored, as trec_eval ignores the rank column of a run.
 * Throws `RangeError` on a NaN score (it has no place in the order) or a duplicate document id
 * (trec_eval refuses those too; collapse chunks to documents first, see `collapseToDocuments`).
 */
export function trecOrder(ranked: readonly RankedDoc[]): RankedDoc[] {
  const seen = new Set<string>();
  for (const r of ranked) {
    if (Number.isNaN(r.score)) throw new RangeError(`document ${r.docId} has a NaN score`);
    if (seen.has(r.docId)) throw new RangeError(`document ${r.docId} appears twice in one ranking`);
    seen.add(r.docId);
  }
  return [...ranked].sort((a, b) => {
    if (a.score !== b.score) return b.score - a.score;
    return a.docId < b.docId ? 1 : a.docId > b.docId ? -1 : 0;
  });
}

/** Number of judgments with grade > 0 (what trec_eval calls `num_rel`). */
export function countRelevant(judgments: Judgments): number {
  let n = 0;
  for (const grade of judgments.values()) if (grade > 0) n++;
  return n;
}

/**
 * nDCG@k with linear gain (gain = grade; negative grades count as 0):
 * DCG@k = sum over ranks i = 1..k of gain_i / log2(i + 1); the ideal DCG ranks ALL of the query's
 * positive judgments by grade, descending, truncated at k. Returns 0 when there is no positive judgment.
 */
export function ndcgAt(ranked: readonly RankedDoc[], judgments: Judgments, k: number): number {
  return ndcgSorted(trecOrder(ranked), judgments, k);
}

/** Recall@k: |relevant (grade > 0) in the top k| / |relevant|; 0 when nothing is relevant. */
export function recallAt(ranked: readonly RankedDoc[], judgments: Judgments, k: number): number {
  return recallSorted(trecOrder(ranked), judgments, k);
}

/** Reciprocal rank of the first relevant (grade > 0) document within the top k, else 0. */
export function reciprocalRankAt(ranked: readonly RankedDoc[], judgments: Judgments, k: number): number {
  return reciprocalRankSorted(trecOrder(ranked), judgments, k);
}

/**
 * Scores a whole run. Every query of `qrels` with at least one positive judgment is scored; a
 * query with no positive judgment is excluded from the averages (nDCG and recall are undefined
 * for it), and listed in `excluded`. A scored query missing from `run` counts as an empty ranking
 * (scores 0, as `trec_eval -c` does), so a system cannot raise its average by returning nothing.
 * Run entries for queries without judgments are ignored.
 */
export function evaluateRun(
  run: ReadonlyMap<string, readonly RankedDoc[]>,
  qrels: Qrels,
  cutoffs: MetricCutoffs = DEFAULT_CUTOFFS,
): RunEvaluation {
  const perQuery = new Map<string, Record<string, number>>();
  const excluded: string[] = [];
  for (const [queryId, judgments] of qrels) {
    if (countRelevant(judgments) === 0) {
      excluded.push(queryId);
      continue;
    }
    perQuery.set(queryId, scoreQuery(run.get(queryId) ?? [], judgments, cutoffs));
  }
  const keys = metricKeys(cutoffs);
  const mean: Record<string, number> = {};
  for (const key of keys) {
    let sum = 0;
    for (const scores of perQuery.values()) sum += scores[key] ?? 0;
    mean[key] = perQuery.size === 0 ? 0 : sum / perQuery.size;
  }
  return { queries: perQuery.size, excluded, mean, perQuery };
}

/** Every metric of `cutoffs` for one query, keyed like `RunEvaluation.mean`. */
export function scoreQuery(
  ranked: readonly RankedDoc[],
  judgments: Judgments,
  cutoffs: MetricCutoffs = DEFAULT_CUTOFFS,
): Record<string, number> {
  const sorted = trecOrder(ranked);
  const out: Record<string, number> = {};
  for (const k of cutoffs.ndcg) out[`ndcg@${k}`] = ndcgSorted(sorted, judgments, k);
  for (const k of cutoffs.recall) out[`recall@${k}`] = recallSorted(sorted, judgments, k);
  for (const k of cutoffs.mrr) out[`mrr@${k}`] = reciprocalRankSorted(sorted, judgments, k);
  return out;
}

/** The keys `evaluateRun` and `scoreQuery` produce for `cutoffs`, in a stable order. */
export function metricKeys(cutoffs: MetricCutoffs = DEFAULT_CUTOFFS): string[] {
  return [...cutoffs.ndcg.map((k) => `ndcg@${k}`), ...cutoffs.recall.map((k) => `recall@${k}`), ...cutoffs.mrr.map((k) => `mrr@${k}`)];
}

function checkK(k: number): void {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`cut-off k must be a positive integer, got ${k}`);
}

function gain(judgments: Judgments, docId: string): number {
  return Math.max(0, judgments.get(docId) ?? 0);
}

function ndcgSorted(sorted: readonly RankedDoc[], judgments: Judgments, k: number): number {
  checkK(k);
  let dcg = 0;
  const n = Math.min(k, sorted.length);
  for (let i = 0; i < n; i++) dcg += gain(judgments, sorted[i].docId) / Math.log2(i + 2);
  const ideal = [...judgments.values()].filter((g) => g > 0).sort((a, b) => b - a);
  let idcg = 0;
  for (let i = 0; i < Math.min(k, ideal.length); i++) idcg += ideal[i] / Math.log2(i + 2);
  return idcg === 0 ? 0 : dcg / idcg;
}

function recallSorted(sorted: readonly RankedDoc[], judgments: Judgments, k: number): number {
  checkK(k);
  const relevant = countRelevant(judgments);
  if (relevant === 0) return 0;
  let found = 0;
  for (const r of sorted.slice(0, k)) if (gain(judgments, r.docId) > 0) found++;
  return found / relevant;
}

function reciprocalRankSorted(sorted: readonly RankedDoc[], judgments: Judgments, k: number): number {
  checkK(k);
  const n = Math.min(k, sorted.length);
  for (let i = 0; i < n; i++) if (gain(judgments, sorted[i].docId) > 0) return 1 / (i + 1);
  return 0;
}

/**
 * Reciprocal rank fusion (Cormack, Clarke & Büttcher, SIGIR 2009): score(d) = sum over rankings of
 * 1 / (k + rank(d)), rank starting at 1. Rank-based, so BM25 and cosine scores need no calibration.
 */
import { TopK } from '../store/top-k.js';

export interface Ranked {
  label: number;
}

export interface Fused {
  label: number;
  score: number;
}

/**
 * The `limit` best labels by fused score, best first; ties go to the smaller label. Only the top
 * `limit` are selected (a bounded heap), not the whole candidate list sorted: /query fuses ~100
 * candidates to keep 5. A `limit` below 1 keeps nothing.
 */
export function reciprocalRankFusion(rankings: readonly (readonly Ranked[])[], k: number, limit: number): Fused[] {
  const scores = new Map<number, number>();
  for (const ranking of rankings) {
    for (let i = 0; i < ranking.length; i++) {
      const label = (ranking[i] as Ranked).label;
      scores.set(label, (scores.get(label) ?? 0) + 1 / (k + i + 1));
    }
  }
  const top = new TopK(Math.min(scores.size, Math.max(0, Math.trunc(limit))));
  for (const [label, score] of scores) top.push(label, score);
  return top.drain().map(({ id, score }) => ({ label: id, score }));
}

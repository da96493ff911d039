/**
 * Reciprocal rank fusion (Cormack, Clarke & Büttcher, SIGIR 2009): score(d) = sum over rankings of
 * 1 / (k + rank(d)), rank starting at 1. Rank-based, so BM25 and cosine scores need no calibration.
 */

export interface Ranked {
  label: number;
}

export interface Fused {
  label: number;
  score: number;
}

export function reciprocalRankFusion(rankings: readonly (readonly Ranked[])[], k: number, limit: number): Fused[] {
  const scores = new Map<number, number>();
  for (const ranking of rankings) {
    ranking.forEach((hit, i) => {
      scores.set(hit.label, (scores.get(hit.label) ?? 0) + 1 / (k + i + 1));
    });
  }
  return [...scores.entries()]
    .map(([label, score]) => ({ label, score }))
    .sort((a, b) => b.score - a.score || a.label - b.label)
    .slice(0, limit);
}

/**
 * Filtering candidates by discriminator score. Pure: scores in, kept/rejected with a reason out.
 */

export interface FilterDecision {
  /** Indices into the candidate list, best first. */
  kept: number[];
  rejected: { index: number; reason: string }[];
  /** The lowest kept score (the cut line), or null when nothing was kept. */
  cut: number | null;
}

/**
 * Keeps the `keep` highest-scoring candidates. Ties are broken by candidate order, so the result is
 * deterministic; `keep` ≥ the number of candidates keeps them all.
 */
export function keepTopByScore(scores: ArrayLike<number>, keep: number): FilterDecision {
  const order = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[b]! - scores[a]! || a - b);
  const n = Math.max(0, Math.min(keep, order.length));
  const kept = order.slice(0, n);
  const cut = n > 0 ? scores[kept[n - 1]!]! : null;
  const rejected = order.slice(n).map((index) => ({
    index,
    reason: `discriminator score ${fmt(scores[index]!)} below the cut ${cut === null ? '(none kept)' : fmt(cut)} (kept the best ${n})`,
  }));
  return { kept, rejected, cut };
}

const fmt = (x: number) => (Number.isFinite(x) ? x.toFixed(4) : String(x));

/**
 * Binning every candidate's discriminator logit, kept and rejected apart, so summary.json can carry the
 * whole distribution (a few dozen numbers, not one per candidate) and the report can draw it with the cut.
 * Pure.
 */
import type { ScoreBins } from './types.js';

/** Bins for a histogram of the candidates. */
export const SCORE_BINS = 24;

/**
 * @param scores every candidate's logit
 * @param kept indices into `scores` of the kept candidates
 * @returns null when there is no finite score
 */
export function binScores(scores: ArrayLike<number>, kept: readonly number[], bins = SCORE_BINS): ScoreBins | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < scores.length; i++) {
    const v = scores[i]!;
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (lo > hi) return null;
  if (hi === lo) [lo, hi] = [lo - 0.5, hi + 0.5];
  const width = (hi - lo) / bins;
  const isKept = new Set(kept);
  const out: ScoreBins = { lo: round(lo), width: round(width), kept: new Array<number>(bins).fill(0), rejected: new Array<number>(bins).fill(0) };
  for (let i = 0; i < scores.length; i++) {
    const v = scores[i]!;
    if (!Number.isFinite(v)) continue;
    const b = Math.min(bins - 1, Math.max(0, Math.floor((v - lo) / width)));
    (isKept.has(i) ? out.kept : out.rejected)[b]!++;
  }
  return out;
}

const round = (x: number) => Number(x.toPrecision(6));

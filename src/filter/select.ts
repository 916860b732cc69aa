/**
 * Composing filters: each step sees only the candidates every earlier step kept, in the order the config
 * gives. Of the candidates that pass every step, the `target` best by discriminator score are kept; the
 * rest are rejected as `surplus`. When fewer than `target` pass, the shortfall is reported. Pure.
 */
import { keepTopByScore } from './discriminator-score.js';
import { REJECT_REASONS, type FilterDecision, type RejectReason, type Rejection } from './types.js';

/**
 * One filter step: given the surviving candidates (indices into the full candidate list), decide which
 * of them to keep. Returned indices are positions in `survivors`.
 */
export type FilterStep = (survivors: readonly number[]) => FilterDecision;

export interface Selection {
  /** Candidate indices shipped, best discriminator score first (at most `target`). */
  kept: number[];
  /** Every other candidate, with the first step that rejected it. */
  rejected: Rejection[];
  /** How many of `target` could not be filled. */
  shortfall: number;
  /** Rejections counted by reason (every reason present, 0 when none). */
  byReason: Record<RejectReason, number>;
  /** Candidates left after each named step, in order. */
  after: { step: string; left: number; cut: number | null }[];
}

/**
 * Runs `steps` in order over `count` candidates, then keeps the `target` best by `scores`.
 * @param steps named filter steps, applied in this order
 * @param scores discriminator score of every candidate (ranks the final pick)
 */
export function applyFilters(count: number, steps: readonly { name: string; run: FilterStep }[], scores: ArrayLike<number>, target: number): Selection {
  let survivors = Array.from({ length: count }, (_, i) => i);
  const rejected: Rejection[] = [];
  const after: Selection['after'] = [];
  for (const step of steps) {
    if (survivors.length === 0) {
      after.push({ step: step.name, left: 0, cut: null });
      continue;
    }
    const d = step.run(survivors);
    for (const r of d.rejected) rejected.push({ ...r, index: survivors[r.index]! });
    survivors = d.kept.map((p) => survivors[p]!);
    after.push({ step: step.name, left: survivors.length, cut: d.cut });
  }
  const final = keepTopByScore(gather(scores, survivors), target);
  const kept = final.kept.map((p) => survivors[p]!);
  for (const r of final.rejected) {
    rejected.push({ index: survivors[r.index]!, reason: 'surplus', detail: `passed every filter, but the ${target} needed were filled by better discriminator scores` });
  }
  const byReason = Object.fromEntries(REJECT_REASONS.map((r) => [r, 0])) as Record<RejectReason, number>;
  for (const r of rejected) byReason[r.reason]++;
  return { kept, rejected, shortfall: Math.max(0, target - kept.length), byReason, after };
}

/** values[indices[i]] for each i, as a new array (to hand a filter only its survivors' scores). */
export function gather(values: ArrayLike<number>, indices: readonly number[]): Float64Array {
  return Float64Array.from(indices, (i) => values[i]!);
}

/** Rows `indices` of a row-major matrix with `width` columns. */
export function gatherRows(values: ArrayLike<number>, width: number, indices: readonly number[]): Float64Array {
  const out = new Float64Array(indices.length * width);
  indices.forEach((i, k) => {
    for (let j = 0; j < width; j++) out[k * width + j] = values[i * width + j]!;
  });
  return out;
}

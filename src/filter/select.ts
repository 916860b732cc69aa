/**
 * Composing filters: each step sees only the candidates every earlier step kept, in the order the config
 * gives. Of the candidates that pass every step, the `target` best by discriminator score are kept; the
 * rest are rejected as `surplus`. When fewer than `target` pass, the shortfall is reported. Pure.
 */
import { keepTopByScore } from './discriminator-score.js';
import { gather } from './rows.js';
import { REJECT_REASONS, type RejectReason } from './steps.js';
import type { FilterDecision, Rejection } from './types.js';

export { gather, gatherRows } from './rows.js';

/**
 * One filter step: given the surviving candidates (indices into the full candidate list), decide which
 * of them to keep. Returned indices are positions in `survivors`.
 */
export type FilterStep = (survivors: readonly number[]) => FilterDecision;

export interface Selection<R extends string = RejectReason> {
  /** Candidate indices shipped, best discriminator score first (at most `target`). */
  kept: number[];
  /** Every other candidate, with the first step that rejected it. */
  rejected: Rejection[];
  /** How many of `target` could not be filled. */
  shortfall: number;
  /** Rejections counted by reason (every reason of `reasons`, and `surplus`, present; 0 when none). */
  byReason: Record<R, number>;
  /** Candidates left after each named step, in order. */
  after: { step: string; left: number; cut: number | null }[];
}

/**
 * Runs `steps` in order over `count` candidates, then keeps the `target` best by `scores`.
 * @param steps named filter steps, applied in this order
 * @param scores discriminator score of every candidate (ranks the final pick)
 * @param reasons reasons to count even when none occurs (default: the registry's `REJECT_REASONS`)
 */
export function applyFilters(
  count: number,
  steps: readonly { name: string; run: FilterStep }[],
  scores: ArrayLike<number>,
  target: number,
  reasons: readonly string[] = REJECT_REASONS,
): Selection {
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
  const byReason: Record<string, number> = Object.fromEntries([...reasons.filter((r) => r !== 'surplus'), 'surplus'].map((r) => [r, 0]));
  for (const r of rejected) byReason[r.reason] = (byReason[r.reason] ?? 0) + 1;
  return { kept, rejected, shortfall: Math.max(0, target - kept.length), byReason: byReason as Record<RejectReason, number>, after };
}

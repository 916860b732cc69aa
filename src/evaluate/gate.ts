/**
 * `evaluate --fail-on`: whether a result should fail a CI step (exit 3), and why. Pure: a result in, a
 * message or null out.
 *
 * - `harm`: the synthetic row is below random oversampling with 95 % confidence — on scarce recall or on
 *   balanced accuracy (the interval of the paired per-seed difference lies below 0). Oversampling is the
 *   do-no-harm yardstick: it is what the run would have delivered without the synthetic images.
 * - `no-help`: the verdict is not "helps" (the rule, `verdictOf`): fails on harm and on level alike.
 * - `never`: never fails (the default; the verdict is printed either way).
 * With one seed there is no interval: `harm` cannot be shown and does not fail; `no-help` fails.
 */
import { vsOversample } from './rows.js';
import type { EvaluationResult, PairedDiff } from './types.js';

export const FAIL_ON = ['never', 'harm', 'no-help'] as const;
export type FailOn = (typeof FAIL_ON)[number];

const pts = (x: number) => `${x >= 0 ? '+' : ''}${x.toFixed(1)}`;
const below = (d: PairedDiff) => Number.isFinite(d.high) && d.high < 0;
const said = (what: string, d: PairedDiff) => `${what} ${pts(d.mean)} points vs oversample (95 % CI ${pts(d.low)} to ${pts(d.high)})`;

/** The message `evaluate --fail-on <when>` exits 3 with, or null when the result passes. */
export function evaluateGate(r: EvaluationResult, when: FailOn): string | null {
  if (when === 'never') return null;
  if (when === 'no-help') return r.verdict.helps ? null : `--fail-on no-help: the synthetic data does not help — ${r.verdict.reason}`;
  const d = vsOversample(r);
  if (!d) return null;
  const harms = [below(d.scarceRecall) ? said('scarce recall', d.scarceRecall) : null, below(d.balancedAccuracy) ? said('balanced accuracy', d.balancedAccuracy) : null].filter((x): x is string => x !== null);
  return harms.length ? `--fail-on harm: the synthetic data does harm — ${harms.join('; ')}` : null;
}

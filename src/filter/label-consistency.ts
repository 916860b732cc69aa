/**
 * Label consistency: a synthetic image of class c is kept only if the feature classifier, trained on the
 * real images, gives c a probability ≥ τ. It catches samples that drifted into another class (or into
 * no class). Pure: probabilities in, decision out.
 */
import { InternalError } from '../errors.js';
import { quantile } from './quantile.js';
import { gather, gatherRows } from './rows.js';
import { fmt, type FilterDecision, type FilterDef } from './types.js';

/**
 * @param probs count × numClasses class probabilities, row-major (rows sum to 1)
 * @param intended the class each candidate was generated for (one for all, or one per candidate)
 * @param minProb τ: a probability exactly τ is kept
 * @param labels class names for the rejection details (default: indices)
 * @throws {RangeError} if probs does not hold whole rows, or an intended class is out of range
 */
export function keepLabelConsistent(
  probs: ArrayLike<number>,
  numClasses: number,
  intended: number | ArrayLike<number>,
  minProb: number,
  labels?: readonly string[],
): FilterDecision {
  if (!Number.isInteger(numClasses) || numClasses < 1 || probs.length % numClasses !== 0) {
    throw new RangeError(`Expected probs to hold rows of ${numClasses} probabilities but received ${probs.length} values`);
  }
  const n = probs.length / numClasses;
  const name = (c: number) => (labels?.[c] !== undefined ? `"${labels[c]}"` : `class ${c}`);
  const kept: number[] = [];
  const rejected: FilterDecision['rejected'] = [];
  for (let i = 0; i < n; i++) {
    const c = typeof intended === 'number' ? intended : intended[i]!;
    if (!Number.isInteger(c) || c < 0 || c >= numClasses) throw new RangeError(`Expected intended classes in [0, ${numClasses}) but received ${c} for candidate ${i}`);
    const p = probs[i * numClasses + c]!;
    if (p >= minProb) {
      kept.push(i);
      continue;
    }
    let best = 0;
    for (let j = 1; j < numClasses; j++) if (probs[i * numClasses + j]! > probs[i * numClasses + best]!) best = j;
    rejected.push({
      index: i,
      reason: 'label',
      detail: `classifier gives ${name(c)} p = ${fmt(p, 3)} < ${fmt(minProb, 3)}; it sees ${name(best)} (p = ${fmt(probs[i * numClasses + best]!, 3)})`,
    });
  }
  return { kept, rejected, cut: minProb };
}

/**
 * A class's threshold: τ, or under `labelQuantile` q the lower of τ and the q-quantile of p(class) over the
 * class's real training images (`realClassProbs`); τ when there are none.
 */
export function labelThreshold(minProb: number, q: number | null, realClassProbs: ArrayLike<number>): number {
  if (q === null || realClassProbs.length === 0) return minProb;
  return Math.min(minProb, quantile(realClassProbs, q));
}

/** The registry row: the feature classifier's probability of the intended class, kept at ≥ `filter.minLabelProb` (or the class's own, `filter.labelQuantile`). */
export const labelFilter: FilterDef<'label'> = {
  reasons: ['label'],
  needsClassifier: true,
  async prepare(ctx) {
    if (!ctx.probabilities || !ctx.realProbabilities) throw new InternalError('the label filter needs the feature classifier, which was not prepared');
    const n = ctx.candidates.count;
    const k = ctx.labels.length;
    const probs = await ctx.probabilities();
    const { minLabelProb, labelQuantile } = ctx.settings;
    let tau = minLabelProb;
    if (labelQuantile !== null) {
      const real = await ctx.realProbabilities();
      tau = labelThreshold(minLabelProb, labelQuantile, gather(real, Array.from({ length: real.length / k }, (_, i) => i * k + ctx.classIndex)));
    }
    return [
      {
        name: 'label',
        run: (s) => keepLabelConsistent(gatherRows(probs, k, s), k, ctx.classIndex, tau, ctx.labels),
        scores: { 'label-prob': gather(probs, Array.from({ length: n }, (_, i) => i * k + ctx.classIndex)) },
      },
    ];
  },
};

/**
 * Selection by usefulness (issue 13 item 3): of a large candidate pool, keep what a classifier trained on
 * real images only would learn from. A candidate is
 * - rejected when the classifier does not put it in its intended class with a margin of at least
 *   `minMargin` (p(intended) − the best other p): a wrong-class image teaches the wrong label;
 * - preferred the nearer it lies to the boundary with a confusable class (smallest margin first): an image
 *   the classifier already calls with certainty adds little, one near the boundary moves it;
 * - rejected when it lies within `minSpacing` (feature distance) of a candidate already kept: a pool of
 *   near-identical images (a collapsed class) adds one image's worth of information, not many.
 * Near-copies of *real* images are the near-copy filter's job (run it before this one). Pure: numbers in,
 * decision out.
 */
import { InternalError } from '../errors.js';
import { featureSpacing } from './near-copy.js';
import { gather, gatherRows } from './rows.js';
import { fmt, type FilterDecision, type FilterDef } from './types.js';

export interface UsefulnessSettings {
  /** Lowest margin p(intended) − max p(other) kept; 0 = the intended class must merely win. */
  minMargin: number;
  /** Candidates closer than this (Euclidean, feature units) to an already kept one are rejected; 0 = off. */
  minSpacing: number;
  /** How many to keep (the class's deficit). */
  keep: number;
}

/**
 * Ranks by closeness to the decision boundary among the candidates the classifier puts in their class.
 * @param probs count × numClasses class probabilities of the candidates, row-major
 * @param intended the class every candidate was generated for
 * @param feats count × dims features of the candidates (for the spacing rule)
 * @param labels class names for the rejection details (default: indices)
 * @throws {RangeError} on ragged rows, an intended class out of range, or negative settings
 */
export function selectUseful(
  probs: ArrayLike<number>,
  numClasses: number,
  intended: number,
  feats: ArrayLike<number>,
  dims: number,
  s: UsefulnessSettings,
  labels?: readonly string[],
): FilterDecision {
  if (!Number.isInteger(numClasses) || numClasses < 2 || probs.length % numClasses !== 0) {
    throw new RangeError(`Expected probs to hold rows of ${numClasses} (≥ 2) probabilities but received ${probs.length} values`);
  }
  const n = probs.length / numClasses;
  if (!Number.isInteger(intended) || intended < 0 || intended >= numClasses) throw new RangeError(`Expected an intended class in [0, ${numClasses}) but received ${intended}`);
  if (feats.length !== n * dims) throw new RangeError(`Expected ${n} × ${dims} features but received ${feats.length} values`);
  if (!(s.minSpacing >= 0) || !(s.keep >= 0)) throw new RangeError(`Expected minSpacing ≥ 0 and keep ≥ 0 but received ${s.minSpacing} and ${s.keep}`);
  const name = (c: number) => (labels?.[c] !== undefined ? `"${labels[c]}"` : `class ${c}`);
  const margin = new Float64Array(n);
  const rival = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = -1;
    for (let j = 0; j < numClasses; j++) if (j !== intended && (best < 0 || probs[i * numClasses + j]! > probs[i * numClasses + best]!)) best = j;
    rival[i] = best;
    margin[i] = probs[i * numClasses + intended]! - probs[i * numClasses + best]!;
  }
  const rejected: FilterDecision['rejected'] = [];
  const right: number[] = [];
  for (let i = 0; i < n; i++) {
    if (margin[i]! >= s.minMargin) right.push(i);
    else {
      rejected.push({
        index: i,
        reason: 'label',
        detail: `wrong class: classifier gives ${name(intended)} p = ${fmt(probs[i * numClasses + intended]!, 3)}, ${name(rival[i]!)} p = ${fmt(probs[i * numClasses + rival[i]!]!, 3)} (margin ${fmt(margin[i]!, 3)} < ${fmt(s.minMargin, 3)})`,
      });
    }
  }
  // Nearest the boundary first; ties in candidate order.
  right.sort((a, b) => margin[a]! - margin[b]! || a - b);
  const kept: number[] = [];
  const dist = (a: number, b: number) => {
    let d = 0;
    for (let k = 0; k < dims; k++) {
      const t = feats[a * dims + k]! - feats[b * dims + k]!;
      d += t * t;
    }
    return Math.sqrt(d);
  };
  for (const i of right) {
    if (kept.length >= s.keep) {
      rejected.push({ index: i, reason: 'usefulness', detail: `margin ${fmt(margin[i]!, 3)} over ${name(rival[i]!)}: farther from the boundary than the ${kept.length} kept` });
      continue;
    }
    let near = -1;
    let nearD = Infinity;
    if (s.minSpacing > 0) {
      for (const k of kept) {
        const d = dist(i, k);
        if (d < nearD) [near, nearD] = [k, d];
      }
    }
    if (near >= 0 && nearD < s.minSpacing) {
      rejected.push({ index: i, reason: 'near-duplicate', detail: `near-duplicate of kept candidate #${near}: feature distance ${fmt(nearD)} < ${fmt(s.minSpacing)}` });
      continue;
    }
    kept.push(i);
  }
  return { kept, rejected, cut: kept.length ? margin[kept.at(-1)!]! : null };
}

/**
 * The registry row: the feature classifier's probabilities (trained on real images only) and the candidates'
 * features; keeps the class's `target` nearest the boundary, the feature near-copy threshold as spacing.
 */
export const usefulnessFilter: FilterDef<'label' | 'near-duplicate' | 'usefulness'> = {
  reasons: ['label', 'near-duplicate', 'usefulness'],
  cuts: ['usefulness'],
  needsClassifier: true,
  async prepare(ctx) {
    if (!ctx.probabilities) throw new InternalError('the usefulness filter needs the feature classifier, which was not prepared');
    const n = ctx.candidates.count;
    const k = ctx.labels.length;
    const dims = ctx.featureDims;
    const probs = await ctx.probabilities();
    const spacing = featureSpacing(ctx);
    const settings = { minMargin: ctx.settings.usefulnessMinMargin, minSpacing: Number.isFinite(spacing) ? spacing : 0, keep: ctx.target };
    const margin = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let other = 0;
      for (let j = 0; j < k; j++) if (j !== ctx.classIndex) other = Math.max(other, probs[i * k + j]!);
      margin[i] = probs[i * k + ctx.classIndex]! - other;
    }
    return [
      {
        name: 'usefulness',
        run: (s) => selectUseful(gatherRows(probs, k, s), k, ctx.classIndex, gatherRows(ctx.candidates.features, dims, s), dims, settings, ctx.labels),
        scores: { 'label-prob': gather(probs, Array.from({ length: n }, (_, i) => i * k + ctx.classIndex)), margin },
      },
    ];
  },
};

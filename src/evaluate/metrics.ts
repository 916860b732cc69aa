/**
 * Classification figures from predictions: confusion counts, per-class recall and F1, balanced accuracy,
 * macro-F1; means and spreads over seeds. Pure.
 */

export interface ClassFigures {
  /** Recall by class index; NaN for a class without test images. */
  recall: number[];
  /** F1 by class index; NaN for a class without test images. */
  f1: number[];
  /** Mean recall over the classes that have test images. */
  balancedAccuracy: number;
  /** Mean F1 over the same classes. */
  macroF1: number;
}

/**
 * Figures of predicted vs true class indices over `k` classes. A class that has test images but is never
 * predicted has precision 0 (so F1 0), as scikit-learn's `zero_division=0`.
 * @throws {RangeError} when the arrays differ in length
 */
export function classFigures(truth: ArrayLike<number>, predicted: ArrayLike<number>, k: number): ClassFigures {
  if (truth.length !== predicted.length) throw new RangeError(`Expected as many predictions as labels but received ${predicted.length} for ${truth.length}`);
  const tp = new Array<number>(k).fill(0);
  const support = new Array<number>(k).fill(0);
  const predCount = new Array<number>(k).fill(0);
  for (let i = 0; i < truth.length; i++) {
    const t = truth[i]!;
    const p = predicted[i]!;
    support[t]!++;
    predCount[p]!++;
    if (t === p) tp[t]!++;
  }
  const recall = support.map((s, c) => (s > 0 ? tp[c]! / s : NaN));
  const f1 = support.map((s, c) => {
    if (s === 0) return NaN;
    const precision = predCount[c]! > 0 ? tp[c]! / predCount[c]! : 0;
    const r = tp[c]! / s;
    return precision + r > 0 ? (2 * precision * r) / (precision + r) : 0;
  });
  return { recall, f1, balancedAccuracy: meanFinite(recall), macroF1: meanFinite(f1) };
}

/** Mean of the finite values (NaN when there are none). */
export function meanFinite(xs: readonly number[]): number {
  const v = xs.filter(Number.isFinite);
  return v.length ? v.reduce((s, x) => s + x, 0) / v.length : NaN;
}

/** Sample standard deviation (n − 1); 0 for fewer than two values. */
export function sampleStd(xs: readonly number[]): number {
  if (xs.length < 2) return 0;
  const m = xs.reduce((s, x) => s + x, 0) / xs.length;
  return Math.sqrt(xs.reduce((s, x) => s + (x - m) ** 2, 0) / (xs.length - 1));
}

/** Index of the largest value of each row of a row-major `rows × k` matrix. */
export function argmaxRows(values: ArrayLike<number>, rows: number, k: number): Int32Array {
  const out = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    let best = 0;
    for (let j = 1; j < k; j++) if (values[i * k + j]! > values[i * k + best]!) best = j;
    out[i] = best;
  }
  return out;
}

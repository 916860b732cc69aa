/**
 * The q-quantile of a list of numbers with linear interpolation between order statistics (numpy's
 * default, `np.quantile(x, q)`). NaNs are ignored; an empty list gives NaN.
 */
export function quantile(values: ArrayLike<number>, q: number): number {
  if (!(q >= 0 && q <= 1)) throw new RangeError(`Expected q between 0 and 1 but received ${q}`);
  const sorted = Float64Array.from(values).filter((v) => !Number.isNaN(v)).sort();
  const n = sorted.length;
  if (n === 0) return NaN;
  const pos = q * (n - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(n - 1, lo + 1);
  const frac = pos - lo;
  return frac === 0 ? sorted[lo]! : sorted[lo]! + frac * (sorted[hi]! - sorted[lo]!);
}

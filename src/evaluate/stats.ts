/**
 * Small-sample statistics for comparing training sets over seeds: Student's t quantiles and the paired
 * t-interval of per-seed differences. Pure.
 *
 * The t distribution function is computed from the regularised incomplete beta function (continued
 * fraction, as in Numerical Recipes §6.4): F(t; ν) = 1 − ½·I_{ν/(ν+t²)}(ν/2, ½) for t ≥ 0. Quantiles are
 * found by bisection, to well below the precision anyone reads them at.
 */

/** ln Γ(x) for x > 0 (Lanczos, g = 7, n = 9; ~15 significant digits). */
export function logGamma(x: number): number {
  const c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  const z = x - 1;
  let a = c[0]!;
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += c[i]! / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Continued fraction of the incomplete beta function (modified Lentz). */
function betaFraction(a: number, b: number, x: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-15) break;
  }
  return h;
}

/** The regularised incomplete beta function I_x(a, b), for a, b > 0 and x in [0, 1]. */
export function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  return x < (a + 1) / (a + b + 2) ? (front * betaFraction(a, b, x)) / a : 1 - (front * betaFraction(b, a, 1 - x)) / b;
}

/**
 * Distribution function of Student's t with `df` degrees of freedom.
 * @throws {RangeError} for df ≤ 0
 */
export function tCdf(t: number, df: number): number {
  if (!(df > 0)) throw new RangeError(`Expected degrees of freedom > 0 but received ${df}`);
  if (t === Infinity) return 1;
  if (t === -Infinity) return 0;
  const tail = 0.5 * incompleteBeta(df / (df + t * t), df / 2, 0.5);
  return t >= 0 ? 1 - tail : tail;
}

/**
 * The p-quantile of Student's t with `df` degrees of freedom (scipy's `t.ppf(p, df)`).
 * @throws {RangeError} for p outside (0, 1) or df ≤ 0
 */
export function tQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`Expected a probability strictly between 0 and 1 but received ${p}`);
  if (!(df > 0)) throw new RangeError(`Expected degrees of freedom > 0 but received ${df}`);
  if (p === 0.5) return 0;
  if (p < 0.5) return -tQuantile(1 - p, df);
  let lo = 0;
  let hi = 1;
  while (tCdf(hi, df) < p) hi *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-12 * Math.max(1, hi); i++) {
    const mid = (lo + hi) / 2;
    if (tCdf(mid, df) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** Mean and two-sided t-interval of a sample (e.g. per-seed paired differences). */
export interface Interval {
  mean: number;
  /** Lower and upper bound; NaN for fewer than two values (no spread to build an interval from). */
  low: number;
  high: number;
  /** Sample standard deviation (n − 1); NaN for fewer than two values. */
  std: number;
  n: number;
}

/**
 * The mean of `xs` with its two-sided `level` t-interval: mean ± t_{(1+level)/2, n−1} · s/√n.
 * @throws {RangeError} for an empty sample or a level outside (0, 1)
 */
export function tInterval(xs: readonly number[], level = 0.95): Interval {
  const n = xs.length;
  if (n === 0) throw new RangeError('Expected at least one value but received none');
  if (!(level > 0 && level < 1)) throw new RangeError(`Expected a confidence level strictly between 0 and 1 but received ${level}`);
  const mean = xs.reduce((s, x) => s + x, 0) / n;
  if (n < 2) return { mean, low: NaN, high: NaN, std: NaN, n };
  const std = Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / (n - 1));
  const half = (tQuantile((1 + level) / 2, n - 1) * std) / Math.sqrt(n);
  return { mean, low: mean - half, high: mean + half, std, n };
}

/**
 * The one-sided lower confidence bound of the mean: mean − t_{level, n−1} · s/√n (NaN for n < 2).
 * @throws {RangeError} for an empty sample or a level outside (0, 1)
 */
export function lowerBound(xs: readonly number[], level = 0.95): number {
  const n = xs.length;
  if (n === 0) throw new RangeError('Expected at least one value but received none');
  if (!(level > 0 && level < 1)) throw new RangeError(`Expected a confidence level strictly between 0 and 1 but received ${level}`);
  if (n < 2) return NaN;
  const mean = xs.reduce((s, x) => s + x, 0) / n;
  const std = Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / (n - 1));
  return mean - (tQuantile(level, n - 1) * std) / Math.sqrt(n);
}

/**
 * Fréchet distance between Gaussians fitted to two feature sets (FID, as in
 * pytorch-fid): ‖μ₁ − μ₂‖² + Tr C₁ + Tr C₂ − 2·Tr √(C₁·C₂). Pure, float64.
 */
import { traceSqrtProduct } from './linalg.js';
import { describe, meanCov, readFeatures, type Features } from './stats.js';

export type { FeatureMatrix, Features, GaussianStats } from './stats.js';
export { meanCov } from './stats.js';

/** A vector, or a square matrix either flat row-major or as one array per row. */
type Vector = ArrayLike<number>;
type Matrix = ArrayLike<number> | ArrayLike<number>[];

/**
 * FID between two feature sets: fits a Gaussian to each ({@link meanCov})
 * and returns their {@link frechetDistance}. Works when a set has fewer
 * samples than dimensions (singular covariance).
 *
 * @example
 * const score = fid({ data: realFeats, rows: 500, dims: 128 }, { data: fakeFeats, rows: 500, dims: 128 });
 * @param a features of one set, samples × dims
 * @param b features of the other set, same dims
 * @returns the squared Fréchet distance; a true 0 can come out as ±1e-12-ish rounding
 * @throws {TypeError} if `a` or `b` is not a feature matrix
 * @throws {RangeError} if either has fewer than 2 rows, they differ in dims, or hold non-finite values
 */
export function fid(a: Features, b: Features): number {
  const ma = readFeatures(a, 'a', 2);
  const mb = readFeatures(b, 'b', 2);
  if (mb.dims !== ma.dims) {
    throw new RangeError(`Expected b to have ${ma.dims} dims (columns, like a) but received ${mb.dims}`);
  }
  const sa = meanCov(ma, 'a');
  const sb = meanCov(mb, 'b');
  // The trace is symmetric in C₁, C₂; factoring the set with fewer samples gives the smaller rank.
  return ma.rows <= mb.rows
    ? frechetDistance(sa.mean, sa.cov, sb.mean, sb.cov)
    : frechetDistance(sb.mean, sb.cov, sa.mean, sa.cov);
}

/**
 * Fréchet distance between N(mu1, cov1) and N(mu2, cov2), for statistics
 * cached per class (see {@link meanCov}). Covariances must be symmetric
 * positive semidefinite; only their lower triangles are read.
 *
 * Tr √(C₁·C₂) is Σ√λ over the eigenvalues of Lᵀ·C₂·L with P·C₁·Pᵀ = L·Lᵀ
 * (pivoted Cholesky), the same eigenvalues as C₁^½·C₂·C₁^½: only symmetric
 * problems, so no "imaginary component" and exact for singular C₁.
 *
 * @example
 * const real = meanCov(realFeats); // once per class
 * const score = frechetDistance(real.mean, real.cov, fake.mean, fake.cov);
 * @param mu1 mean of the first Gaussian, length d
 * @param cov1 its covariance, d×d (flat row-major or an array of rows)
 * @param mu2 mean of the second Gaussian, length d
 * @param cov2 its covariance, d×d
 * @throws {TypeError} if an argument is not an array of numbers
 * @throws {RangeError} if the sizes disagree or a value is not finite
 */
export function frechetDistance(mu1: Vector, cov1: Matrix, mu2: Vector, cov2: Matrix): number {
  const m1 = readVector(mu1, 'mu1');
  const d = m1.length;
  if (d === 0) throw new RangeError('Expected mu1 to have at least 1 value but received 0');
  const m2 = readVector(mu2, 'mu2');
  if (m2.length !== d) throw new RangeError(`Expected mu2 to have ${d} values (like mu1) but received ${m2.length}`);
  const c1 = readSquare(cov1, 'cov1', d);
  const c2 = readSquare(cov2, 'cov2', d);
  let meanTerm = 0;
  for (let i = 0; i < d; i++) meanTerm += (m1[i]! - m2[i]!) ** 2;
  let traces = 0;
  for (let i = 0; i < d; i++) traces += c1[i * d + i]! + c2[i * d + i]!;
  return meanTerm + traces - 2 * traceSqrtProduct(c1, c2, d);
}

function readVector(v: Vector, name: string): Float64Array {
  if (!isArrayLike(v)) throw new TypeError(`Expected ${name} to be an array of numbers but received ${describe(v)}`);
  const out = Float64Array.from(v);
  const bad = out.findIndex((x) => !Number.isFinite(x));
  if (bad >= 0) throw new RangeError(`Expected ${name} to contain only finite numbers but received ${describe(v[bad])} at index ${bad}`);
  return out;
}

function readSquare(m: Matrix, name: string, d: number): Float64Array {
  if (!isArrayLike(m)) throw new TypeError(`Expected ${name} to be a ${d}×${d} matrix but received ${describe(m)}`);
  let out: Float64Array;
  if (m.length > 0 && isArrayLike(m[0])) {
    const rows = m as ArrayLike<number>[];
    if (rows.length !== d) throw new RangeError(`Expected ${name} to have ${d} rows but received ${rows.length}`);
    out = new Float64Array(d * d);
    for (let i = 0; i < d; i++) {
      const row = rows[i];
      if (!isArrayLike(row) || row.length !== d) {
        const got = isArrayLike(row) ? `${row.length} values` : describe(row);
        throw new RangeError(`Expected ${name}[${i}] to have ${d} values but received ${got}`);
      }
      out.set(Float64Array.from(row), i * d);
    }
  } else {
    if (m.length !== d * d) throw new RangeError(`Expected ${name} to have ${d}×${d} = ${d * d} values but received ${m.length}`);
    out = Float64Array.from(m as ArrayLike<number>);
  }
  const bad = out.findIndex((x) => !Number.isFinite(x));
  if (bad >= 0) {
    throw new RangeError(`Expected ${name} to contain only finite numbers but received ${out[bad]} at row ${Math.floor(bad / d)}, column ${bad % d}`);
  }
  return out;
}

function isArrayLike(v: unknown): v is ArrayLike<unknown> {
  return Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView));
}

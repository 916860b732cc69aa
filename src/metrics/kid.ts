/**
 * Kernel Inception Distance: the unbiased estimate of MMD² with the
 * polynomial kernel k(x, y) = (x·y/d + 1)³ (Bińkowski et al. 2018). Pure, float64.
 */
import { gemmNT } from './linalg.js';
import { createArena, type Arena } from './wasm.js';
import { assertFinite, describe, readFeatures, type FeatureMatrix, type Features } from './stats.js';
import { DEFAULTS } from '../config/defaults.js';

/** Options of {@link kid}; the defaults are torch-fidelity's and clean-fid's. */
export interface KidOptions {
  /** Random subsets averaged when the sets are large (see {@link kid}). Default 100. */
  subsets?: number;
  /** Samples drawn from each set per subset. Default 1000. */
  subsetSize?: number;
  /** Seed of the subset sampler (uint32); the same seed gives the same subsets. Default 0. */
  seed?: number;
}

/** Result of {@link kid}. */
export interface KidResult {
  /** Mean unbiased MMD² over the subsets (can be slightly negative). */
  kid: number;
  /** Population standard deviation over the subsets (ddof 0, as torch-fidelity); 0 for whole sets. */
  std: number;
  /** Subsets averaged; 1 when both sets were used whole. */
  subsets: number;
  /** Samples drawn per set per subset (a smaller set is always used whole). */
  subsetSize: number;
}

/** The config's `quality.kidSubsets`, `quality.kidSubsetSize` and `seed` defaults (config/defaults.ts). */
export const KID_DEFAULTS = { subsets: DEFAULTS.quality.kidSubsets, subsetSize: DEFAULTS.quality.kidSubsetSize, seed: DEFAULTS.seed } as const;

/** Rows of X and Y whose dot products are formed together (128×128 doubles = 128 KiB). */
const BLOCK = 128;

/**
 * KID between two feature sets.
 *
 * Sets of m and n samples are used whole whenever that is no more work than
 * the subsets would be, (m + n)² ≤ 4·subsets·subsetSize² (with the defaults:
 * m + n ≤ 20,000). The whole-set estimate is exact, deterministic and has the
 * lowest variance (it is the reference values' convention); `std` is then 0.
 * Larger sets are compared through `subsets` random subsets of `subsetSize`
 * samples per set (a smaller set is used whole in each), drawn without
 * replacement by a seeded generator; the mean and spread are returned.
 *
 * @example
 * const { kid: score, std } = kid(realFeats, fakeFeats, { seed: 1 });
 * @param a features of one set, samples × dims
 * @param b features of the other set, same dims
 * @throws {TypeError} if `a` or `b` is not a feature matrix, or an option is not a number
 * @throws {RangeError} if either set has fewer than 2 rows, dims differ, values are non-finite, or an option is out of range
 */
export function kid(a: Features, b: Features, opts: KidOptions = {}): KidResult {
  const ma = readFeatures(a, 'a', 2);
  const mb = readFeatures(b, 'b', 2);
  if (mb.dims !== ma.dims) {
    throw new RangeError(`Expected b to have ${ma.dims} dims (columns, like a) but received ${mb.dims}`);
  }
  const subsets = readInteger(opts.subsets ?? KID_DEFAULTS.subsets, 'opts.subsets', 1);
  const subsetSize = readInteger(opts.subsetSize ?? KID_DEFAULTS.subsetSize, 'opts.subsetSize', 2);
  const seed = readInteger(opts.seed ?? KID_DEFAULTS.seed, 'opts.seed', 0, 2 ** 32 - 1);
  assertFinite(ma, 'a');
  assertFinite(mb, 'b');

  const d = ma.dims;
  if ((ma.rows + mb.rows) ** 2 <= 4 * subsets * subsetSize ** 2) {
    const arena = createArena((ma.rows + mb.rows) * d + BLOCK * BLOCK, BLOCK);
    const x = arena.f64(ma.rows * d), y = arena.f64(mb.rows * d);
    x.set(ma.data);
    y.set(mb.data);
    const value = mmd2(x, ma.rows, y, mb.rows, d, arena.f64(BLOCK * BLOCK));
    return { kid: value, std: 0, subsets: 1, subsetSize: Math.max(ma.rows, mb.rows) };
  }
  const sizeA = Math.min(subsetSize, ma.rows), sizeB = Math.min(subsetSize, mb.rows);
  const arena = createArena((sizeA + sizeB) * d + BLOCK * BLOCK, BLOCK);
  const dots = arena.f64(BLOCK * BLOCK);
  const next = mulberry32(seed);
  const sa = new SubsetSampler(ma, sizeA, arena);
  const sb = new SubsetSampler(mb, sizeB, arena);
  const values = new Float64Array(subsets);
  for (let s = 0; s < subsets; s++) {
    values[s] = mmd2(sa.draw(next), sizeA, sb.draw(next), sizeB, d, dots);
  }
  const mean = values.reduce((acc, v) => acc + v, 0) / subsets;
  const variance = values.reduce((acc, v) => acc + (v - mean) ** 2, 0) / subsets;
  return { kid: mean, std: Math.sqrt(variance), subsets, subsetSize: Math.max(sizeA, sizeB) };
}

/**
 * Unbiased MMD² of row sets x (m×d) and y (n×d):
 * Σ_{i≠j} k(xᵢ,xⱼ)/(m(m−1)) + Σ_{i≠j} k(yᵢ,yⱼ)/(n(n−1)) − 2·Σ k(xᵢ,yⱼ)/(mn).
 * `dots` (128×128) is scratch; x, y and dots in one wasm arena run the dot products in wasm.
 */
function mmd2(
  x: Float64Array,
  m: number,
  y: Float64Array,
  n: number,
  d: number,
  dots: Float64Array,
): number {
  const kxx = kernelSum(x, m, x, m, d, true, dots);
  const kyy = kernelSum(y, n, y, n, d, true, dots);
  const kxy = kernelSum(x, m, y, n, d, false, dots);
  return kxx / (m * (m - 1)) + kyy / (n * (n - 1)) - (2 * kxy) / (m * n);
}

/** Σ (xᵢ·yⱼ/d + 1)³ over all i, j, or over i ≠ j when x and y are the same set. */
function kernelSum(
  x: Float64Array,
  m: number,
  y: Float64Array,
  n: number,
  d: number,
  same: boolean,
  dots: Float64Array,
): number {
  const inv = 1 / d;
  let total = 0;
  for (let i0 = 0; i0 < m; i0 += BLOCK) {
    const bm = Math.min(BLOCK, m - i0);
    const jStop = same ? i0 + 1 : n;
    for (let j0 = 0; j0 < jStop; j0 += BLOCK) {
      const bn = Math.min(BLOCK, n - j0);
      const diagonal = same && j0 === i0;
      dots.fill(0);
      gemmNT(bm, bn, d, 1, x, i0 * d, d, y, j0 * d, d, dots, 0, BLOCK, diagonal);
      let block = 0;
      for (let r = 0; r < bm; r++) {
        const end = diagonal ? r : bn; // strictly below the diagonal of a self-block
        for (let c = 0; c < end; c++) {
          const t = dots[r * BLOCK + c]! * inv + 1;
          block += t * t * t;
        }
      }
      // A self-comparison visits each unordered pair once: count it for (i, j) and (j, i).
      total += same ? 2 * block : block;
    }
  }
  return total;
}

/** Draws subsets of rows without replacement by a partial Fisher–Yates shuffle. */
class SubsetSampler {
  private readonly order: Int32Array;
  private readonly out: Float64Array;
  constructor(
    private readonly m: FeatureMatrix,
    readonly size: number,
    arena: Arena,
  ) {
    this.order = Int32Array.from({ length: m.rows }, (_, i) => i);
    this.out = arena.f64(size * m.dims);
  }

  draw(next: () => number): Float64Array {
    const { order, out, size } = this;
    const { data, rows, dims } = this.m;
    for (let i = 0; i < size; i++) {
      const j = i + Math.floor(next() * (rows - i));
      const t = order[i]!;
      order[i] = order[j]!;
      order[j] = t;
      const src = order[i]! * dims;
      for (let c = 0; c < dims; c++) out[i * dims + c] = data[src + c]!;
    }
    return out;
  }
}

/** Small, fast, seedable uniform [0, 1) generator (32-bit state). */
function mulberry32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function readInteger(v: unknown, name: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof v !== 'number') throw new TypeError(`Expected ${name} to be an integer but received ${describe(v)}`);
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new RangeError(`Expected ${name} to be an integer between ${min} and ${max} but received ${v}`);
  }
  return v;
}

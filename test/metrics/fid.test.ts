import { describe, expect, it } from 'vitest';
import { referenceCases } from '../helpers/metric-reference.js';
import { fid, frechetDistance, meanCov, type FeatureMatrix } from '../../src/metrics/fid.js';
import { NATIVE_COV_MIN_MACS } from '../../src/metrics/stats.js';
import { loadNative, type NativeAddon } from '../../src/backend/native.js';
import { Rng } from '../../src/util/rng.js';
import { countCalls } from '../helpers/native.js';

const expected = referenceCases();
const { cases } = expected;

function toRows(m: FeatureMatrix): number[][] {
  return Array.from({ length: m.rows }, (_, i) => Array.from(m.data.subarray(i * m.dims, (i + 1) * m.dims)));
}

function traceOf(m: FeatureMatrix): number {
  const { cov, dims } = meanCov(m);
  let t = 0;
  for (let i = 0; i < dims; i++) t += cov[i * dims + i]!;
  return t;
}

describe('fid against numpy/scipy reference values', () => {
  it.each(cases)('$name: matches to 1e-6 relative', ({ ma, mb, fid: want }) => {
    const got = fid(ma, mb);
    expect(Math.abs(got - want) / want).toBeLessThan(1e-6);
  });

  // Tr √(C₁C₂) is also the nuclear norm of the centred Xa·Xbᵀ / √((na−1)(nb−1)); numpy's SVD of that
  // product avoids the squared eigenvalues of every sqrtm/eigh route, so it pins the exact value down
  // (scipy's sqrtm is off by 2.8e-5 on the singular case; fid_same in expected.json shows its noise).
  const exact: Record<string, number> = {
    'd16-close': 0.30295885240986564,
    'd64-shifted': 23.754393109137368,
    'd256-scaled': 36.879953621482855,
    'd512-fewer-samples-than-dims': 469.62972977361414,
  };
  it.each(cases)('$name: matches an exact SVD route to 1e-10 relative', ({ name, ma, mb }) => {
    expect(Math.abs(fid(ma, mb) - exact[name]!) / exact[name]!).toBeLessThan(1e-10);
  });

  it.each(cases)('$name: is symmetric in its arguments', ({ ma, mb }) => {
    const ab = fid(ma, mb), ba = fid(mb, ma);
    expect(Math.abs(ab - ba)).toBeLessThan(1e-10 * ab);
  });

  it.each(cases)('$name: fid(a, a) ≈ 0', ({ ma }) => {
    // Relative to the traces that cancel: a perfect result is rounding only.
    expect(Math.abs(fid(ma, ma))).toBeLessThan(1e-10 * 2 * traceOf(ma));
  });
});

describe('fid inputs', () => {
  const small = cases[0]!;

  it('accepts number[][] and Float64Array data with the same result', () => {
    const want = fid(small.ma, small.mb);
    expect(fid(toRows(small.ma), toRows(small.mb))).toBeCloseTo(want, 12);
    const a64 = { ...small.ma, data: Float64Array.from(small.ma.data) };
    expect(fid(a64, small.mb)).toBe(want);
  });

  it('equals frechetDistance of cached statistics', () => {
    const sa = meanCov(small.ma), sb = meanCov(small.mb);
    const want = fid(small.ma, small.mb);
    // fid factors the smaller set, so the order differs: agreement to rounding, not bit for bit.
    expect(Math.abs(frechetDistance(sa.mean, sa.cov, sb.mean, sb.cov) - want)).toBeLessThan(1e-9 * want);
  });

  it('meanCov returns float64 mean and the unbiased covariance', () => {
    const { mean, cov, rows, dims } = meanCov([
      [1, 2],
      [3, 6],
      [5, 4],
    ]);
    expect({ rows, dims }).toEqual({ rows: 3, dims: 2 });
    expect([...mean]).toEqual([3, 4]);
    expect([...cov]).toEqual([4, 2, 2, 4]);
  });

  const m = (rows: number, dims: number, data = new Float32Array(rows * dims)): FeatureMatrix => ({ data, rows, dims });
  it.each<[string, () => unknown, RegExp]>([
    ['dims mismatch', () => fid(m(4, 3), m(4, 2)), /b to have 3 dims.*received 2/],
    ['one row in a', () => fid(m(1, 3), m(4, 3)), /a to have at least 2 rows.*received 1/],
    ['one row in b (number[][])', () => fid([[1], [2]], [[1]]), /b to have at least 2 rows.*received 1/],
    ['no rows', () => fid([], [[1], [2]]), /a to have at least 2 rows.*received 0/],
    ['data length', () => fid(m(4, 3, new Float32Array(11)), m(4, 3)), /a\.data to have .*12 values but received 11/],
    ['ragged rows', () => fid([[1, 2], [3]], [[1, 2], [3, 4]]), /a\[1\] to have 2 values.*received 1 values/],
    ['non-number entry', () => fid([[1, 2], [3, '4']] as unknown as number[][], [[1, 2], [3, 4]]), /a\[1\]\[1\] to be a number but received the string "4"/],
    ['NaN value', () => fid(m(3, 2, Float32Array.from([0, 1, 2, NaN, 4, 5])), m(3, 2)), /a to contain only finite values but received NaN at row 1, column 1/],
    ['not a matrix', () => fid(null as unknown as FeatureMatrix, m(2, 2)), /a to be a FeatureMatrix or number\[\]\[\] but received null/],
    ['plain array data', () => fid({ data: [1, 2], rows: 2, dims: 1 } as unknown as FeatureMatrix, m(2, 1)), /a\.data to be a Float32Array or Float64Array but received an array/],
    ['zero dims', () => fid(m(2, 0), m(2, 0)), /a\.dims to be a positive integer but received number 0/],
    ['mu sizes', () => frechetDistance([0, 0], [1, 0, 0, 1], [0], [1]), /mu2 to have 2 values.*received 1/],
    ['cov size', () => frechetDistance([0, 0], [1, 0, 0], [0, 0], [1, 0, 0, 1]), /cov1 to have 2×2 = 4 values but received 3/],
    ['cov rows', () => frechetDistance([0, 0], [[1, 0], [0, 1]], [0, 0], [[1, 0]]), /cov2 to have 2 rows but received 1/],
    ['non-finite mean', () => frechetDistance([0, Infinity], [1, 0, 0, 1], [0, 0], [1, 0, 0, 1]), /mu1 to contain only finite numbers but received number Infinity at index 1/],
  ])('rejects %s with a message naming parameter, expectation and value', (_, call, message) => {
    expect(call).toThrow(message);
  });
});

describe('frechetDistance closed forms', () => {
  it('is Σ(μ₁−μ₂)² + Σ(σ₁−σ₂)² for diagonal covariances', () => {
    const s1 = [4, 1, 9], s2 = [1, 1, 0.25];
    const cov = (s: number[]) => s.flatMap((v, i) => s.map((_, j) => (i === j ? v : 0)));
    const want = 1 + 4 + 0 + (2 - 1) ** 2 + 0 + (3 - 0.5) ** 2;
    expect(frechetDistance([1, 2, 3], cov(s1), [0, 0, 3], cov(s2))).toBeCloseTo(want, 13);
  });

  it('handles a singular covariance: a point mass against N(0, I)', () => {
    // W₂² between δ₀ and N(0, I₃) is Tr I = 3.
    expect(frechetDistance([0, 0, 0], new Float64Array(9), [0, 0, 0], [1, 0, 0, 0, 1, 0, 0, 0, 1])).toBeCloseTo(3, 14);
  });
});

describe('meanCov of a large matrix on the native BLAS (dsyrk)', () => {
  let native: NativeAddon | null = null;
  try {
    native = loadNative().addon;
  } catch {
    native = null;
  }
  it.skipIf(native === null)('agrees with the wasm kernel to 1e-12 relative, and really goes through dsyrk', () => {
    const rows = 1300;
    const dims = 880; // rows · dims² ≈ 1.0e9: just over NATIVE_COV_MIN_MACS
    expect(rows * dims * dims).toBeGreaterThanOrEqual(NATIVE_COV_MIN_MACS);
    const rng = new Rng(11);
    const data = rng.normal(new Float32Array(rows * dims)).map((v, i) => v + (i % dims) * 0.01);
    const syrk = countCalls(native!, 'syrkLower');
    try {
      const viaBlas = meanCov({ data, rows, dims });
      expect(syrk.count()).toBeGreaterThan(0);
      const viaWasm = meanCov({ data, rows, dims }, 'm', { native: false });
      let worst = 0;
      let scale = 0;
      for (let i = 0; i < dims * dims; i++) {
        worst = Math.max(worst, Math.abs(viaBlas.cov[i]! - viaWasm.cov[i]!));
        scale = Math.max(scale, Math.abs(viaWasm.cov[i]!));
      }
      expect(worst / scale).toBeLessThan(1e-12);
      // Symmetric, both triangles filled.
      expect(viaBlas.cov[3 * dims + 7]).toBe(viaBlas.cov[7 * dims + 3]);
      expect(Array.from(viaBlas.mean)).toEqual(Array.from(viaWasm.mean));
    } finally {
      syrk.restore();
    }
  });
});

import { describe, expect, it } from 'vitest';
import { referenceCases } from '../helpers/metric-reference.js';
import { kid, KID_DEFAULTS } from '../../src/metrics/kid.js';
import type { FeatureMatrix } from '../../src/metrics/stats.js';

const expected = referenceCases();
const { cases } = expected;

/** Rows of m in a seeded random order, split into two halves. */
function shuffledHalves(m: FeatureMatrix, seed: number): [FeatureMatrix, FeatureMatrix] {
  const order = Array.from({ length: m.rows }, (_, i) => i);
  let s = seed;
  for (let i = order.length - 1; i > 0; i--) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const j = s % (i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const half = (ids: number[]): FeatureMatrix => {
    const data = new Float32Array(ids.length * m.dims);
    ids.forEach((r, i) => data.set(m.data.subarray(r * m.dims, (r + 1) * m.dims), i * m.dims));
    return { data, rows: ids.length, dims: m.dims };
  };
  const mid = m.rows >> 1;
  return [half(order.slice(0, mid)), half(order.slice(mid))];
}

describe('kid against numpy reference values', () => {
  it.each(cases)('$name: matches to 1e-6 absolute, using whole sets by default like the reference', ({ ma, mb, kid: want }) => {
    expect(expected.kid).toMatch(/full sets/);
    const got = kid(ma, mb);
    expect(Math.abs(got.kid - want)).toBeLessThan(1e-6);
    expect(got).toMatchObject({ std: 0, subsets: 1, subsetSize: Math.max(ma.rows, mb.rows) });
  });

  // One split is one draw of a noisy estimator (sd ≈ 0.02 for 200 vs 200 samples at d16), so test what
  // "unbiased" promises: over 16 random splits of one set the mean is 0 within 3 standard errors. A biased
  // (V-statistic) MMD² would sit ~0.07 above 0 here, far outside that band.
  it.each(cases.filter((c) => c.a.rows <= 1000))('$name: halves of one shuffled set average ≈ 0', ({ ma }) => {
    const values = Array.from({ length: 16 }, (_, seed) => kid(...shuffledHalves(ma, seed + 1)).kid);
    const mean = values.reduce((s, v) => s + v, 0) / values.length;
    const sd = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / (values.length - 1));
    const standardError = sd / Math.sqrt(values.length);
    expect(standardError).toBeLessThan(0.01);
    expect(Math.abs(mean)).toBeLessThan(3 * standardError);
  });
});

describe('kid subsets', () => {
  const { ma, mb, kid: whole } = cases.find((c) => c.name === 'd64-shifted')!;

  it('has the defaults of torch-fidelity and clean-fid', () => {
    expect(KID_DEFAULTS).toEqual({ subsets: 100, subsetSize: 1000, seed: 0 });
  });

  it('samples subsets when they are cheaper than whole sets, reproducibly per seed', () => {
    // 1000 + 800 samples: whole sets cost 1800²/2 kernel values, 10 subsets of 200 only 10·2·200².
    const opts = { subsets: 10, subsetSize: 200, seed: 7 };
    const first = kid(ma, mb, opts);
    expect(first).toMatchObject({ subsets: 10, subsetSize: 200 });
    expect(first.std).toBeGreaterThan(0);
    expect(kid(ma, mb, opts)).toEqual(first);
    expect(kid(ma, mb, { ...opts, seed: 8 }).kid).not.toBe(first.kid);
    // Each subset is an unbiased estimate of the same MMD², so the mean sits near the whole-set value.
    expect(Math.abs(first.kid - whole)).toBeLessThan(4 * first.std);
  });

  it('uses a smaller set whole while sampling the larger one', () => {
    const result = kid(ma, { ...mb, rows: 200, data: mb.data.subarray(0, 200 * mb.dims) }, { subsets: 3, subsetSize: 300 });
    expect(result).toMatchObject({ subsets: 3, subsetSize: 300 });
  });

  it('uses whole sets when asked-for subsets would cost more', () => {
    const result = kid(ma, mb, { subsets: 20, subsetSize: 300 });
    expect(result).toMatchObject({ std: 0, subsets: 1 });
    expect(result.kid).toBeCloseTo(whole, 12);
  });

  const m = (rows: number, dims: number): FeatureMatrix => ({ data: new Float32Array(rows * dims), rows, dims });
  it.each<[string, () => unknown, RegExp]>([
    ['dims mismatch', () => kid(m(4, 3), m(4, 5)), /b to have 3 dims.*received 5/],
    ['one row', () => kid(m(4, 3), m(1, 3)), /b to have at least 2 rows.*received 1/],
    ['zero subsets', () => kid(m(4, 3), m(4, 3), { subsets: 0 }), /opts\.subsets to be an integer between 1 and .* but received 0/],
    ['subsetSize 1', () => kid(m(4, 3), m(4, 3), { subsetSize: 1 }), /opts\.subsetSize to be an integer between 2 and .* but received 1/],
    ['fractional seed', () => kid(m(4, 3), m(4, 3), { seed: 1.5 }), /opts\.seed to be an integer between 0 and 4294967295 but received 1.5/],
    ['string option', () => kid(m(4, 3), m(4, 3), { subsets: '10' as unknown as number }), /opts\.subsets to be an integer but received the string "10"/],
    ['Infinity value', () => kid([[1], [Infinity]], [[1], [2]]), /a to contain only finite values but received Infinity at row 1, column 0/],
  ])('rejects %s with a message naming parameter, expectation and value', (_, call, message) => {
    expect(call).toThrow(message);
  });
});

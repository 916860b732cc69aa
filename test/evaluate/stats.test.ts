import { describe, expect, it } from 'vitest';
import { lowerBound, tCdf, tInterval, tQuantile } from '../../src/evaluate/stats.js';

// Reference values: scipy.stats.t.ppf / t.cdf (scipy 1.x).
describe('tQuantile', () => {
  it.each([
    [0.975, 1, 12.706204736174694],
    [0.975, 2, 4.302652729749462],
    [0.975, 4, 2.7764451051977934],
    [0.975, 9, 2.262157162798205],
    [0.975, 30, 2.0422724563012378],
    [0.95, 2, 2.9199855803537242],
    [0.95, 4, 2.1318467863266495],
    [0.995, 3, 5.840909309733355],
    [0.6, 7, 0.2631668613520229],
    [0.025, 4, -2.7764451051977943],
    [0.975, 0.5, 164.55767348048818],
  ])('t.ppf(%f, %f) = %f', (p, df, want) => {
    expect(tQuantile(p, df)).toBeCloseTo(want, 8);
  });

  it.each([
    [1.5, 3, 0.8847080673775886],
    [-2.0, 5, 0.050969739414929174],
    [0.3, 1, 0.5927735790777423],
  ])('t.cdf(%f, %f) = %f', (t, df, want) => {
    expect(tCdf(t, df)).toBeCloseTo(want, 10);
  });

  it.each([
    [0, 3],
    [1, 3],
    [0.5, 0],
    [Number.NaN, 3],
  ])('rejects p = %f, df = %f', (p, df) => {
    expect(() => tQuantile(p, df)).toThrow(RangeError);
  });
});

describe('tInterval', () => {
  it('matches mean ± t.ppf(0.975, n−1)·s/√n', () => {
    const ci = tInterval([1.2, -0.3, 2.5, 0.8, 1.9]);
    expect(ci.mean).toBeCloseTo(1.22, 12);
    expect(ci.low).toBeCloseTo(-0.10979837518601099, 8);
    expect(ci.high).toBeCloseTo(2.549798375186011, 8);
    expect(lowerBound([1.2, -0.3, 2.5, 0.8, 1.9])).toBeCloseTo(0.19893663112754467, 8);
  });

  it('has no interval for one value, and rejects none', () => {
    const one = tInterval([3]);
    expect(one.mean).toBe(3);
    expect(one.low).toBeNaN();
    expect(lowerBound([3])).toBeNaN();
    expect(() => tInterval([])).toThrow(RangeError);
  });
});

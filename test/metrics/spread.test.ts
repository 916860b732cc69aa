import { describe, expect, it } from 'vitest';
import { meanPairwiseDistance, spreadRatio } from '../../src/metrics/spread.js';
import { Rng } from '../../src/util/rng.js';

const rows = (seed: number, n: number, scale = 1) => {
  const rng = new Rng(seed);
  return { data: Float64Array.from(rng.normal(new Float32Array(n * 8)), (x) => x * scale), rows: n, dims: 8 };
};

describe('spread', () => {
  it('mean pairwise distance by hand: a 3-4-5 triangle', () => {
    expect(meanPairwiseDistance([0, 0, 3, 0, 0, 4], 3, 2)).toBeCloseTo((3 + 4 + 5) / 3, 12);
    expect(meanPairwiseDistance([1, 2], 1, 2)).toBe(0);
  });

  it('≈ 1 for another sample of the same distribution, scales with the spread, ~0 for one template', () => {
    expect(spreadRatio(rows(1, 300), rows(2, 300))).toBeGreaterThan(0.95);
    expect(spreadRatio(rows(1, 300), rows(2, 300))).toBeLessThan(1.05);
    expect(spreadRatio(rows(1, 300, 0.5), rows(2, 300))).toBeCloseTo(0.5, 1);
    const template = rows(3, 100, 0.01);
    expect(spreadRatio(template, rows(2, 300))!).toBeLessThan(0.02);
  });

  it('null with too few rows or identical real images; rejects mismatched dims', () => {
    expect(spreadRatio(rows(1, 1), rows(2, 10))).toBeNull();
    expect(spreadRatio(rows(1, 10), { data: new Float64Array(16), rows: 2, dims: 8 })).toBeNull();
    expect(() => spreadRatio(rows(1, 10), { data: new Float64Array(6), rows: 2, dims: 3 })).toThrow(/3 dims \(like real\) but received 8/);
  });
});

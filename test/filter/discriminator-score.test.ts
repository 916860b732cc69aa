import { describe, expect, it } from 'vitest';
import { keepAboveThreshold, keepTopByScore, keepTopFraction, rejectionSample } from '../../src/filter/discriminator-score.js';

const reasons = (d: { rejected: { reason: string }[] }) => [...new Set(d.rejected.map((r) => r.reason))];

describe('keepTopByScore', () => {
  it.each([
    // scores, keep, kept (best first), cut
    [[], 3, [], null],
    [[0.5], 0, [], null],
    [[1, 3, 2], 2, [1, 2], 2],
    [[1, 3, 2], 5, [1, 2, 0], 1],
    [[2, 2, 2, 1], 2, [0, 1], 2], // ties: candidate order
    [[1, 2, 2, 2], 2, [1, 2], 2],
    [[NaN, 0, -Infinity], 2, [1, 2], -Infinity], // NaN ranks last
    [[-1, -2], 2.7, [0, 1], -2], // a fractional keep is floored
  ] as [number[], number, number[], number | null][])('%j keep %d → %j', (scores, keep, kept, cut) => {
    const d = keepTopByScore(scores, keep);
    expect(d.kept).toEqual(kept);
    expect(d.cut).toEqual(cut);
    expect(d.rejected.map((r) => r.index).sort()).toEqual(scores.map((_, i) => i).filter((i) => !kept.includes(i)).sort());
    if (d.rejected.length) expect(reasons(d)).toEqual(['discriminator']);
  });
});

describe('keepTopFraction', () => {
  it.each([
    [[], 0.5, []],
    [[5, 4, 3, 2, 1, 0, -1, -2, -3, -4], 0.3, [0, 1, 2]], // 0.3 × 10 is 3.0000000000000004: keeps 3
    [[1, 2, 3], 0.5, [2, 1]], // ⌈1.5⌉ = 2
    [[1, 2, 3], 0, []], // all rejected
    [[1, 1, 1], 1, [0, 1, 2]],
    [[3, 3, 1, 1], 0.25, [0]], // tie at the cut: candidate order
  ] as [number[], number, number[]][])('%j top %d → %j', (scores, f, kept) => {
    const d = keepTopFraction(scores, f);
    expect(d.kept).toEqual(kept);
    expect(d.kept.length + d.rejected.length).toBe(scores.length);
  });

  it('refuses a fraction outside [0, 1]', () => {
    expect(() => keepTopFraction([1], 1.5)).toThrow(/between 0 and 1 but received 1.5/);
    expect(() => keepTopFraction([1], NaN)).toThrow(RangeError);
  });
});

describe('keepAboveThreshold', () => {
  it.each([
    [[], 0, []],
    [[0.1, -0.1, 0], 0, [0, 2]], // exactly on the threshold: kept
    [[-3, -2], 0, []], // all rejected
    [[2, 1, 2], 1, [0, 2, 1]], // best first, ties in candidate order
    [[NaN, 1], -Infinity, [1]], // NaN never passes
  ] as [number[], number, number[]][])('%j ≥ %d → %j', (scores, t, kept) => {
    const d = keepAboveThreshold(scores, t);
    expect(d.kept).toEqual(kept);
    expect(d.cut).toBe(t);
    expect(d.rejected.every((r) => r.reason === 'discriminator' && r.detail.includes('< threshold'))).toBe(true);
  });
});

describe('rejectionSample (DRS, Azadi et al. 2019)', () => {
  const scores = Array.from({ length: 2000 }, (_, i) => Math.sin(i * 12.9898) * 3);

  it('is deterministic for a seed and accepts higher logits more often', () => {
    const a = rejectionSample(scores, { percentile: 80, seed: 7 });
    const b = rejectionSample(scores, { percentile: 80, seed: 7 });
    expect(a.kept).toEqual(b.kept);
    expect(rejectionSample(scores, { percentile: 80, seed: 8 }).kept).not.toEqual(a.kept);
    // acceptance is monotone in the logit
    const order = scores.map((s, i) => [s, a.acceptance[i]!] as const).sort((x, y) => x[0] - y[0]);
    for (let i = 1; i < order.length; i++) expect(order[i]![1]).toBeGreaterThanOrEqual(order[i - 1]![1] - 1e-15);
    // the best candidate is accepted with probability ≈ 1; kept ones come best first
    expect(Math.max(...a.acceptance)).toBeGreaterThan(0.99);
    for (let i = 1; i < a.kept.length; i++) expect(scores[a.kept[i]!]!).toBeLessThanOrEqual(scores[a.kept[i - 1]!]!);
    expect(a.rejected.every((r) => r.reason === 'drs')).toBe(true);
  });

  it('a candidate exactly at the γ percentile is accepted with probability ½; a higher percentile accepts fewer', () => {
    const d = rejectionSample([0, 1, 2, 3, 4], { percentile: 50, seed: 1 });
    expect(d.acceptance[2]).toBeCloseTo(0.5, 12);
    expect(d.maxLogit).toBe(4);
    const loose = rejectionSample(scores, { percentile: 50, seed: 3 }).kept.length;
    const strict = rejectionSample(scores, { percentile: 95, seed: 3 }).kept.length;
    expect(strict).toBeLessThan(loose);
  });

  it('matches F = D − D_M − log(1 − exp(D − D_M − ε)) − γ by hand', () => {
    const s = [-1, 0.5, 2];
    const d = rejectionSample(s, { percentile: 0, seed: 0, epsilon: 1e-6 });
    const F = s.map((x) => x - 2 - Math.log(1 - Math.exp(x - 2 - 1e-6)));
    const gamma = Math.min(...F);
    expect(d.gamma).toBeCloseTo(gamma, 10);
    s.forEach((_, i) => expect(d.acceptance[i]).toBeCloseTo(1 / (1 + Math.exp(-(F[i]! - gamma))), 10));
  });

  it('uses a burn-in maximum when it is higher, and handles empty input and NaN', () => {
    expect(rejectionSample([0, 1], { percentile: 50, seed: 0, maxLogit: 10 }).maxLogit).toBe(10);
    const e = rejectionSample([], { percentile: 80, seed: 0 });
    expect([e.kept, e.rejected]).toEqual([[], []]);
    const n = rejectionSample([NaN, 1, 2], { percentile: 0, seed: 0 });
    expect(n.acceptance[0]).toBe(0);
    expect(n.kept).not.toContain(0);
  });

  it('refuses a bad percentile or epsilon', () => {
    expect(() => rejectionSample([1], { percentile: 101, seed: 0 })).toThrow(/between 0 and 100 but received 101/);
    expect(() => rejectionSample([1], { percentile: 50, seed: 0, epsilon: 0 })).toThrow(/epsilon > 0/);
  });
});

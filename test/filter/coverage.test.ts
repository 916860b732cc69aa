import { describe, expect, it } from 'vitest';
import { coverageFilter, selectCoverage } from '../../src/filter/coverage.js';
import { FILTER_STEPS, REJECT_REASONS } from '../../src/filter/steps.js';
import type { FilterContext } from '../../src/filter/types.js';

// 1-d features: real images sit in two clusters, at 0 and at 10; the candidate pool leans to cluster 0
// (a generator drawn towards one template), with three attempts near 10.
const near0 = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8];
const near10 = [9.7, 9.8, 10.4];
const cands = Float64Array.from([...near0, ...near10]);
const anchors = Float64Array.from([0, 0.05, 10, 10.1]);

describe('selectCoverage', () => {
  it('gives every real image its share: both clusters are kept, not only the crowded one', () => {
    const d = selectCoverage(cands, anchors, 1, { keep: 4, seed: 1 });
    const kept = d.kept.map((i) => cands[i]!);
    expect(kept.filter((x) => x < 5)).toHaveLength(2);
    expect(kept.filter((x) => x > 5)).toHaveLength(2);
    // Each anchor takes its nearest untaken candidate.
    expect(new Set(kept)).toEqual(new Set([0.1, 0.2, 9.8, 9.7]));
    expect(d.rejected.map((r) => r.index).sort((a, b) => a - b)).toEqual([2, 3, 4, 5, 6, 7, 10]);
    expect(d.rejected.every((r) => r.reason === 'coverage')).toBe(true);
    expect(d.cut).toBeCloseTo(0.3, 9); // 10 → 9.7 (or 10.1 → 9.8)
  });

  it('keeps going round the real images until the deficit is filled, then each candidate is kept at most once', () => {
    const d = selectCoverage(cands, anchors, 1, { keep: 9, seed: 3 });
    expect(d.kept).toHaveLength(9);
    expect(new Set(d.kept).size).toBe(9);
    // All three near-10 attempts are used before the 8 near-0 ones run out.
    expect(d.kept.filter((i) => cands[i]! > 5)).toHaveLength(3);
  });

  it('keeps every candidate when the deficit exceeds the pool, and the first ones with no real image to cover', () => {
    expect(selectCoverage(cands, anchors, 1, { keep: 50, seed: 1 }).kept).toHaveLength(cands.length);
    const none = selectCoverage(cands, new Float64Array(0), 1, { keep: 3, seed: 1 });
    expect(none.kept).toEqual([0, 1, 2]);
    expect(none.rejected).toHaveLength(cands.length - 3);
    expect(none.cut).toBeNull();
  });

  it('is the same for the same seed and measures distance over every feature', () => {
    // 2-d: the anchors differ only in the second feature.
    const c2 = Float64Array.from([0, 0, 0, 1, 0, 5, 0, 6]);
    const a2 = Float64Array.from([0, 0, 0, 6]);
    const d = selectCoverage(c2, a2, 2, { keep: 2, seed: 7 });
    expect(new Set(d.kept)).toEqual(new Set([0, 3]));
    expect(selectCoverage(c2, a2, 2, { keep: 2, seed: 7 })).toEqual(d);
  });

  it('refuses ragged rows and a negative deficit', () => {
    expect(() => selectCoverage(new Float64Array(3), anchors, 2, { keep: 1, seed: 0 })).toThrow(RangeError);
    expect(() => selectCoverage(cands, anchors, 1, { keep: -1, seed: 0 })).toThrow(RangeError);
  });
});

describe('coverage registry row', () => {
  it('is a filter step name and a reject reason', () => {
    expect(FILTER_STEPS).toContain('coverage');
    expect(REJECT_REASONS).toContain('coverage');
  });

  /** A context with one feature per image; real images 0–3 are class 0, 4 is class 1. */
  function ctx(heldOut: number[]): FilterContext {
    const real = Float32Array.from([0, 0.05, 10, 10.1, 10]);
    return {
      settings: {} as FilterContext['settings'],
      seed: 1,
      salt: 2,
      label: 'a',
      classIndex: 0,
      labels: ['a', 'b'],
      target: 4,
      candidates: { count: cands.length, pixels: new Uint8Array(cands.length), features: Float32Array.from(cands), discriminator: new Float32Array(cands.length) },
      real: { count: 5, pixels: new Uint8Array(5), features: real, labels: Int32Array.from([0, 0, 0, 0, 1]), name: (i) => `r${i}`, heldOut: new Set(heldOut) },
      pixelDims: 1,
      featureDims: 1,
      probabilities: null,
      realProbabilities: null,
      calibrated: new Map(),
    };
  }

  it("covers only the class's own real images that the GAN trained on — never the held-out ones the guard judges with", async () => {
    const all = (await coverageFilter.prepare(ctx([])))[0]!;
    const ids = Array.from(cands, (_, i) => i);
    expect(all.run(ids).kept.filter((i) => cands[i]! > 5)).toHaveLength(2);
    // With both cluster-10 images held out, nothing anchors cluster 10 (the other class's image at 10 does not count).
    const held = (await coverageFilter.prepare(ctx([2, 3])))[0]!;
    expect(held.run(ids).kept.filter((i) => cands[i]! > 5)).toHaveLength(0);
    expect(Array.from(held.scores['coverage-distance']!).slice(-3).map((x) => +x.toFixed(6))).toEqual([9.65, 9.75, 10.35]);
  });

  it('maps its decision back to the survivors it was handed', async () => {
    const step = (await coverageFilter.prepare(ctx([])))[0]!;
    const d = step.run([8, 9, 0, 1]); // candidates 9.7, 9.8, 0.1, 0.2
    expect(d.kept.sort()).toEqual([0, 1, 2, 3]);
    const d2 = step.run([8, 0, 1, 2, 3]);
    expect(d2.rejected).toHaveLength(1);
    expect(d2.rejected[0]!.detail).toMatch(/nearest real image at feature distance/);
  });
});

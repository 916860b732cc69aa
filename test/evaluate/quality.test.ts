import { describe, expect, it } from 'vitest';
import { coverage } from '../../src/metrics/coverage.js';
import { fid } from '../../src/metrics/fid.js';
import { heldOutQuality } from '../../src/evaluate/quality.js';
import { Rng } from '../../src/util/rng.js';

const rows = (seed: number, n: number, scale = 1) => {
  const rng = new Rng(seed);
  return { data: Float64Array.from(rng.normal(new Float32Array(n * 4)), (x) => x * scale), rows: n, dims: 4 };
};

describe('heldOutQuality', () => {
  const test = rows(1, 400);
  const real = rows(2, 50);

  it('FID and its floor, coverage and the real images\' own, from the sets given', () => {
    const kept = rows(3, 500);
    const q = heldOutQuality('coat', { test, real, kept });
    expect(q).toMatchObject({ label: 'coat', test: 400, real: 50, kept: 500 });
    expect(q.fid).toBeCloseTo(fid(kept, test), 10);
    expect(q.fidFloor).toBeCloseTo(fid(real, test), 10);
    expect(q.coverageFloor).toBeCloseTo(coverage(test, real, 5), 12);
    // another sample of the class covers about as much as the real images do
    expect(q.coverage! / q.coverageFloor!).toBeGreaterThan(0.7);
    expect(q.coverage! / q.coverageFloor!).toBeLessThan(1.4);
  });

  it('a kept set narrowed to one template covers far less than as many real images, however many copies it has', () => {
    const narrow = { data: Float64Array.from(rows(4, 500).data, (x) => 0.05 * x), rows: 500, dims: 4 };
    const q = heldOutQuality('coat', { test, real, kept: narrow });
    expect(q.coverage! / q.coverageFloor!).toBeLessThan(0.4);
  });

  it('the shares of kept and test images assigned to the class, from the hit counts; nothing without them', () => {
    const q = heldOutQuality('coat', { test, real, kept: rows(3, 500) }, { kept: 100, test: 300 });
    expect([q.assigned, q.assignedTest]).toEqual([0.2, 0.75]);
    expect(heldOutQuality('coat', { test, real, kept: { data: new Float64Array(0), rows: 0, dims: 4 } }, { kept: 0, test: 300 }).assigned).toBeNull();
    expect('assigned' in heldOutQuality('coat', { test, real, kept: rows(3, 10) })).toBe(false);
  });

  it('null figures where a side is too small, not an error', () => {
    const one = rows(5, 1);
    expect(heldOutQuality('coat', { test, real, kept: one })).toMatchObject({ fid: null, kept: 1 });
    expect(heldOutQuality('coat', { test: one, real, kept: rows(3, 10) })).toMatchObject({ fid: null, fidFloor: null, coverage: null, coverageFloor: null });
  });
});

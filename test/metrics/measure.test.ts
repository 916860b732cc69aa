import { describe, expect, it } from 'vitest';
import { fid } from '../../src/metrics/fid.js';
import { kid } from '../../src/metrics/kid.js';
import { measureClass } from '../../src/metrics/measure.js';
import { Rng } from '../../src/util/rng.js';

const info = { id: 'test', dims: 3, resize: 'none', decodeKernel: 'lanczos3' } as never;
const kidOptions = { subsets: 10, subsetSize: 1000, seed: 0 };
const rows = (seed: number, n: number, shift = 0) => {
  const rng = new Rng(seed);
  return { data: Float64Array.from(rng.normal(new Float32Array(n * 3)), (x) => x + shift), rows: n, dims: 3 };
};

describe('measureClass', () => {
  it('with a hold-out: scores the kept set against the held-out images and the floor is training vs held-out', () => {
    const synth = rows(1, 40, 2);
    const held = rows(2, 10);
    const train = rows(3, 30);
    const q = measureClass('coat', synth, rows(9, 40), info, kidOptions, { held, train });
    expect(q.reference).toBe('held-out');
    expect(q.fid).toBeCloseTo(fid(held, synth), 10);
    expect(q.fidFloor).toBeCloseTo(fid(train, held), 10);
    expect(q.kidFloor).toBeCloseTo(kid(train, held, kidOptions).kid, 10);
    expect(q.samples).toEqual({ real: 10, synthetic: 40, realTrain: 30 });
    // a kept set shifted away from the class scores well above its floor
    expect(q.fid!).toBeGreaterThan(2 * q.fidFloor!);
    // … but spreads as the class does; its spread is against every real image of the class
    expect(q.spread).toBeGreaterThan(0.8);
    expect(q.spread).toBeLessThan(1.25);
  });

  it('spread: a kept set of near-copies of one template is far narrower than the class', () => {
    const one = { data: Float64Array.from(rows(4, 40).data, (x) => 0.05 * x + 1), rows: 40, dims: 3 };
    expect(measureClass('coat', one, rows(9, 40), info, kidOptions).spread).toBeLessThan(0.1);
  });

  it('without a hold-out: against every real image of the class, no floor', () => {
    const real = rows(2, 20);
    const q = measureClass('coat', rows(1, 40), real, info, kidOptions);
    expect(q.reference).toBe('all');
    expect(q.fid).toBeCloseTo(fid(real, rows(1, 40)), 10);
    expect([q.fidFloor, q.kidFloor]).toEqual([null, null]);
  });

  it('too few held-out images: no scores, a note, but the floor when the training side has two', () => {
    const q = measureClass('coat', rows(1, 1), rows(2, 5), info, kidOptions, { held: rows(2, 2), train: rows(3, 5) });
    expect(q.fid).toBeNull();
    expect(q.note).toMatch(/at least 2 images/);
    expect(q.fidFloor).not.toBeNull();
  });
});

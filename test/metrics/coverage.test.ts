/**
 * Coverage against values computed with the authors' definition in NumPy (clovaai/generative-evaluation-prdc:
 * radius = k-th nearest other real sample, covered = some fake sample strictly inside it).
 */
import { describe, expect, it } from 'vitest';
import { coverage, kthNeighbourRadii } from '../../src/metrics/coverage.js';

const REAL = [[0, 0], [1, 0], [0, 1], [1, 1], [5, 5], [6, 5], [5, 6], [9, 0], [9, 1], [3, 3]];
const FAKE = [[0.4, 0.4], [5.5, 5.2], [20, 20]];

describe('coverage', () => {
  it('matches the reference definition for k = 1, 2, 3, 5', () => {
    expect(coverage(REAL, FAKE, 1)).toBeCloseTo(0.7, 12);
    expect(coverage(REAL, FAKE, 2)).toBeCloseTo(0.7, 12);
    expect(coverage(REAL, FAKE, 3)).toBeCloseTo(1, 12);
    expect(coverage(REAL, FAKE, 5)).toBeCloseTo(1, 12);
  });

  it('radii are the distance to the k-th nearest other real sample (squared)', () => {
    const m = { data: Float64Array.from(REAL.flat()), rows: REAL.length, dims: 2 };
    const r = Array.from(kthNeighbourRadii(m, 2), Math.sqrt);
    [1, 1, 1, 1, 1, 1.414, 1.414, 5.831, 5, 2.828].forEach((want, i) => expect(r[i]).toBeCloseTo(want, 3));
  });

  it('a collapsed set covers only the balls around its one template, however many copies', () => {
    const one = Array.from({ length: 50 }, () => [0.4, 0.4]);
    expect(coverage(REAL, one, 2)).toBeCloseTo(0.4, 12);
    expect(coverage(REAL, REAL.map(([x, y]) => [x! + 0.1, y!]), 2)).toBe(1);
  });

  it('rejects a k the real set cannot support and mismatched dims', () => {
    expect(() => coverage(REAL.slice(0, 3), FAKE, 3)).toThrow(/at least 4 rows/);
    expect(() => coverage(REAL, [[1, 2, 3]])).toThrow(/2 dims/);
    expect(() => coverage(REAL, FAKE, 0)).toThrow(/positive integer/);
  });
});

import { describe, expect, it } from 'vitest';
import { selectUseful } from '../../src/filter/usefulness.js';

// 3 classes; candidates generated for class 0. Features are 1-d positions (for the spacing rule).
const P = (...rows: number[][]) => rows.flat();
const base = { minMargin: 0.1, minSpacing: 0, keep: 10 };

describe('selectUseful', () => {
  it.each([
    {
      name: 'drops wrong-class candidates, keeps the right class nearest the boundary first',
      probs: P([0.9, 0.05, 0.05], [0.2, 0.7, 0.1], [0.5, 0.4, 0.1], [0.6, 0.1, 0.3]),
      feats: [0, 10, 20, 30],
      s: base,
      kept: [3, 0],
      reasons: { 1: 'label', 2: 'label' },
    },
    {
      name: 'minMargin 0 keeps a candidate the class merely wins',
      probs: P([0.9, 0.05, 0.05], [0.45, 0.44, 0.11]),
      feats: [0, 10],
      s: { ...base, minMargin: 0 },
      kept: [1, 0],
      reasons: {},
    },
    {
      name: 'keeps at most `keep`; the most certain are left out',
      probs: P([0.99, 0.005, 0.005], [0.6, 0.3, 0.1], [0.8, 0.1, 0.1], [0.7, 0.2, 0.1]),
      feats: [0, 10, 20, 30],
      s: { ...base, keep: 2 },
      kept: [1, 3],
      reasons: { 0: 'usefulness', 2: 'usefulness' },
    },
    {
      name: 'a candidate within minSpacing of a kept one is a near-duplicate; the next one fills its place',
      probs: P([0.6, 0.3, 0.1], [0.61, 0.29, 0.1], [0.9, 0.05, 0.05]),
      feats: [0, 0.5, 5],
      s: { ...base, minSpacing: 1, keep: 2 },
      kept: [0, 2],
      reasons: { 1: 'near-duplicate' },
    },
    {
      name: 'keep 0 keeps nothing',
      probs: P([0.9, 0.05, 0.05]),
      feats: [0],
      s: { ...base, keep: 0 },
      kept: [],
      reasons: { 0: 'usefulness' },
    },
  ])('$name', ({ probs, feats, s, kept, reasons }) => {
    const d = selectUseful(probs, 3, 0, feats, 1, s, ['coat', 'shirt', 'bag']);
    expect(d.kept).toEqual(kept);
    expect(Object.fromEntries(d.rejected.map((r) => [r.index, r.reason]))).toEqual(reasons);
    expect(d.kept.length + d.rejected.length).toBe(feats.length);
    if (reasons[1] === 'label') expect(d.rejected.find((r) => r.index === 1)!.detail).toContain('"shirt"');
  });

  it('measures spacing in every feature dimension', () => {
    const probs = P([0.6, 0.3, 0.1], [0.61, 0.29, 0.1]);
    expect(selectUseful(probs, 3, 0, [0, 0, 0, 3], 2, { ...base, minSpacing: 2 }).kept).toEqual([0, 1]);
    expect(selectUseful(probs, 3, 0, [0, 0, 0, 1], 2, { ...base, minSpacing: 2 }).kept).toEqual([0]);
  });

  it.each([
    ['ragged rows', () => selectUseful([0.5, 0.5, 0], 2, 0, [0], 1, base)],
    ['intended out of range', () => selectUseful([0.5, 0.5], 2, 2, [0], 1, base)],
    ['features of the wrong length', () => selectUseful([0.5, 0.5], 2, 0, [0, 1], 1, base)],
    ['negative spacing', () => selectUseful([0.5, 0.5], 2, 0, [0], 1, { ...base, minSpacing: -1 })],
  ])('throws a RangeError on %s', (_, f) => {
    expect(f).toThrow(RangeError);
  });
});

import { describe, expect, it } from 'vitest';
import { planBalance } from '../../src/dataset/balance.js';
import { UserError } from '../../src/errors.js';

const counts = [
  { label: 'a', count: 100 },
  { label: 'b', count: 40 },
  { label: 'c', count: 10 },
];
const deficits = (s: Parameters<typeof planBalance>[1]) => planBalance(counts, s).classes.map((c) => c.deficit);

describe('planBalance', () => {
  it.each([
    ['not-majority', [0, 60, 90]],
    ['auto', [0, 60, 90]],
    ['all', [0, 60, 90]],
    ['minority', [0, 0, 90]],
    ['not-minority', [0, 60, 0]],
    [0.5, [0, 10, 40]],
    [1, [0, 60, 90]],
  ] as const)('strategy %j → deficits %j', (strategy, expected) => {
    expect(deficits(strategy)).toEqual(expected);
  });

  it('takes explicit per-class targets and totals the deficits', () => {
    const plan = planBalance(counts, { c: 25 });
    expect(plan.classes).toEqual([
      { label: 'a', count: 100, target: 100, deficit: 0 },
      { label: 'b', count: 40, target: 40, deficit: 0 },
      { label: 'c', count: 10, target: 25, deficit: 15 },
    ]);
    expect(plan.totalDeficit).toBe(15);
  });

  it('rejects a map naming an unknown class or a target below the current count', () => {
    try {
      planBalance(counts, { zz: 5, a: 3 });
      throw new Error('expected a UserError');
    } catch (err) {
      expect(err).toBeInstanceOf(UserError);
      expect((err as UserError).problems).toEqual([
        'balance.strategy.zz: no class named "zz" (classes: a, b, c)',
        'balance.strategy.a: expected a target ≥ the 100 images the class already has, received 3',
      ]);
    }
  });

  it('names the nearest class for a misspelt one', () => {
    const err = (() => {
      try {
        planBalance([{ label: 'coat', count: 10 }, { label: 'shirt', count: 5 }], { shrit: 10 });
      } catch (e) {
        return e as UserError;
      }
      throw new Error('expected a UserError');
    })();
    expect(err.problems).toEqual(['balance.strategy.shrit: no class named "shrit"; did you mean "shirt"? (classes: coat, shirt)']);
  });

  it('handles ties for the majority, one class, and no classes', () => {
    expect(planBalance([{ label: 'x', count: 5 }, { label: 'y', count: 5 }], 'not-majority').totalDeficit).toBe(0);
    expect(planBalance([{ label: 'x', count: 5 }], 'minority').totalDeficit).toBe(0);
    expect(planBalance([], 'all')).toEqual({ strategy: 'all', classes: [], totalDeficit: 0 });
  });

  it('ratio rounds the target down, as imbalanced-learn does, without losing an image to float error', () => {
    expect(planBalance([{ label: 'a', count: 7 }, { label: 'b', count: 1 }], 0.5).classes[1]).toEqual({ label: 'b', count: 1, target: 3, deficit: 2 });
    // 0.57 × 100 is 56.99… and 0.07 × 100 is 7.000…1 in doubles: the targets are 57 and 7.
    expect(planBalance([{ label: 'a', count: 100 }, { label: 'b', count: 1 }], 0.57).classes[1]!.target).toBe(57);
    expect(planBalance([{ label: 'a', count: 100 }, { label: 'b', count: 1 }], 0.07).classes[1]!.target).toBe(7);
  });
});

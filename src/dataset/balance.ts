/**
 * Class balance: from counts per class to a target and a deficit per class. Pure.
 * Strategies follow imbalanced-learn's `sampling_strategy` for over-sampling, checked against its
 * RandomOverSampler in test/dataset/imblearn.test.ts, which lists where and why they part.
 */
import { UserError } from '../errors.js';
import type { Strategy } from '../config/schema.js';
import { maxOf, minOf } from '../util/array.js';
import { didYouMean } from '../util/closest.js';

export interface ClassBalance {
  label: string;
  count: number;
  target: number;
  /** target − count: how many synthetic images this class needs. */
  deficit: number;
}

export interface BalancePlan {
  strategy: Strategy;
  classes: ClassBalance[];
  /** Sum of deficits. */
  totalDeficit: number;
}

/**
 * Works out each class's target count.
 * - `not-majority` (= `auto`): every class but the largest is brought up to the largest count;
 * - `all`: every class up to the largest; `minority`: only the smallest class — every class tied at
 *   the smallest count (imbalanced-learn takes the first of them in label order);
 * - `not-minority`: every class but the smallest (again every tied one);
 * - a ratio r in (0, 1]: every class below floor(r × largest) up to it, as imbalanced-learn rounds;
 *   unlike it, with any number of classes, and a class already there left as it is (it refuses both);
 * - a map { label: target }: those classes to those counts.
 * @throws {UserError} when a map names a class that does not exist or asks for fewer images than it has.
 */
export function planBalance(counts: { label: string; count: number }[], strategy: Strategy): BalancePlan {
  if (counts.length === 0) return { strategy, classes: [], totalDeficit: 0 };
  const max = maxOf(counts.map((c) => c.count));
  const min = minOf(counts.map((c) => c.count));
  let targetOf: (c: { label: string; count: number }) => number;
  if (typeof strategy === 'number') {
    // Rounded to 12 significant digits first, so that float error does not cost an image where r × largest
    // is whole (0.57 × 100 = 56.99…; imbalanced-learn's issue #1215).
    const t = Math.floor(Number((strategy * max).toPrecision(12)));
    targetOf = (c) => Math.max(c.count, t);
  } else if (typeof strategy === 'object') {
    const known = new Set(counts.map((c) => c.label));
    const problems: string[] = [];
    for (const [label, target] of Object.entries(strategy)) {
      if (!known.has(label)) problems.push(`balance.strategy.${label}: no class named "${label}"${didYouMean(label, [...known])} (classes: ${[...known].join(', ')})`);
      else {
        const have = counts.find((c) => c.label === label)!.count;
        if (target < have) problems.push(`balance.strategy.${label}: expected a target ≥ the ${have} images the class already has, received ${target}`);
      }
    }
    if (problems.length > 0) throw new UserError('balance.strategy does not fit the dataset', problems);
    targetOf = (c) => strategy[c.label] ?? c.count;
  } else {
    const pick: Record<typeof strategy, (count: number) => boolean> = {
      'not-majority': (n) => n < max,
      auto: (n) => n < max,
      all: () => true,
      minority: (n) => n === min,
      'not-minority': (n) => n !== min || min === max,
    };
    const selected = pick[strategy];
    targetOf = (c) => (selected(c.count) ? max : c.count);
  }
  const classes = counts.map((c) => {
    const target = targetOf(c);
    return { label: c.label, count: c.count, target, deficit: Math.max(0, target - c.count) };
  });
  return { strategy, classes, totalDeficit: classes.reduce((s, c) => s + c.deficit, 0) };
}

/**
 * Repeating a list in shuffled rounds: every item once before any twice — how a class is topped up with
 * its own real images, by `run` (filter.shortfall) and by `evaluate`'s oversample row alike.
 */
import type { Rng } from './rng.js';

/**
 * `count` items of `items`, in rounds each a fresh seeded shuffle of the whole list (the last round cut
 * short): no item is drawn k + 1 times while another has k. Unlike draws with replacement
 * (imbalanced-learn's RandomOverSampler), no real image weighs much more than another by chance.
 * @returns [] when `items` is empty or `count` ≤ 0
 */
export function repeatInRounds<T>(items: readonly T[], count: number, rng: Rng): T[] {
  const out: T[] = [];
  if (items.length === 0) return out;
  const order = items.map((_, i) => i);
  while (out.length < count) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    for (const i of order) {
      if (out.length === count) break;
      out.push(items[i]!);
    }
  }
  return out;
}

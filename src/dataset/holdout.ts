/**
 * Holding out a few real images per class, never trained on, so that D's output on them can be compared
 * with its output on training images: a growing gap is the over-fitting signal. Pure.
 */
import { Rng } from '../util/rng.js';
import { pushAll } from '../util/array.js';

/** How many of a class's `n` images {@link splitHoldout} holds out: max(2, round(fraction × n)), leaving at least one to train on; none from a class of 1–2. */
export function holdoutCount(n: number, fraction: number): number {
  const want = fraction > 0 ? Math.max(2, Math.round(fraction * n)) : 0;
  return Math.min(want, Math.max(0, n - 1), n >= 3 ? n : 0);
}

/**
 * Splits image indices per class: max(2, round(fraction × n)) held out, but always at least one image
 * left to train on (a class of 1–2 images holds out nothing).
 *
 * `twins` (from {@link twinGroups}: each index → the first index with the same pixels) keeps an image and its
 * copies on one side: a copy held out while its twin is trained on is no held-out image. A group goes to the
 * held-out side whole, and only while it fits in the class's count; otherwise it trains. Without twins the
 * split is the plain one, draw for draw.
 */
export function splitHoldout(labels: Int32Array, numClasses: number, fraction: number, rng: Rng, twins?: Int32Array | null): { train: number[]; held: number[] } {
  return splitHoldoutCounts(labels, numClasses, (_, n) => holdoutCount(n, fraction), rng, twins);
}

/**
 * {@link splitHoldout} with each class's count given by `count(classIndex, n)` (drawn the same way: the
 * same Rng draws, class by class).
 */
export function splitHoldoutCounts(labels: Int32Array, numClasses: number, count: (classIndex: number, n: number) => number, rng: Rng, twins?: Int32Array | null): { train: number[]; held: number[] } {
  const byClass: number[][] = Array.from({ length: numClasses }, () => []);
  labels.forEach((l, i) => byClass[l]!.push(i));
  const train: number[] = [];
  const held: number[] = [];
  for (const [c, list] of byClass.entries()) {
    const shuffled = [...list];
    for (let i = shuffled.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
    }
    const k = count(c, list.length);
    const groups = twins ? groupsOf(list, twins) : null;
    if (!groups) {
      pushAll(held, shuffled.slice(0, k));
      pushAll(train, shuffled.slice(k));
      continue;
    }
    // In shuffled order, each image brings its twins of this class along.
    let taken = 0;
    const done = new Set<number>();
    for (const i of shuffled) {
      const id = twins![i]!;
      if (done.has(id)) continue;
      done.add(id);
      const group = groups.get(id)!;
      if (taken + group.length <= k) {
        pushAll(held, group);
        taken += group.length;
      } else pushAll(train, group);
    }
  }
  return { train: train.sort((a, b) => a - b), held: held.sort((a, b) => a - b) };
}

/** `list`'s images grouped by twin id, or null when no two are twins. */
function groupsOf(list: readonly number[], twins: Int32Array): Map<number, number[]> | null {
  const groups = new Map<number, number[]>();
  for (const i of list) {
    const g = groups.get(twins[i]!);
    if (g) g.push(i);
    else groups.set(twins[i]!, [i]);
  }
  return groups.size < list.length ? groups : null;
}

/**
 * The Rng the GAN trainer (`Trainer` in gan/train-loop.ts) splits its hold-out with: the second fork of
 * Rng(seed). The synthesis stage re-derives the same split from it, so it can measure the kept images
 * against real images the GAN never saw.
 */
export function ganHoldoutRng(seed: number): Rng {
  const root = new Rng(seed);
  root.fork(1);
  return root.fork(2);
}

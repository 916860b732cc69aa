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
 */
export function splitHoldout(labels: Int32Array, numClasses: number, fraction: number, rng: Rng): { train: number[]; held: number[] } {
  const byClass: number[][] = Array.from({ length: numClasses }, () => []);
  labels.forEach((l, i) => byClass[l]!.push(i));
  const train: number[] = [];
  const held: number[] = [];
  for (const list of byClass) {
    const shuffled = [...list];
    for (let i = shuffled.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
    }
    const k = holdoutCount(list.length, fraction);
    pushAll(held, shuffled.slice(0, k));
    pushAll(train, shuffled.slice(k));
  }
  return { train: train.sort((a, b) => a - b), held: held.sort((a, b) => a - b) };
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

/**
 * The four training sets `evaluate` compares, as index pools into one array of images (real first, then
 * synthetic) and per-image loss weights. Pure apart from the seeded Rng it is handed.
 *
 * - `real`: the real images.
 * - `oversample`: the real images, each scarce class topped up to its target (what the run was asked to
 *   fill it to; without one, the size it has with its synthetic images) by drawing its own real images
 *   again at random (imbalanced-learn's RandomOverSampler). The target does not depend on how many
 *   synthetic images the filters kept, so a shortfall does not weaken this baseline.
 * - `class-weight`: the real images, each weighted N / (K · n_class) (scikit-learn's "balanced"), so
 *   every class carries the same total weight.
 * - `synthetic`: the real images and the synthetic ones, as `gan-augment run` delivers them.
 *
 * All four draw minibatches uniformly from their pool, for the same number of steps.
 */
import type { Rng } from '../util/rng.js';
import type { ArmName } from './types.js';

export interface ArmPool {
  name: ArmName;
  /** Image indices (into real ++ synthetic); repeats mean oversampling. */
  pool: Int32Array;
  /** Loss weight of each class by class index (1 where unweighted). */
  classWeight: Float32Array;
}

/**
 * @param realLabels class index of each real image
 * @param syntheticLabels class index of each synthetic image (they follow the real ones)
 * @param scarce class indices whose real images are oversampled
 * @param k number of classes
 * @param targets per class index, the run's target count (NaN where unknown)
 */
export function buildArms(realLabels: Int32Array, syntheticLabels: Int32Array, scarce: readonly number[], k: number, rng: Rng, targets?: ArrayLike<number>): ArmPool[] {
  const nReal = realLabels.length;
  const realCount = new Array<number>(k).fill(0);
  const synCount = new Array<number>(k).fill(0);
  realLabels.forEach((l) => realCount[l]!++);
  syntheticLabels.forEach((l) => synCount[l]!++);
  const realIdx = Int32Array.from({ length: nReal }, (_, i) => i);
  const ones = new Float32Array(k).fill(1);

  // Oversampling targets: the run's target; else what the class has with its synthetic images; else the
  // largest class.
  const maxReal = Math.max(0, ...realCount);
  const byClass: number[][] = Array.from({ length: k }, () => []);
  realLabels.forEach((l, i) => byClass[l]!.push(i));
  const extra: number[] = [];
  for (const c of scarce) {
    const planned = targets?.[c];
    const target = planned !== undefined && Number.isFinite(planned) ? planned : synCount[c]! > 0 ? realCount[c]! + synCount[c]! : maxReal;
    const list = byClass[c]!;
    if (list.length === 0) continue;
    for (let n = realCount[c]!; n < target; n++) extra.push(list[rng.int(list.length)]!);
  }

  const present = realCount.filter((n) => n > 0).length;
  const weight = Float32Array.from(realCount, (n) => (n > 0 ? nReal / (present * n) : 0));

  return [
    { name: 'real', pool: realIdx, classWeight: ones },
    { name: 'oversample', pool: Int32Array.from([...realIdx, ...extra]), classWeight: ones },
    { name: 'class-weight', pool: realIdx, classWeight: weight },
    { name: 'synthetic', pool: Int32Array.from({ length: nReal + syntheticLabels.length }, (_, i) => i), classWeight: ones },
  ];
}

/**
 * The training sets `evaluate` compares, as index pools into one array of images (real first, then what
 * the run added) and per-image loss weights. Pure apart from the seeded Rng it is handed.
 *
 * Classical rows (no synthetic image):
 * - `real`: the real images.
 * - `oversample`: the real images, each scarce class topped up to its target (what the run was asked to
 *   fill it to; without one, the size it has with its synthetic images) with its own real images listed
 *   again: first the ones the run itself listed again (`source: "oversampled"`, the guard's fallback and
 *   the filters' shortfall), in the synthetic row's order, then more in shuffled rounds (every image once
 *   before any twice; imbalanced-learn's RandomOverSampler draws with replacement, a weaker baseline by
 *   chance). So the two rows differ by exactly the synthetic images: a run that kept none trains the same
 *   classifier in both. The target does not depend on how many synthetic images the filters kept, so a
 *   shortfall does not weaken this baseline.
 * - `class-weight`: the real images, each weighted N / (K · n_class) (scikit-learn's "balanced"), so
 *   every class carries the same total weight.
 * - `logit-adjust` is not trained: it is the `real` classifier with τ·log prior subtracted from its
 *   logits (see run.ts).
 *
 * - `synthetic`: the real images and what the run added (synthetic images, and real images it listed
 *   again), as `gan-augment run` delivers them — with the manifest's targets (softLabel, weight; under
 *   `deliver.labels: hard` each image's class) when `use.targets` is `soft`, hard labels when `hard`, and only the best `use.mix` share of each class's synthetic images (the rest
 *   of its fill from its real images, in shuffled rounds) when `use.mix` < 1.
 *
 * All draw minibatches uniformly from their pool, for the same number of steps.
 */
import type { Rng } from '../util/rng.js';
import type { ArmName, SyntheticUse } from './types.js';
import { maxOf, pushAll } from '../util/array.js';
import { repeatInRounds } from '../util/rounds.js';

export type { SyntheticUse } from './types.js';

export interface ArmPool {
  name: ArmName;
  /** Image indices (into real ++ added); repeats mean oversampling. */
  pool: Int32Array;
  /** Loss weight of each class by class index (1 where unweighted). */
  classWeight: Float32Array;
  /** Per image index: loss weight multiplier and soft target row (k values); absent = 1 and one-hot. */
  imageWeight?: Float32Array;
  soft?: Float32Array;
}


export const DELIVERED: SyntheticUse = { targets: 'soft', mix: 1 };

export interface ArmInputs {
  /** Class index of each real image (indices 0 … nReal−1). */
  realLabels: Int32Array;
  /** Class index of each added image (indices nReal …), and whether it is synthetic (else oversampled real). */
  addedLabels: Int32Array;
  addedSynthetic?: Uint8Array;
  /** Per image (real ++ added): the manifest's weight and soft target rows (count × k). */
  weight?: Float32Array;
  soft?: Float32Array;
  scarce: readonly number[];
  k: number;
  /** Per class index, the run's target count (NaN where unknown). */
  targets?: ArrayLike<number>;
}


/** The three trained classical arms: real, oversample, class-weight. */
export function classicalArms(inp: ArmInputs, rng: Rng): ArmPool[] {
  const { realLabels, addedLabels, scarce, k, targets } = inp;
  const nReal = realLabels.length;
  const realCount = new Array<number>(k).fill(0);
  const addCount = new Array<number>(k).fill(0);
  realLabels.forEach((l) => realCount[l]!++);
  addedLabels.forEach((l) => addCount[l]!++);
  const realIdx = Int32Array.from({ length: nReal }, (_, i) => i);
  const ones = new Float32Array(k).fill(1);
  // The real images the run listed again, in manifest order (as the synthetic row takes them).
  const listed = addedIndices(inp).listed;
  const listedCount = new Array<number>(k).fill(0);
  listed.forEach((i) => listedCount[addedLabels[i - nReal]!]!++);

  // Oversampling targets: the run's target; else what the class has with its added images; else the largest class.
  const maxReal = Math.max(0, maxOf(realCount));
  const byClass = realByClass(realLabels, k);
  const extra: number[] = [...listed];
  for (const c of scarce) {
    const planned = targets?.[c];
    const target = planned !== undefined && Number.isFinite(planned) ? planned : addCount[c]! > 0 ? realCount[c]! + addCount[c]! : maxReal;
    pushAll(extra, repeatInRounds(byClass[c]!, target - realCount[c]! - listedCount[c]!, rng));
  }
  const present = realCount.filter((n) => n > 0).length;
  const weight = Float32Array.from(realCount, (n) => (n > 0 ? nReal / (present * n) : 0));
  return [
    { name: 'real', pool: realIdx, classWeight: ones },
    { name: 'oversample', pool: Int32Array.from([...realIdx, ...extra]), classWeight: ones },
    { name: 'class-weight', pool: realIdx, classWeight: weight },
  ];
}

function realByClass(realLabels: Int32Array, k: number): number[][] {
  const byClass: number[][] = Array.from({ length: k }, () => []);
  realLabels.forEach((l, i) => byClass[l]!.push(i));
  return byClass;
}

/** Indices (into real ++ added) of the added images, in manifest order: real ones listed again, and synthetic ones by class. */
function addedIndices(inp: ArmInputs): { listed: number[]; synByClass: number[][] } {
  const nReal = inp.realLabels.length;
  const listed: number[] = [];
  // Synthetic images of each class in manifest order (the run writes them best first).
  const synByClass: number[][] = Array.from({ length: inp.k }, () => []);
  inp.addedLabels.forEach((l, j) => {
    if (inp.addedSynthetic && inp.addedSynthetic[j] === 0) listed.push(nReal + j);
    else synByClass[l]!.push(nReal + j);
  });
  return { listed, synByClass };
}

/** The synthetic arm: real ++ added, used as `use` says. */
export function syntheticArm(inp: ArmInputs, use: SyntheticUse, rng: Rng): ArmPool {
  const { realLabels, k } = inp;
  const nReal = realLabels.length;
  const byClass = realByClass(realLabels, k);
  const { listed, synByClass } = addedIndices(inp);
  const pool: number[] = [...Array.from({ length: nReal }, (_, i) => i), ...listed];
  for (let c = 0; c < k; c++) {
    const syn = synByClass[c]!;
    const keep = Math.round(Math.min(1, Math.max(0, use.mix)) * syn.length);
    pushAll(pushAll(pool, syn.slice(0, keep)), repeatInRounds(byClass[c]!, syn.length - keep, rng));
  }
  const arm: ArmPool = { name: 'synthetic', pool: Int32Array.from(pool), classWeight: new Float32Array(k).fill(1) };
  if (use.targets === 'soft') {
    if (inp.weight) arm.imageWeight = inp.weight;
    if (inp.soft) arm.soft = inp.soft;
  }
  return arm;
}

/**
 * Whether two arms train the same classifier at the same seed: the same pool in the same order, the same
 * class weights, and on every pooled image the same loss weight and target (absent = 1 and one-hot of
 * `labels`). The synthetic arm of a manifest that holds no synthetic image is the oversample arm (see the
 * module note), and `evaluate` need not train it twice.
 */
export function sameTraining(a: ArmPool, b: ArmPool, labels: Int32Array, k: number): boolean {
  if (a.pool.length !== b.pool.length || a.classWeight.some((w, c) => w !== b.classWeight[c])) return false;
  const weight = (arm: ArmPool, i: number) => (arm.imageWeight ? arm.imageWeight[i]! : 1);
  const target = (arm: ArmPool, i: number, c: number) => (arm.soft ? arm.soft[i * k + c]! : labels[i] === c ? 1 : 0);
  for (let j = 0; j < a.pool.length; j++) {
    const i = a.pool[j]!;
    if (i !== b.pool[j] || weight(a, i) !== weight(b, i)) return false;
    for (let c = 0; c < k; c++) if (target(a, i, c) !== target(b, i, c)) return false;
  }
  return true;
}

/**
 * The four trained arms in the reported order (`logit-adjust` is derived from `real`, not trained).
 * @param rng draws the oversampled images
 */
export function buildArms(inp: ArmInputs, rng: Rng, use: SyntheticUse = DELIVERED): ArmPool[] {
  return [...classicalArms(inp, rng), syntheticArm(inp, use, rng)];
}

/**
 * Post-hoc logit adjustment (Menon et al., ICLR 2021): logits − τ·log prior, per row of a row-major
 * `rows × k` matrix. Classes with prior 0 are never predicted.
 */
export function adjustLogits(logits: Float32Array, rows: number, prior: ArrayLike<number>, tau: number): Float32Array {
  const k = prior.length;
  const shift = Array.from(prior, (p) => (p > 0 ? tau * Math.log(p) : Infinity));
  const out = new Float32Array(rows * k);
  for (let i = 0; i < rows; i++) for (let j = 0; j < k; j++) out[i * k + j] = logits[i * k + j]! - shift[j]!;
  return out;
}

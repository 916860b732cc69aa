/**
 * How each kept synthetic image should enter training (manifest `weight` and `softLabel`). `deliver.labels:
 * hard` (the default): its class, as for a real image (softLabel null, weight 1). `soft`: the real-data
 * teacher's class probabilities as its soft label and its probability of the intended class as its loss
 * weight — a sample the teacher doubts teaches less, and teaches the ambiguity it sees; without a teacher
 * (no feature classifier in this run) the soft label is label smoothing and the weight 1.
 */
import type { Classifier } from '../classifier/model.js';
import { probabilities } from '../classifier/predict.js';
import type { LABEL_MODES } from '../config/schema.js';

type LabelMode = (typeof LABEL_MODES)[number];

/** Label smoothing ε used when there is no teacher. */
export const SMOOTHING = 0.1;
/** Soft-label entries below this are left out of the manifest (the rest is renormalised by readers). */
const MIN_PROB = 5e-4;

export interface ImageTarget {
  weight: number;
  /** null: the image's class is its target. */
  softLabel: Record<string, number> | null;
}

/** The target of an image trained on its class (`deliver.labels: hard`). */
export const HARD_TARGET: Readonly<ImageTarget> = Object.freeze({ weight: 1, softLabel: null });

const round = (x: number) => Math.round(x * 1e4) / 1e4;

/**
 * Targets from probability rows. Pure.
 * @param probs count × labels.length probabilities (row-major), or null for label smoothing
 * @param intended class index of each image
 */
export function targetsFrom(probs: Float32Array | null, intended: readonly number[], labels: readonly string[]): (ImageTarget & { softLabel: Record<string, number> })[] {
  const k = labels.length;
  return intended.map((c, i) => {
    const softLabel: Record<string, number> = {};
    if (!probs) {
      labels.forEach((l, j) => (softLabel[l] = round(j === c ? 1 - SMOOTHING + SMOOTHING / k : SMOOTHING / k)));
      return { weight: 1, softLabel };
    }
    labels.forEach((l, j) => {
      const p = probs[i * k + j]!;
      if (p >= MIN_PROB || j === c) softLabel[l] = round(p);
    });
    return { weight: round(probs[i * k + c]!), softLabel };
  });
}

/** Targets of `images` from the teacher (null: label smoothing). */
export async function teacherTargets(teacher: Classifier | null, images: readonly { label: string; pixels: Uint8Array }[], labels: readonly string[]): Promise<ImageTarget[]> {
  const intended = images.map((img) => labels.indexOf(img.label));
  if (!teacher || images.length === 0) return targetsFrom(null, intended, labels);
  const per = images[0]!.pixels.length;
  const pixels = new Uint8Array(images.length * per);
  images.forEach((img, i) => pixels.set(img.pixels, i * per));
  return targetsFrom(await probabilities(teacher, pixels, images.length), intended, labels);
}

/** The targets `deliver.labels` asks for: the teacher's (`soft`) or each image's class (`hard`). */
export async function deliveredTargets(mode: LabelMode, teacher: Classifier | null, images: readonly { label: string; pixels: Uint8Array }[], labels: readonly string[]): Promise<ImageTarget[]> {
  if (mode === 'hard') return images.map(() => ({ ...HARD_TARGET }));
  return teacherTargets(teacher, images, labels);
}

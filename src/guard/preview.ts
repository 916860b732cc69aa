/**
 * What the guard will judge on, known before any training: each scarce class's held-out real images (the
 * GAN's `train.validation` split, src/dataset/holdout.ts). Pure.
 */
import { holdoutCount } from '../dataset/holdout.js';
import { FEW_HELD_OUT, holdingOutCosts, type GuardMode } from './decide.js';
import { CLASSES_IN_FULL } from '../config/defaults.js';

/** Real images a scarce class keeps out of the held-out split under generate.from (coverage anchors, the guard's classifiers). */
export const IMPORT_MIN_TRAIN = 5;

/**
 * How many of a class's `n` real images the guard holds out. As a GAN's split ({@link holdoutCount} at
 * `train.validation`), except a scarce class under generate.from: there no GAN trains on them and the
 * manifest lists every one, so it holds out up to {@link FEW_HELD_OUT} — what the guard needed to keep the
 * classes that helped on fmnist-lt and fmnist-lt2 (docs/measurements.md) — keeping {@link IMPORT_MIN_TRAIN}.
 */
export function guardHoldoutCount(n: number, validation: number, importedScarce: boolean): number {
  const share = holdoutCount(n, validation);
  return importedScarce ? Math.max(share, Math.min(FEW_HELD_OUT, n - IMPORT_MIN_TRAIN)) : share;
}

/**
 * The console line for a run whose `fallback` guard will judge some scarce class on fewer than
 * {@link FEW_HELD_OUT} held-out images, or null. On so few the guard has not kept a class's synthetic images in
 * any measurement, not even new real images standing in for them (docs/measurements.md), so the user learns
 * before the training what the run will most likely deliver for those classes, and what would change it.
 */
export function fewHeldOutNote(classes: readonly { label: string; count: number }[], validation: number, mode: GuardMode, imported = false): string | null {
  if (mode !== 'fallback') return null;
  const few = classes.map((c) => ({ label: c.label, held: guardHoldoutCount(c.count, validation, imported) })).filter((c) => c.held < FEW_HELD_OUT);
  if (few.length === 0) return null;
  const same = few.every((c) => c.held === few[0]!.held);
  // Every scarce class alike, and many of them: counted, not named one by one (53 names ran to 1,070 characters).
  const names =
    same && few.length === classes.length && few.length > CLASSES_IN_FULL
      ? `all ${few.length} scarce classes`
      : few.map((c) => `"${c.label}"${same ? '' : ` (${c.held})`}`).join(', ');
  const n = few[0]!.held;
  const held = !same ? ' on the held-out real images in brackets' : n === 0 ? ' on no held-out real image' : ` on ${n} held-out real image${n === 1 ? '' : 's'}${few.length > 1 ? ' each' : ''}`;
  // A class that holds out nothing (1–2 images: holdoutCount keeps every one for training) is not a likelihood
  // but a certainty: the guard keeps no class's synthetic images without held-out images to judge them on.
  const none = few.filter((c) => c.held === 0).map((c) => `"${c.label}"`);
  const certain =
    none.length === 0
      ? ''
      : ` ${none.join(', ')} ${none.length === 1 ? 'holds' : 'hold'} out no image (a class of 1–2 images trains on all of them), so the guard cannot keep ${none.length === 1 ? 'its' : 'their'} synthetic images at all (guard: warn keeps them unproven).`;
  return (
    `guard: ${names} will be judged${held} (train.validation ${validation}); below ${FEW_HELD_OUT} the guard has kept no ` +
    `synthetic images in the measurements so far, not even perfect ones (new real images; docs/measurements.md): expect ` +
    `${few.length > 1 ? 'their fills' : 'its fill'} to be oversampled real images.${certain} A larger train.validation holds out more, ${holdingOutCosts(imported)}`
  );
}

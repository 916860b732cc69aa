/**
 * DiffAugment (Zhao et al. 2020): differentiable augmentations applied to real AND generated images in
 * both the D and the G step, so D cannot memorise a small training set and G still gets gradients
 * through the augmentation. Each operation is applied to each image with probability p (p = 1 is
 * DiffAugment; an ADA-style controller moves p, see `ada.ts`).
 *
 * Random parameters are drawn in JS from the project's Rng (so checkpoints can resume them exactly);
 * the tensor side is plain differentiable ops: adds, multiplies, and batched shift-matrix products for
 * translation (a gather would need a scatter in its gradient).
 */
import { tf } from '../tf.js';
import type { Rng } from '../util/rng.js';
import type { Augmentation } from './arch.js';

export interface AugmentParams {
  batch: number;
  size: number;
  channels: number;
  /** Per image; identity values where an operation was not drawn. */
  brightness: Float32Array;
  saturation: Float32Array;
  contrast: Float32Array;
  shiftY: Int32Array;
  shiftX: Int32Array;
  /** 1 where the image is mirrored left–right. */
  flipX: Int32Array;
  /** Cutout mask [B, H, W] (1 keep, 0 cut), or null when no image was cut. */
  cutMask: Float32Array | null;
  /** Which operations any image uses (skipped entirely otherwise: p = 0 is the exact identity). */
  used: Set<Augmentation>;
}

/**
 * Draws augmentation parameters for a batch: each operation of `policy` applies to each image with
 * probability `p`. Translation shifts by up to 1/8 of the side, cutout blanks a square of half the side.
 */
export function drawAugment(rng: Rng, batch: number, size: number, channels: number, policy: readonly Augmentation[], p: number): AugmentParams {
  const brightness = new Float32Array(batch);
  const saturation = new Float32Array(batch).fill(1);
  const contrast = new Float32Array(batch).fill(1);
  const shiftY = new Int32Array(batch);
  const shiftX = new Int32Array(batch);
  const flipX = new Int32Array(batch);
  let cutMask: Float32Array | null = null;
  const used = new Set<Augmentation>();
  const maxShift = Math.floor(size * 0.125 + 0.5);
  const cut = Math.floor(size * 0.5 + 0.5);
  for (let b = 0; b < batch; b++) {
    if (policy.includes('color') && rng.next() < p) {
      used.add('color');
      brightness[b] = rng.next() - 0.5;
      saturation[b] = channels === 3 ? rng.next() * 2 : 1;
      contrast[b] = rng.next() + 0.5;
    }
    if (policy.includes('translation') && rng.next() < p) {
      used.add('translation');
      shiftY[b] = rng.int(2 * maxShift + 1) - maxShift;
      shiftX[b] = rng.int(2 * maxShift + 1) - maxShift;
    }
    if (policy.includes('cutout') && rng.next() < p) {
      used.add('cutout');
      cutMask ??= new Float32Array(batch * size * size).fill(1);
      const cy = rng.int(size + (1 - (cut % 2))) - Math.floor(cut / 2);
      const cx = rng.int(size + (1 - (cut % 2))) - Math.floor(cut / 2);
      for (let y = Math.max(0, cy); y < Math.min(size, cy + cut); y++) {
        for (let x = Math.max(0, cx); x < Math.min(size, cx + cut); x++) cutMask[(b * size + y) * size + x] = 0;
      }
    }
    // Drawn last, so that a policy without it draws exactly what it drew before `flip` existed.
    if (policy.includes('flip') && rng.next() < p && rng.next() < 0.5) {
      used.add('flip');
      flipX[b] = 1;
    }
  }
  return { batch, size, channels, brightness, saturation, contrast, shiftY, shiftX, flipX, cutMask, used };
}

/**
 * [B, n, n] matrices S with (S·v)[i] = v[i − shift] (zero where that falls outside); where `flip` is 1, of the
 * mirrored v: (S·v)[i] = v[n − 1 − (i − shift)].
 */
function shiftMatrices(shifts: Int32Array, n: number, flip?: Int32Array): Float32Array {
  const m = new Float32Array(shifts.length * n * n);
  shifts.forEach((s, b) => {
    for (let i = 0; i < n; i++) {
      const j = flip?.[b] ? n - 1 - (i - s) : i - s;
      if (j >= 0 && j < n) m[(b * n + i) * n + j] = 1;
    }
  });
  return m;
}

/** Applies drawn parameters to images in [-1, 1], NHWC. Differentiable with respect to `x`. */
export function applyAugment(x: tf.Tensor4D, a: AugmentParams): tf.Tensor4D {
  if (a.used.size === 0) return x;
  return tf.tidy(() => {
    const { batch: b, size: n, channels: c } = a;
    let y: tf.Tensor = x;
    if (a.used.has('color')) {
      y = y.add(tf.tensor4d(a.brightness, [b, 1, 1, 1]));
      if (c === 3) {
        const m = y.mean(3, true);
        y = y.sub(m).mul(tf.tensor4d(a.saturation, [b, 1, 1, 1])).add(m);
      }
      const m = y.mean([1, 2, 3], true);
      y = y.sub(m).mul(tf.tensor4d(a.contrast, [b, 1, 1, 1])).add(m);
    }
    if (a.used.has('translation') || a.used.has('flip')) {
      // Shift (y + 1) so that uncovered pixels become −1, the images' black, then shift back. A mirror is the
      // column matrix reversed: one product either way, differentiable without a gather.
      const sh = tf.tensor3d(shiftMatrices(a.shiftY, n), [b, n, n]);
      const sw = tf.tensor3d(shiftMatrices(a.shiftX, n, a.flipX), [b, n, n]);
      let t = y.add(1).transpose([0, 3, 1, 2]).reshape([b, c * n, n]); // rows of each channel plane
      t = tf.matMul(t, sw, false, true); // columns: t · Swᵀ
      t = t.reshape([b, c, n, n]).transpose([0, 2, 1, 3]).reshape([b, n, c * n]);
      t = tf.matMul(sh, t); // rows: Sh · t
      y = t.reshape([b, n, c, n]).transpose([0, 1, 3, 2]).sub(1);
    }
    if (a.used.has('cutout') && a.cutMask) {
      y = y.mul(tf.tensor4d(a.cutMask, [b, n, n, 1]));
    }
    return y as tf.Tensor4D;
  });
}

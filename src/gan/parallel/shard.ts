/**
 * One training step's inputs as plain arrays (what the loop draws from its Rng, and what a worker thread
 * receives), and how a batch splits across replicas.
 *
 * The split keeps every minibatch-stddev group whole: image i of a batch of B belongs to group i mod (B/g)
 * (discriminator.ts), so replica r takes groups [r·M/R, (r+1)·M/R) of the M = B/g groups, laid out so that
 * the same rule on its part of B/R images finds the same groups. Then D sees, image for image, the same
 * features as on the whole batch, and every loss is a mean over equal parts: the whole batch's gradient
 * is the mean of the replicas' gradients (batch norm's statistics are summed across replicas separately,
 * norm-act.ts).
 */
import { tf } from '../../tf.js';
import type { AugmentParams } from '../augment.js';
import { mbstdGroup } from '../discriminator.js';
import type { StepInput } from '../train-step.js';

export interface StepArrays {
  /** Real images in [−1, 1], NHWC, and their labels. */
  real: Float32Array;
  realLabels: Int32Array;
  /** Latents [B, zLength] (the generator's `latentLength`) and the labels to generate. */
  z: Float32Array;
  fakeLabels: Int32Array;
  augReal: AugmentParams;
  augFake: AugmentParams;
  /** The augmentation of the G step's images. */
  augFakeG: AugmentParams;
  gpEps?: Float32Array;
  r1Scale: number;
  condition: number;
  size: number;
  channels: number;
  zLength: number;
}

export function batchOf(a: StepArrays): number {
  return a.realLabels.length;
}

/**
 * Why a batch of `batch` cannot be split across `replicas` with whole minibatch-stddev groups, or null
 * when it can.
 */
export function unsplittable(batch: number, replicas: number): string | null {
  if (replicas === 1) return null;
  const g = mbstdGroup(batch);
  const groups = batch / g;
  if (groups % replicas !== 0 || mbstdGroup(batch / replicas) !== g) {
    return `train.batchSize ${batch} does not split into ${replicas} equal parts with whole minibatch-stddev groups of ${g} (a multiple of ${replicas * 4}, e.g. 64, does)`;
  }
  return null;
}

/** The batch positions of each replica's part, in the order the replica sees them. */
export function shardIndices(batch: number, replicas: number): Int32Array[] {
  const g = mbstdGroup(batch);
  const groups = batch / g;
  const per = groups / replicas;
  return Array.from({ length: replicas }, (_, r) => {
    const out = new Int32Array(batch / replicas);
    let k = 0;
    for (let member = 0; member < g; member++) for (let j = r * per; j < (r + 1) * per; j++) out[k++] = member * groups + j;
    return out;
  });
}

/** Rows `idx` of `data` (rows of `per` values), in that order. */
function rows<T extends Float32Array | Int32Array>(data: T, per: number, idx: Int32Array): T {
  const out = new (data.constructor as new (n: number) => T)(idx.length * per);
  idx.forEach((src, k) => out.set(data.subarray(src * per, (src + 1) * per), k * per));
  return out;
}

function augmentPart(a: AugmentParams, idx: Int32Array): AugmentParams {
  return {
    ...a,
    batch: idx.length,
    brightness: rows(a.brightness, 1, idx),
    saturation: rows(a.saturation, 1, idx),
    contrast: rows(a.contrast, 1, idx),
    shiftY: rows(a.shiftY, 1, idx),
    shiftX: rows(a.shiftX, 1, idx),
    flipX: rows(a.flipX, 1, idx),
    cutMask: a.cutMask ? rows(a.cutMask, a.size * a.size, idx) : null,
    // The whole batch's operations: a part may draw none of one, and still runs it as the identity.
    used: new Set(a.used),
  };
}

/** The part of a step's inputs at batch positions `idx`. */
export function stepPart(a: StepArrays, idx: Int32Array): StepArrays {
  const per = a.size * a.size * a.channels;
  return {
    ...a,
    real: rows(a.real, per, idx),
    realLabels: rows(a.realLabels, 1, idx),
    z: rows(a.z, a.zLength, idx),
    fakeLabels: rows(a.fakeLabels, 1, idx),
    augReal: augmentPart(a.augReal, idx),
    augFake: augmentPart(a.augFake, idx),
    augFakeG: augmentPart(a.augFakeG, idx),
    ...(a.gpEps ? { gpEps: rows(a.gpEps, 1, idx) } : {}),
  };
}

/** The tensors the step functions take (the caller disposes `real`, `realLabels`, `z`, `fakeLabels`). */
export function stepTensors(a: StepArrays): StepInput & { augFakeG: AugmentParams } {
  const b = batchOf(a);
  return {
    real: tf.tensor4d(a.real, [b, a.size, a.size, a.channels]),
    realLabels: tf.tensor1d(a.realLabels, 'int32'),
    z: tf.tensor2d(a.z, [b, a.zLength]),
    fakeLabels: tf.tensor1d(a.fakeLabels, 'int32'),
    augReal: a.augReal,
    augFake: a.augFake,
    augFakeG: a.augFakeG,
    r1Scale: a.r1Scale,
    condition: a.condition,
    ...(a.gpEps ? { gpEps: a.gpEps } : {}),
  };
}

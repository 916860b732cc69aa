/**
 * Class-balanced minibatches: each example's class is drawn uniformly, then an image of that class, so
 * a class of 10 images is seen as often as one of 1,000. Pure apart from the seeded Rng it is handed.
 */
import type { Rng } from '../util/rng.js';

export interface LabelledImages {
  /** NHWC uint8, `count` images of `size × size × channels`. */
  pixels: Uint8Array;
  count: number;
  size: number;
  channels: number;
  /** Class index of each image. */
  labels: Int32Array;
  numClasses: number;
}

/** The images at `idx` of `data`, in that order, with their labels. */
export function pickImages(data: LabelledImages, idx: readonly number[]): LabelledImages {
  const per = data.size * data.size * data.channels;
  const pixels = new Uint8Array(idx.length * per);
  idx.forEach((src, j) => pixels.set(data.pixels.subarray(src * per, (src + 1) * per), j * per));
  return { ...data, pixels, count: idx.length, labels: Int32Array.from(idx, (i) => data.labels[i]!) };
}

export interface Batch {
  /** Scaled to [-1, 1], NHWC. */
  images: Float32Array;
  labels: Int32Array;
}

/** Indices of the images of each class. */
export function indexByClass(labels: Int32Array, numClasses: number): Int32Array[] {
  const lists: number[][] = Array.from({ length: numClasses }, () => []);
  labels.forEach((l, i) => lists[l]!.push(i));
  return lists.map((l) => Int32Array.from(l));
}

/** Draws one class-balanced batch; classes with no images are never drawn. */
export function sampleBatch(data: LabelledImages, byClass: Int32Array[], batchSize: number, rng: Rng): Batch {
  const per = data.size * data.size * data.channels;
  const images = new Float32Array(batchSize * per);
  const labels = new Int32Array(batchSize);
  const present = byClass.map((list, c) => (list.length > 0 ? c : -1)).filter((c) => c >= 0);
  for (let b = 0; b < batchSize; b++) {
    const c = present[rng.int(present.length)]!;
    const list = byClass[c]!;
    const idx = list[rng.int(list.length)]!;
    labels[b] = c;
    const src = data.pixels.subarray(idx * per, (idx + 1) * per);
    const off = b * per;
    for (let i = 0; i < per; i++) images[off + i] = src[i]! / 127.5 - 1;
  }
  return { images, labels };
}

/**
 * Running the classifier over uint8 images in batches: logits, class probabilities, and the penultimate
 * layer's features. Inputs are NHWC uint8 of the classifier's size and channels, scaled to [-1, 1]
 * exactly as in training.
 */
import { tf } from '../tf.js';
import type { Classifier } from './model.js';

export const PREDICT_BATCH = 256;

export interface Embedding {
  /** count × dims, row-major. */
  features: Float32Array;
  dims: number;
  /** count × numClasses softmax probabilities, row-major. */
  probs: Float32Array;
}

/** Scales uint8 pixels to [-1, 1] as float32. */
export function toUnitRange(pixels: Uint8Array, start = 0, end = pixels.length): Float32Array {
  const out = new Float32Array(end - start);
  for (let i = 0; i < out.length; i++) out[i] = pixels[start + i]! / 127.5 - 1;
  return out;
}

function checkPixels(c: Classifier, pixels: Uint8Array, count: number): number {
  const per = c.spec.size * c.spec.size * c.spec.channels;
  if (!Number.isInteger(count) || count < 0 || pixels.length < count * per) {
    throw new RangeError(`Expected ${count} images of ${c.spec.size}×${c.spec.size}×${c.spec.channels} (${count * per} bytes) but received ${pixels.length} bytes`);
  }
  return per;
}

/** Features and probabilities of `count` images, in batches of `batchSize`. */
export async function embed(c: Classifier, pixels: Uint8Array, count: number, batchSize = PREDICT_BATCH): Promise<Embedding> {
  const per = checkPixels(c, pixels, count);
  const { size, channels, numClasses } = c.spec;
  const dims = c.spec.widths.at(-1)!;
  const features = new Float32Array(count * dims);
  const probs = new Float32Array(count * numClasses);
  for (let start = 0; start < count; start += batchSize) {
    const n = Math.min(batchSize, count - start);
    const [f, p] = tf.tidy(() => {
      const x = tf.tensor4d(toUnitRange(pixels, start * per, (start + n) * per), [n, size, size, channels]);
      const [feat, logits] = c.embedder.apply(x, { training: false }) as tf.Tensor[];
      return [feat!, tf.softmax(logits!)];
    });
    features.set(await f!.data(), start * dims);
    probs.set(await p!.data(), start * numClasses);
    tf.dispose([f!, p!]);
  }
  return { features, dims, probs };
}

/** Logits of `count` images (count × numClasses, row-major). */
export async function predictLogits(c: Classifier, pixels: Uint8Array, count: number, batchSize = PREDICT_BATCH): Promise<Float32Array> {
  const per = checkPixels(c, pixels, count);
  const { size, channels, numClasses } = c.spec;
  const out = new Float32Array(count * numClasses);
  for (let start = 0; start < count; start += batchSize) {
    const n = Math.min(batchSize, count - start);
    const y = tf.tidy(() => c.model.apply(tf.tensor4d(toUnitRange(pixels, start * per, (start + n) * per), [n, size, size, channels]), { training: false }) as tf.Tensor);
    out.set(await y.data(), start * numClasses);
    y.dispose();
  }
  return out;
}

/** Softmax probabilities of `count` images (count × numClasses, row-major). */
export async function probabilities(c: Classifier, pixels: Uint8Array, count: number): Promise<Float32Array> {
  return (await embed(c, pixels, count)).probs;
}

/** Penultimate-layer features of `count` images (count × widths.at(-1), row-major). */
export async function features(c: Classifier, pixels: Uint8Array, count: number): Promise<Float32Array> {
  return (await embed(c, pixels, count)).features;
}

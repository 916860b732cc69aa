/**
 * The batch loop every sampler shares (noise → image, image → image): per batch, the model's images in
 * [−1, 1] become uint8 pixels and, with a discriminator, its logit per image; on the sampling BLAS
 * threads (one core stays with the PNG writer's thread, backend/native.ts SAMPLING_BLAS_THREADS).
 */
import * as tf from '@tensorflow/tfjs';
import { SAMPLING_BLAS_THREADS, withBlasThreads } from '../backend/native.js';
import { InterruptedError } from '../errors.js';
import { discriminate, type Discriminator } from '../gan/discriminator.js';

export interface BatchRun {
  count: number;
  batchSize: number;
  /** Values per image (size² × channels). */
  per: number;
  d: Discriminator | null;
  /** Images [n, size, size, channels] in [−1, 1] and their class labels for images start … start + n − 1 (inside a tidy). */
  make: (start: number, n: number) => { images: tf.Tensor4D; labels: tf.Tensor1D };
  /** The InterruptedError's message when `signal` aborts before the batch at `start`. */
  interrupted: (start: number) => string;
  onProgress?: (done: number) => void;
  signal?: AbortSignal;
}

/**
 * Runs the batches; pixels uint8 NHWC of `count` images, and D's logits (null without `d`).
 * @throws {InterruptedError} when `signal` is aborted (checked before each batch)
 */
export function runBatches(r: BatchRun): Promise<{ pixels: Uint8Array; scores: Float32Array | null }> {
  return withBlasThreads(SAMPLING_BLAS_THREADS, async () => {
    const { count, batchSize, per, d } = r;
    const pixels = new Uint8Array(count * per);
    const scores = d ? new Float32Array(count) : null;
    for (let start = 0; start < count; start += batchSize) {
      if (r.signal?.aborted) throw new InterruptedError(r.interrupted(start));
      const n = Math.min(batchSize, count - start);
      const out = tf.tidy(() => {
        const { images, labels } = r.make(start, n);
        const img = images.add(1).mul(127.5).round().clipByValue(0, 255).cast('int32');
        return d ? { img, logits: discriminate(d, images, labels) } : { img };
      });
      pixels.set(await out.img.data(), start * per);
      if (out.logits && scores) scores.set(await out.logits.data(), start);
      tf.dispose(out);
      r.onProgress?.(start + n);
      await new Promise((resolve) => setImmediate(resolve));
    }
    return { pixels, scores };
  });
}

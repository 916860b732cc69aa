/**
 * The batch loop every sampler shares (noise → image, image → image): per batch, the model's images in
 * [−1, 1] become uint8 pixels and, with a discriminator, its logit per image; on one BLAS thread
 * (backend/native.ts SAMPLING_BLAS_THREADS) and with native products image by image, so an image does not
 * depend on its batch; a batch sampled by this thread alone shares those images among
 * samplingImageThreads() native threads. With helper threads (sampler-pool.ts), each batch is split:
 * the helpers sample their parts while this thread samples its own.
 */
import { tf } from '../tf.js';
import { SAMPLING_BLAS_THREADS, samplingImageThreads, setImageThreads, withBlasThreads, withImageByImageProducts } from '../backend/native.js';
import { InterruptedError } from '../errors.js';
import { discriminate, type Discriminator } from '../gan/discriminator.js';
import { toPixels } from '../gan/generator.js';
import { shardIndices, unsplittable } from '../gan/parallel/shard.js';
import type { SampledPart } from './sampler-pool.js';

/** Other threads sampling parts of each batch. */
export interface BatchHelpers {
  /** Threads sampling the next batch, this one included (asked before each batch). */
  threads: () => number;
  /** Samples the images at `at` (indices into the run's images) as one batch on helper `helper` (0-based). */
  run: (helper: number, at: number[]) => Promise<SampledPart>;
}

export interface BatchRun {
  count: number;
  batchSize: number;
  /** Values per image (size² × channels). */
  per: number;
  d: Discriminator | null;
  /** Images [n, size, size, channels] in [−1, 1] and their class labels for the images at `at`, as one batch (inside a tidy). */
  make: (at: number[]) => { images: tf.Tensor4D; labels: tf.Tensor1D };
  /** The InterruptedError's message when `signal` aborts before the batch at `start`. */
  interrupted: (start: number) => string;
  onProgress?: (done: number) => void;
  signal?: AbortSignal;
  helpers?: BatchHelpers | null;
  /**
   * Threads sharing the images of this thread's native products when it samples a batch alone (default
   * samplingImageThreads(); a sampler thread passes 1). Changes no pixel, only the time.
   */
  imageThreads?: number;
}

/**
 * Each thread's positions in a batch of `n`, part 0 this thread's. With a discriminator (`wholeGroups`)
 * a part must hold whole minibatch-stddev groups, laid out so D groups them as in the whole batch
 * (gan/parallel/shard.ts); a batch that does not split so stays whole. Without one, any split gives the
 * same images: contiguous parts.
 */
export function batchParts(n: number, threads: number, wholeGroups: boolean): number[][] {
  const all = () => [Array.from({ length: n }, (_, i) => i)];
  if (threads < 2 || n < threads) return all();
  if (wholeGroups) return unsplittable(n, threads) === null ? shardIndices(n, threads).map((p) => Array.from(p)) : all();
  const parts: number[][] = [];
  for (let r = 0, from = 0; r < threads; r++) {
    const to = from + Math.floor(n / threads) + (r < n % threads ? 1 : 0);
    parts.push(Array.from({ length: to - from }, (_, i) => from + i));
    from = to;
  }
  return parts;
}

/**
 * Runs the batches; pixels uint8 NHWC of `count` images, and D's logits (null without `d`).
 * @throws {InterruptedError} when `signal` is aborted (checked before each batch)
 */
export function runBatches(r: BatchRun): Promise<{ pixels: Uint8Array; scores: Float32Array | null }> {
  return withBlasThreads(SAMPLING_BLAS_THREADS, () => withImageByImageProducts(async () => {
    const { count, batchSize, per, d } = r;
    const pixels = new Uint8Array(count * per);
    const scores = d ? new Float32Array(count) : null;
    // A part's images (uint8 from a helper, int32 0–255 from this thread) and logits, to their places.
    const place = (at: number[], part: { pixels: Uint8Array | Int32Array; scores: ArrayLike<number> | null }) =>
      at.forEach((img, k) => {
        pixels.set(part.pixels.subarray(k * per, (k + 1) * per), img * per);
        if (scores && part.scores) scores[img] = part.scores[k]!;
      });
    for (let start = 0; start < count; start += batchSize) {
      if (r.signal?.aborted) throw new InterruptedError(r.interrupted(start));
      const n = Math.min(batchSize, count - start);
      const parts = batchParts(n, r.helpers?.threads() ?? 1, d !== null).map((p) => p.map((i) => start + i));
      setImageThreads(parts.length > 1 ? 1 : (r.imageThreads ?? samplingImageThreads()));
      // The helpers' parts first, so they sample while this thread samples part 0.
      const helped = parts.slice(1).map((at, k) => r.helpers!.run(k, at));
      // A helper's failure surfaces below, after this thread's part; not as an unhandled rejection before.
      for (const h of helped) h.catch(() => {});
      const out = tf.tidy(() => {
        const { images, labels } = r.make(parts[0]!);
        const img = toPixels(images);
        return d ? { img, logits: discriminate(d, images, labels) } : { img };
      });
      place(parts[0]!, { pixels: (await out.img.data()) as Int32Array, scores: out.logits ? await out.logits.data() : null });
      tf.dispose(out);
      const theirs = await Promise.all(helped);
      theirs.forEach((part, k) => place(parts[k + 1]!, part));
      r.onProgress?.(start + n);
      await new Promise((resolve) => setImmediate(resolve));
    }
    return { pixels, scores };
  }));
}

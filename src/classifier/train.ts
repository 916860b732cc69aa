/**
 * Training the classifier: a fixed budget of Adam steps on class-balanced minibatches of the real images,
 * each batch randomly shifted by a few pixels. Everything random comes from one seeded Rng and the
 * weights' seeded initialisers, so the same data and options give the same classifier.
 */
import { tf } from '../tf.js';
import { indexByClass, sampleBatch, type LabelledImages } from '../dataset/sampler.js';
import { InterruptedError } from '../errors.js';
import { Rng } from '../util/rng.js';
import { classifierVariables, type Classifier } from './model.js';
import { trainingLogits } from './forward.js';
import { predictLogits } from './predict.js';
import { DEFAULTS } from '../config/defaults.js';
import { FEATURE_CLASSIFIER_STEPS } from './budget.js';

export interface TrainClassifierOptions {
  /** Adam steps (the whole budget: there is no early stopping). */
  steps: number;
  batchSize: number;
  /** Adam learning rate. */
  lr: number;
  /** Seed of batch sampling and augmentation. */
  seed: number;
  /** Each training image is shifted by up to this many pixels (edge pixels repeated); 0 = no shift. */
  shift: number;
  onStep?: (step: number, loss: number) => void;
  signal?: AbortSignal;
}

export interface ClassifierTraining {
  steps: number;
  seconds: number;
  /** Mean cross-entropy over the last tenth of the steps. */
  finalLoss: number;
  /** Accuracy on the training images (unshifted), and per class by class index. */
  trainAccuracy: number;
  classAccuracy: number[];
}

/** The config's `features.classifier` and `seed` defaults (config/defaults.ts); `auto` steps as for up to 10 classes. */
export const TRAIN_DEFAULTS = {
  steps: FEATURE_CLASSIFIER_STEPS.min,
  batchSize: DEFAULTS.features.classifier.batchSize,
  lr: DEFAULTS.features.classifier.lr,
  seed: DEFAULTS.seed,
  shift: DEFAULTS.features.classifier.shift,
} as const;

/**
 * The optimiser every classifier trains with: trainClassifier, evaluate's arms (and so the guard's), and
 * `npm run bench`'s classifier figure. (An Adam over JS arrays, without tf.train.adam's ~14 kernel calls
 * per weight, trained 3–5 % faster here — 2026-12-07, native and wasm — not enough to change it for.)
 */
export function classifierOptimizer(lr: number): tf.Optimizer {
  return tf.train.adam(lr);
}

/**
 * One Adam step on one batch, inside `tf.tidy`: no tensor outlives it except the optimiser's own state.
 * @param images NHWC in [-1, 1]
 * @param weights per-image loss weights (evaluate's class-weighted arm); the loss is then mean(w · ce),
 *   as tfjs reduces a weighted loss (sum over the non-zero weights' count), so weights are not renormalised
 * @param targets soft targets, `labels.length × numClasses` row-major (a synthetic image's soft label);
 *   replace the one-hot rows of `labels` when given
 * @returns the batch's mean cross-entropy
 */
export function trainStep(c: Classifier, opt: tf.Optimizer, images: Float32Array, labels: Int32Array, weights?: Float32Array, targets?: Float32Array): number {
  const { size, channels, numClasses } = c.spec;
  const n = labels.length;
  const vars = classifierVariables(c);
  const loss = tf.tidy(() => {
    const x = tf.tensor4d(images, [n, size, size, channels]);
    const y = targets ? tf.tensor2d(targets, [n, numClasses]) : tf.oneHot(tf.tensor1d(labels, 'int32'), numClasses);
    const w = weights ? tf.tensor1d(weights) : undefined;
    return opt.minimize(() => tf.losses.softmaxCrossEntropy(y, trainingLogits(c, x), w) as tf.Scalar, true, vars)!;
  });
  const value = loss.dataSync()[0]!;
  loss.dispose();
  return value;
}

/**
 * Trains `c` in place on all of `data` for `opts.steps` steps.
 * @throws {RangeError} when the data does not match the classifier or holds fewer than 2 classes
 * @throws {InterruptedError} when `opts.signal` aborts
 */
export async function trainClassifier(c: Classifier, data: LabelledImages, options: Partial<TrainClassifierOptions> = {}): Promise<ClassifierTraining> {
  const opts = { ...TRAIN_DEFAULTS, ...options };
  const { size, channels, numClasses } = c.spec;
  if (data.size !== size || data.channels !== channels || data.numClasses !== numClasses) {
    throw new RangeError(
      `Expected images of ${size}×${size}×${channels} in ${numClasses} classes (the classifier's spec) but received ${data.size}×${data.size}×${data.channels} in ${data.numClasses}`,
    );
  }
  const byClass = indexByClass(data.labels, numClasses);
  if (byClass.filter((l) => l.length > 0).length < 2) {
    throw new RangeError('Expected images of at least 2 classes to train a classifier on');
  }
  const rng = new Rng(opts.seed);
  const opt = classifierOptimizer(opts.lr);
  const t0 = performance.now();
  const losses: number[] = [];
  try {
    for (let step = 0; step < opts.steps; step++) {
      if (opts.signal?.aborted) throw new InterruptedError('interrupted while training the feature classifier');
      const batch = sampleBatch(data, byClass, opts.batchSize, rng);
      if (opts.shift > 0) shiftBatch(batch.images, batch.labels.length, size, channels, opts.shift, rng);
      const loss = trainStep(c, opt, batch.images, batch.labels);
      losses.push(loss);
      opts.onStep?.(step + 1, loss);
      if (step % 20 === 19) await new Promise((resolve) => setImmediate(resolve));
    }
  } finally {
    opt.dispose();
  }
  const seconds = (performance.now() - t0) / 1000;
  const tail = losses.slice(-Math.max(1, Math.ceil(losses.length / 10)));
  const { accuracy, perClass } = await accuracyOn(c, data);
  return {
    steps: opts.steps,
    seconds,
    finalLoss: tail.reduce((s, v) => s + v, 0) / tail.length,
    trainAccuracy: accuracy,
    classAccuracy: perClass,
  };
}

/** Top-1 accuracy on `data`, overall and per class (NaN for a class without images). */
export async function accuracyOn(c: Classifier, data: LabelledImages): Promise<{ accuracy: number; perClass: number[] }> {
  const logits = await predictLogits(c, data.pixels, data.count);
  const k = c.spec.numClasses;
  const hit = new Array<number>(k).fill(0);
  const seen = new Array<number>(k).fill(0);
  for (let i = 0; i < data.count; i++) {
    let best = 0;
    for (let j = 1; j < k; j++) if (logits[i * k + j]! > logits[i * k + best]!) best = j;
    const y = data.labels[i]!;
    seen[y]!++;
    if (best === y) hit[y]!++;
  }
  const total = seen.reduce((s, v) => s + v, 0);
  return { accuracy: total > 0 ? hit.reduce((s, v) => s + v, 0) / total : NaN, perClass: hit.map((h, j) => (seen[j]! > 0 ? h / seen[j]! : NaN)) };
}

/** Shifts each image of an NHWC batch by a random (dx, dy) in [-max, max]², repeating edge pixels. */
export function shiftBatch(images: Float32Array, n: number, size: number, channels: number, max: number, rng: Rng): void {
  const per = size * size * channels;
  const src = new Float32Array(per);
  for (let b = 0; b < n; b++) {
    const dx = rng.int(2 * max + 1) - max;
    const dy = rng.int(2 * max + 1) - max;
    if (dx === 0 && dy === 0) continue;
    const off = b * per;
    src.set(images.subarray(off, off + per));
    for (let y = 0; y < size; y++) {
      const sy = Math.min(size - 1, Math.max(0, y - dy));
      for (let x = 0; x < size; x++) {
        const sx = Math.min(size - 1, Math.max(0, x - dx));
        for (let ch = 0; ch < channels; ch++) images[off + (y * size + x) * channels + ch] = src[(sy * size + sx) * channels + ch]!;
      }
    }
  }
}

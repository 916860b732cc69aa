/**
 * Training the shared classifier (src/classifier) for one arm: a fixed budget of Adam steps on
 * minibatches drawn uniformly from the arm's pool, with the classifier's own shift augmentation and a
 * per-class loss weight. Everything random comes from the seed: the same arm, data and seed give the
 * same classifier.
 */
import { buildClassifier, disposeClassifier, type Classifier } from '../classifier/model.js';
import { predictLogits } from '../classifier/predict.js';
import { classifierOptimizer, shiftBatch, trainStep } from '../classifier/train.js';
import type { LabelledImages } from '../dataset/sampler.js';
import { EVALUATE_DEFAULTS } from '../config/defaults.js';
import { InterruptedError } from '../errors.js';
import { Rng } from '../util/rng.js';
import type { ArmPool } from './arms.js';

export interface EvalTrainSettings {
  /** Adam steps: the whole budget, the same for every arm. */
  steps: number;
  batchSize: number;
  lr: number;
  /** Random shift of each training image, in pixels (0 = none). */
  shift: number;
  /** Conv widths of the classifier. */
  widths: number[];
}

/** What `evaluate` trains by default (config/defaults.ts); the steps follow from the data (`budgetSteps`). */
export const EVAL_DEFAULTS: Omit<EvalTrainSettings, 'steps'> = {
  batchSize: EVALUATE_DEFAULTS.batchSize,
  lr: EVALUATE_DEFAULTS.lr,
  shift: EVALUATE_DEFAULTS.shift,
  widths: [...EVALUATE_DEFAULTS.widths],
};

/** The default budget for rows of at most `images` training images: `passes` over them, at least `minSteps`. */
export function budgetSteps(images: number, batchSize: number): number {
  return Math.max(EVALUATE_DEFAULTS.minSteps, Math.ceil((EVALUATE_DEFAULTS.passes * images) / batchSize));
}

/**
 * Trains a fresh classifier (initial weights from `seed`) on the arm's pool of `data`.
 * @throws {InterruptedError} when `signal` aborts
 */
export async function trainArm(
  data: LabelledImages,
  arm: ArmPool,
  settings: EvalTrainSettings,
  seed: number,
  options: { signal?: AbortSignal; onStep?: (step: number, loss: number) => void } = {},
): Promise<Classifier> {
  const { size, channels, numClasses } = data;
  const c = buildClassifier({ size, channels, numClasses, widths: settings.widths, seed });
  const rng = new Rng((seed ^ 0x2545f491) >>> 0);
  const opt = classifierOptimizer(settings.lr);
  const per = size * size * channels;
  const b = settings.batchSize;
  const images = new Float32Array(b * per);
  const labels = new Int32Array(b);
  const weights = new Float32Array(b);
  const k = numClasses;
  const targets = arm.soft ? new Float32Array(b * k) : undefined;
  try {
    for (let step = 0; step < settings.steps; step++) {
      if (options.signal?.aborted) throw new InterruptedError('interrupted while training an evaluation classifier');
      for (let i = 0; i < b; i++) {
        const idx = arm.pool[rng.int(arm.pool.length)]!;
        const l = data.labels[idx]!;
        labels[i] = l;
        weights[i] = arm.classWeight[l]! * (arm.imageWeight ? arm.imageWeight[idx]! : 1);
        if (targets) targets.set(arm.soft!.subarray(idx * k, (idx + 1) * k), i * k);
        const src = data.pixels.subarray(idx * per, (idx + 1) * per);
        for (let j = 0; j < per; j++) images[i * per + j] = src[j]! / 127.5 - 1;
      }
      if (settings.shift > 0) shiftBatch(images, b, size, channels, settings.shift, rng);
      const loss = trainStep(c, opt, images, labels, weights, targets);
      options.onStep?.(step + 1, loss);
      if (step % 20 === 19) await new Promise((resolve) => setImmediate(resolve));
    }
  } catch (err) {
    disposeClassifier(c);
    throw err;
  } finally {
    opt.dispose();
  }
  return c;
}

/**
 * Trains the arm's classifier on `data`, lets `inspect` see it, and returns its logits on `test`; `onStep`
 * hears every `progressEvery`-th step and the last. What each classifier thread does (arm-pool.ts).
 * @throws {InterruptedError} when `signal` aborts
 */
export async function trainedLogits(
  data: LabelledImages,
  arm: ArmPool,
  settings: EvalTrainSettings,
  seed: number,
  test: { pixels: Uint8Array; count: number },
  options: { signal?: AbortSignal; onStep?: (step: number) => void; progressEvery?: number; inspect?: (c: Classifier) => Promise<void> } = {},
): Promise<Float32Array> {
  const every = options.progressEvery ?? 1;
  const c = await trainArm(data, arm, settings, seed, {
    ...(options.signal ? { signal: options.signal } : {}),
    onStep: (step) => (step % every === 0 || step === settings.steps) && options.onStep?.(step),
  });
  try {
    await options.inspect?.(c);
    return await predictLogits(c, test.pixels, test.count);
  } finally {
    disposeClassifier(c);
  }
}

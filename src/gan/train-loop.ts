/**
 * The training loop: class-balanced batches, one D step and one G step per iteration. Reports through
 * callbacks, never the console; stops early, cleanly, when its AbortSignal fires.
 */
import * as tf from '@tensorflow/tfjs';
import type { Config } from '../config/schema.js';
import { indexByClass, sampleBatch, type LabelledImages } from '../dataset/sampler.js';
import { Rng } from '../util/rng.js';
import { buildDiscriminator } from './discriminator.js';
import { buildGenerator, calibrateBatchNorm } from './generator.js';
import { trainDiscriminatorStep, trainGeneratorStep, type GanState } from './train-step.js';

export interface StepMetrics {
  step: number;
  of: number;
  lossD: number;
  lossG: number;
  dReal: number;
  dFake: number;
  imgPerSec: number;
}

export interface TrainOptions {
  onStep?: (m: StepMetrics) => void;
  signal?: AbortSignal;
}

export interface TrainResult {
  state: GanState;
  history: StepMetrics[];
  steps: number;
  seconds: number;
}

/** Latent vectors from the seeded Rng, [n, latentDim]. */
export function latent(rng: Rng, n: number, latentDim: number): tf.Tensor2D {
  return tf.tensor2d(rng.normal(new Float32Array(n * latentDim)), [n, latentDim]);
}

/** Class indices drawn uniformly from the classes that have images. */
export function uniformLabels(rng: Rng, n: number, classes: number[]): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = classes[rng.int(classes.length)]!;
  return out;
}

/** Builds a class-conditional GAN for `data` and trains it for `config.train.steps` iterations. */
export async function trainGan(data: LabelledImages, config: Config, options: TrainOptions = {}): Promise<TrainResult> {
  const { train, gan, decode } = config;
  const rng = new Rng(config.seed);
  const initRng = rng.fork(1);
  const g = buildGenerator(
    { numClasses: data.numClasses, latentDim: gan.latentDim, embedDim: gan.embedDim, width: gan.gWidth, size: decode.size, channels: decode.channels },
    initRng,
  );
  const d = buildDiscriminator({ numClasses: data.numClasses, width: gan.dWidth, size: decode.size, channels: decode.channels }, initRng);
  const state: GanState = {
    g,
    d,
    optG: tf.train.adam(train.lrG, train.beta1, train.beta2),
    optD: tf.train.adam(train.lrD, train.beta1, train.beta2),
  };
  const byClass = indexByClass(data.labels, data.numClasses);
  const present = byClass.map((l, c) => (l.length ? c : -1)).filter((c) => c >= 0);
  const history: StepMetrics[] = [];
  const b = train.batchSize;
  const started = performance.now();
  let step = 0;
  while (step < train.steps && !options.signal?.aborted) {
    const t0 = performance.now();
    const batch = sampleBatch(data, byClass, b, rng);
    const input = tf.tidy(() => ({
      real: tf.tensor4d(batch.images, [b, decode.size, decode.size, decode.channels]),
      realLabels: tf.tensor1d(batch.labels, 'int32'),
      z: latent(rng, b, gan.latentDim),
      fakeLabels: tf.tensor1d(uniformLabels(rng, b, present), 'int32'),
    }));
    const ds = trainDiscriminatorStep(state, input);
    const gs = trainGeneratorStep(state, input);
    tf.dispose(Object.values(input));
    step++;
    const m: StepMetrics = {
      step,
      of: train.steps,
      lossD: ds.loss,
      lossG: gs.loss,
      dReal: ds.dReal,
      dFake: ds.dFake,
      imgPerSec: b / ((performance.now() - t0) / 1000),
    };
    if (step % train.logEvery === 0 || step === train.steps) history.push(m);
    options.onStep?.(m);
    // Let timers, progress output and signal handlers run between steps.
    await new Promise((resolve) => setImmediate(resolve));
  }
  // Population statistics for eval-mode sampling.
  const calib = Array.from({ length: 8 }, () => ({
    z: latent(rng, 128, gan.latentDim),
    labels: tf.tensor1d(uniformLabels(rng, 128, present), 'int32'),
  }));
  calibrateBatchNorm(g, calib);
  tf.dispose(calib.flatMap((c) => [c.z, c.labels]));
  return { state, history, steps: step, seconds: (performance.now() - started) / 1000 };
}

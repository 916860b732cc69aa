/**
 * The training loop of one GAN job: class-balanced batches from the training split, DiffAugment with an
 * optional ADA controller, one D step and one G step per iteration, an EMA of G, a held-out watch on
 * D's over-fitting, sample grids, checkpoints and a divergence guard. Reports through callbacks, never
 * the console; stops cleanly when its AbortSignal fires.
 */
import { tf } from '../tf.js';
import type { Config } from '../config/schema.js';
import { splitHoldout } from '../dataset/holdout.js';
import { twinGroups } from '../dataset/twins.js';
import { indexByClass, sampleBatch, type LabelledImages } from '../dataset/sampler.js';
import { conditionWeight } from './transition.js';
import { DivergenceError, InternalError } from '../errors.js';
import { Rng, type RngState } from '../util/rng.js';
import { Adam } from './adam.js';
import { loadModels, readParams, readSpectral, writeParams, type ModelsState } from './models-state.js';
import { initAda, updateAda, type AdaState } from './ada.js';
import { initLecam, lecamAnchors, updateLecam, type LecamState } from './lecam.js';
import { drawAugment } from './augment.js';
import { buildDiscriminator, discriminate, disposeDiscriminator, type Discriminator, type DiscriminatorSpec } from './discriminator.js';
import { cloneParams, emaBeta, updateEma } from './ema.js';
import { buildGenerator, calibrateBatchNorm, generate, latentLength, toPixels, type GeneratorSpec } from './generator.js';
import { disposeParams } from './params.js';
import { meanPairwiseDistance } from '../metrics/spread.js';
import { trainDiscriminatorStep, trainGeneratorStep, type DStepResult, type GanState } from './train-step.js';
import { buildTranslator, isTranslator, translate, translatorSpec, type ImageModel, type Translator, type TranslatorSpec } from './translator.js';
import { ReplicaAbortedError } from './parallel/allreduce.js';
import { ReplicaPool } from './parallel/pool.js';
import { stepTensors, type StepArrays } from './parallel/shard.js';
import { otherLabels, trainTranslatorDiscriminatorStep, trainTranslatorStep, type TranslateSettings } from './translator-step.js';

export interface StepMetrics {
  step: number;
  of: number;
  lossD: number;
  lossG: number;
  dReal: number;
  dFake: number;
  /** Current augmentation probability. */
  p: number;
  imgPerSec: number;
}

/** A line of train/metrics.jsonl. */
export interface MetricsRecord extends StepMetrics {
  /** Mean D logit on held-out real images and on as many training real images (no augmentation). */
  dHeldOut: number | null;
  dTrainReal: number | null;
  /** ADA's last r = E[sign(D(real))]. */
  adaR: number | null;
  lrG: number;
  lrD: number;
  /** Per class: mean pairwise pixel distance of samples ÷ the same among real images (≈1 healthy, ≪1 collapse). */
  diversity?: Record<string, number>;
}

/** Sample images per class at one step (uint8 NHWC, `perClass` images each). */
export interface SampleGrid {
  step: number;
  perClass: number;
  classes: { classIndex: number; pixels: Uint8Array }[];
}

/** Everything needed to continue training exactly where it stopped. */
export interface TrainerSnapshot extends ModelsState {
  step: number;
  imagesSeen: number;
  rng: RngState;
  ada: AdaState;
  /** LeCam's moving averages (absent in checkpoints written before gan.lecam existed). */
  lecam?: LecamState;
  rollbacks: number;
  gEma: Record<string, Float32Array>;
  /** Seconds of training up to this snapshot, over every run that trained it (absent in checkpoints before 2026-12-06). */
  seconds?: number;
}

export interface TrainOptions {
  /** Each step's metrics; `budgetLeft`: the seconds of train.budgetSeconds this job has left (absent without a budget). */
  onStep?: (m: StepMetrics & { budgetLeft?: number }) => void;
  onLog?: (r: MetricsRecord) => void;
  onSamples?: (grid: SampleGrid) => void | Promise<void>;
  onCheckpoint?: (snapshot: TrainerSnapshot) => Promise<void>;
  signal?: AbortSignal;
  /** Continue from this snapshot (same config and data). */
  resume?: TrainerSnapshot;
  /**
   * Whether `train.budgetSeconds` counts the resumed snapshot's training seconds too (the same job going on
   * after an interruption), or starts afresh (training further, with more train.steps). Default false.
   */
  budgetCountsResumed?: boolean;
  /** Class names by index, for the diversity figures. */
  labels?: string[];
  /** Testing hook: step → how many times its losses are treated as NaN (exercises the divergence guard). */
  faultAt?: ReadonlyMap<number, number>;
  /**
   * Data-parallel replicas, this thread included (default 1: this thread alone). More than 1 needs the
   * plain wasm backend and a noise GAN whose batch splits (parallel/plan.ts decides).
   */
  workers?: number;
}

export interface TrainResult {
  /** The generator to sample from: the EMA one (eval-mode statistics calibrated); a translator in `translate` mode. */
  g: ImageModel;
  d: Discriminator;
  history: MetricsRecord[];
  /** The model's step count (including steps before a resume). */
  steps: number;
  /** The step this run started from (0, or the resumed checkpoint's). */
  resumedFrom: number;
  /** Indices (into the training data) of the real images held out: never in a batch G or D trained on. */
  held: readonly number[];
  seconds: number;
  interrupted: boolean;
  rollbacks: number;
  /** Frees every tensor the result holds. */
  dispose(): void;
}

export { DivergenceError };


const MAX_ROLLBACKS = 3;

/** Latent vectors from the seeded Rng, [n, length] (`latentLength` of the generator). */
export function latent(rng: Rng, n: number, length: number): tf.Tensor2D {
  return tf.tensor2d(rng.normal(new Float32Array(n * length)), [n, length]);
}

/** Class indices drawn uniformly from `classes`. */
/** Uniform labels for the first half of a batch, repeated in the second (mode seeking compares the halves). */
export function pairedLabels(rng: Rng, n: number, classes: number[]): Int32Array {
  const half = Math.floor(n / 2);
  const base = uniformLabels(rng, n - half, classes);
  // label[i + half] = label[i] for i < half; an odd batch's last image takes the spare label.
  return Int32Array.from({ length: n }, (_, i) => base[i < half ? i : i < 2 * half ? i - half : half]!);
}

export function uniformLabels(rng: Rng, n: number, classes: number[]): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = classes[rng.int(classes.length)]!;
  return out;
}

/** The models a config builds for a dataset of `numClasses` classes. */
export function ganSpecs(config: Config, numClasses: number): { g: GeneratorSpec; translator: TranslatorSpec; d: DiscriminatorSpec } {
  const { gan, decode } = config;
  return {
    g: { numClasses, latentDim: gan.latentDim, embedDim: gan.embedDim, width: gan.gWidth, size: decode.size, channels: decode.channels, arch: gan.arch, conditioning: gan.conditioning, classNoise: gan.classNoise },
    translator: translatorSpec({ numClasses, size: decode.size, channels: decode.channels, width: gan.translate.width, resBlocks: gan.translate.resBlocks }),
    d: { numClasses, width: gan.dWidth, size: decode.size, channels: decode.channels, head: gan.head, mbstd: gan.mbstd, spectralNorm: gan.spectralNorm },
  };
}

/** A sampling pass for the training grids takes at most this many training batches' worth of images (`Trainer.inPasses`). */
const SAMPLE_PASS_BATCHES = 3;

/**
 * The mutable state of one GAN training job, and its single training iteration.
 */
export class Trainer {
  readonly g: ImageModel;
  readonly gEma: ImageModel | null;
  readonly d: Discriminator;
  readonly optG: Adam;
  readonly optD: Adam;
  readonly rng: Rng;
  readonly train: number[];
  readonly held: number[];
  readonly byClass: Int32Array[];
  readonly present: number[];
  step = 0;
  imagesSeen = 0;
  ada: AdaState;
  lecam: LecamState = initLecam();
  rollbacks = 0;
  /** Data-parallel replicas on worker threads (attachPool), or null: this thread trains alone. */
  private pool: ReplicaPool | null = null;
  private readonly settings: TranslateSettings;

  constructor(
    readonly data: LabelledImages,
    readonly config: Config,
  ) {
    const { gan, train } = config;
    this.rng = new Rng(config.seed);
    const initRng = this.rng.fork(1);
    const holdRng = this.rng.fork(2);
    const specs = ganSpecs(config, data.numClasses);
    this.g = gan.mode === 'translate' ? buildTranslator(specs.translator, initRng) : buildGenerator(specs.g, initRng);
    this.d = buildDiscriminator(specs.d, initRng);
    this.gEma = gan.emaHalfLifeImages > 0 ? ({ spec: this.g.spec, params: cloneParams(this.g.params) } as ImageModel) : null;
    this.optG = new Adam(this.g.params, train.lrG, train.beta1, train.beta2);
    this.optD = new Adam(this.d.params, train.lrD, train.beta1, train.beta2);
    const split = splitHoldout(data.labels, data.numClasses, train.validation, holdRng, twinGroups(data));
    this.train = split.train;
    this.held = split.held;
    const trainLabels = Int32Array.from(this.train.map((i) => data.labels[i]!));
    this.byClass = indexByClass(trainLabels, data.numClasses).map((l) => Int32Array.from(l, (j) => this.train[j]!));
    this.present = this.byClass.map((l, c) => (l.length ? c : -1)).filter((c) => c >= 0);
    this.ada = initAda(config.augment.p);
    this.settings = {
      loss: gan.loss,
      r1Gamma: gan.r1Gamma,
      gpWeight: gan.gpWeight,
      modeSeeking: gan.modeSeeking,
      cycleWeight: gan.translate.cycleWeight,
      identityWeight: gan.translate.identityWeight,
    };
  }

  /**
   * Trains from now on with `pool`'s replicas, which take the models' current state. A noise GAN only
   * (the caller checks with parallel/plan.ts).
   */
  async attachPool(pool: ReplicaPool): Promise<void> {
    if (isTranslator(this.g)) throw new InternalError('Trainer.attachPool: data-parallel training is for the noise GAN only');
    pool.load(await this.snapshot());
    this.pool = pool;
  }

  get state(): GanState {
    if (isTranslator(this.g)) throw new InternalError('Trainer.state: a translator has no noise-GAN state');
    return { g: this.g, d: this.d, optG: this.optG, optD: this.optD };
  }

  /** One D step and one G step. */
  iterate(): StepMetrics {
    const { train, gan, decode, augment } = this.config;
    const b = train.batchSize;
    const t0 = performance.now();
    const rng = this.rng;
    const batch = sampleBatch(this.data, this.byClass, b, rng);
    const p = augment.policy.length ? this.ada.p : 0;
    const draw = () => drawAugment(rng, b, decode.size, decode.channels, augment.policy, p);
    const augReal = draw();
    const augFake = draw();
    const augFakeG = draw();
    const gpEps = gan.loss === 'wgan-gp' ? Float32Array.from({ length: b }, () => rng.next()) : undefined;
    const step = this.step + 1;
    const r1Scale = gan.r1Gamma > 0 && step % gan.r1Every === 0 ? gan.r1Every : 0;
    const shape: [number, number, number, number] = [b, decode.size, decode.size, decode.channels];
    const lecam = lecamAnchors(this.lecam, gan.lecam);
    const settings = lecam ? { ...this.settings, lecam } : this.settings;
    let ds: DStepResult;
    let gs: { loss: number };
    const g = this.g;
    if (isTranslator(g)) {
      // Every real image is also a source: translated into another class for both steps.
      const input = tf.tidy(() => ({
        real: tf.tensor4d(batch.images, shape),
        realLabels: tf.tensor1d(batch.labels, 'int32'),
        targetLabels: tf.tensor1d(otherLabels(rng, batch.labels, this.present), 'int32'),
      }));
      const state = { g, d: this.d, optG: this.optG, optD: this.optD };
      ds = trainTranslatorDiscriminatorStep(state, { ...input, augReal, augFake, r1Scale, ...(gpEps ? { gpEps } : {}) }, settings);
      gs = trainTranslatorStep(state, { ...input, augFake: augFakeG }, this.settings);
      tf.dispose(Object.values(input));
    } else {
      const zLength = latentLength(gan);
      const arrays: StepArrays = {
        real: batch.images,
        realLabels: batch.labels,
        z: rng.normal(new Float32Array(b * zLength)),
        fakeLabels: gan.modeSeeking > 0 ? pairedLabels(rng, b, this.present) : uniformLabels(rng, b, this.present),
        augReal,
        augFake,
        augFakeG,
        ...(gpEps ? { gpEps } : {}),
        r1Scale,
        condition: conditionWeight(step, train.steps, gan.transition),
        size: decode.size,
        channels: decode.channels,
        zLength,
      };
      if (this.pool) {
        ({ d: ds, g: gs } = this.pool.iterate(this.state, arrays, settings));
      } else {
        const input = stepTensors(arrays);
        ds = trainDiscriminatorStep(this.state, input, settings);
        gs = trainGeneratorStep(this.state, { z: input.z, fakeLabels: input.fakeLabels, augFake: augFakeG, condition: arrays.condition }, this.settings);
        tf.dispose([input.real, input.realLabels, input.z, input.fakeLabels]);
      }
    }
    this.step = step;
    this.imagesSeen += b;
    if (this.gEma) updateEma(this.gEma.params, this.g.params, emaBeta({ halfLifeImages: gan.emaHalfLifeImages, rampup: gan.emaRampup }, b, this.imagesSeen));
    if (gan.lecam > 0) this.lecam = updateLecam(this.lecam, ds.dReal, ds.dFake);
    if (augment.ada) {
      this.ada = updateAda(this.ada, ds.realLogits, step, b, {
        target: augment.adaTarget,
        interval: augment.adaInterval,
        speedImages: augment.adaSpeedImages,
        maxP: 1,
      });
    }
    return {
      step,
      of: train.steps,
      lossD: ds.loss,
      lossG: gs.loss,
      dReal: ds.dReal,
      dFake: ds.dFake,
      p,
      imgPerSec: b / ((performance.now() - t0) / 1000),
    };
  }

  /** Mean D logit on the held-out reals and on as many training reals (plain images, no augmentation). */
  heldOutGap(): { dHeldOut: number | null; dTrainReal: number | null } {
    if (this.held.length === 0) return { dHeldOut: null, dTrainReal: null };
    const n = Math.min(this.held.length, 256);
    const per = this.data.size * this.data.size * this.data.channels;
    const pick = (idx: number[]) => {
      const imgs = new Float32Array(idx.length * per);
      idx.forEach((src, k) => {
        for (let i = 0; i < per; i++) imgs[k * per + i] = this.data.pixels[src * per + i]! / 127.5 - 1;
      });
      return tf.tidy(() => {
        const x = tf.tensor4d(imgs, [idx.length, this.data.size, this.data.size, this.data.channels]);
        const l = tf.tensor1d(Int32Array.from(idx.map((i) => this.data.labels[i]!)), 'int32');
        return discriminate(this.d, x, l).mean().dataSync()[0]!;
      });
    };
    const held = this.held.slice(0, n);
    // Training images of the same classes, in the same numbers, chosen without touching the main Rng.
    const pickRng = new Rng(this.step);
    const trainSame = held.map((i) => {
      const list = this.byClass[this.data.labels[i]!]!;
      return list[pickRng.int(list.length)]!;
    });
    return { dHeldOut: pick(held), dTrainReal: pick(trainSame) };
  }

  /**
   * `perClass` images of each of `classes`, `per` values each, made pass by pass: `pass(at, m)` gives images
   * [at, at + m), as many whole classes as fit in {@link SAMPLE_PASS_BATCHES} training batches (at least one).
   * One pass over every class held each layer's activations for all of them at once, and the wasm heap, which
   * never shrinks, grew to fit for the rest of the run: +24 MB at 40 classes (8 × 40 images), +129 MB at 80,
   * nothing at 30 (240 images: a forward pass holds far less an image than a training step, which sized the
   * heap). Up to 3 × batchSize / perClass classes (24 at the defaults, 12 in the quickstart) sample in one
   * pass, as before: their batch-norm statistics, so their grids, are unchanged.
   */
  private inPasses(perClass: number, classes: number, per: number, pass: (at: number, m: number) => ArrayLike<number>): Uint8Array {
    const step = Math.max(1, Math.floor((SAMPLE_PASS_BATCHES * this.config.train.batchSize) / perClass)) * perClass;
    const n = perClass * classes;
    const all = new Uint8Array(n * per);
    for (let at = 0; at < n; at += step) all.set(pass(at, Math.min(step, n - at)), at * per);
    return all;
  }

  /** `perClass` EMA samples per class from fixed latents (comparable across steps), uint8. */
  samples(perClass: number, classes: number[]): SampleGrid {
    const g = this.gEma ?? this.g;
    if (isTranslator(g)) return this.translatedSamples(g, perClass, classes);
    const fixed = new Rng(0x5eed);
    const n = perClass * classes.length;
    const zLength = latentLength(g.spec);
    const z = fixed.normal(new Float32Array(n * zLength));
    const labels = Int32Array.from({ length: n }, (_, i) => classes[Math.floor(i / perClass)]!);
    const per = g.spec.size * g.spec.size * g.spec.channels;
    const all = this.inPasses(perClass, classes.length, per, (at, m) =>
      tf.tidy(() => toPixels(generate(g, tf.tensor2d(z.subarray(at * zLength, (at + m) * zLength), [m, zLength]), tf.tensor1d(labels.subarray(at, at + m), 'int32'), 'train')).dataSync()),
    );
    return {
      step: this.step,
      perClass,
      classes: classes.map((c, k) => ({ classIndex: c, pixels: all.slice(k * perClass * per, (k + 1) * perClass * per) })),
    };
  }

  /** Translations into each class of `perClass` fixed training images of other classes (the same at every step). */
  private translatedSamples(t: Translator, perClass: number, classes: number[]): SampleGrid {
    const fixed = new Rng(0x5eed);
    const { size, channels } = this.data;
    const per = size * size * channels;
    const n = perClass * classes.length;
    const src = new Float32Array(n * per);
    const labels = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const target = classes[Math.floor(i / perClass)]!;
      const from = this.present.filter((c) => c !== target);
      const list = this.byClass[from.length ? from[fixed.int(from.length)]! : target]!;
      const idx = list[fixed.int(list.length)]!;
      for (let k = 0; k < per; k++) src[i * per + k] = this.data.pixels[idx * per + k]! / 127.5 - 1;
      labels[i] = target;
    }
    const all = this.inPasses(perClass, classes.length, per, (at, m) =>
      tf.tidy(() => toPixels(translate(t, tf.tensor4d(src.subarray(at * per, (at + m) * per), [m, size, size, channels]), tf.tensor1d(labels.subarray(at, at + m), 'int32'))).dataSync()),
    );
    return {
      step: this.step,
      perClass,
      classes: classes.map((c, k) => ({ classIndex: c, pixels: all.slice(k * perClass * per, (k + 1) * perClass * per) })),
    };
  }

  /** Sample diversity ÷ real diversity per class, in pixel space. */
  diversity(grid: SampleGrid, labels: string[]): Record<string, number> {
    const per = this.data.size * this.data.size * this.data.channels;
    const out: Record<string, number> = {};
    for (const c of grid.classes) {
      const real = this.byClass[c.classIndex]!;
      const k = Math.min(real.length, grid.perClass);
      if (k < 2) continue;
      const realPx = new Uint8Array(k * per);
      for (let i = 0; i < k; i++) realPx.set(this.data.pixels.subarray(real[i]! * per, (real[i]! + 1) * per), i * per);
      const dReal = meanPairwiseDistance(realPx, k, per);
      const dGen = meanPairwiseDistance(c.pixels, grid.perClass, per);
      out[labels[c.classIndex] ?? String(c.classIndex)] = dReal > 0 ? dGen / dReal : 0;
    }
    return out;
  }

  async snapshot(): Promise<TrainerSnapshot> {
    return {
      step: this.step,
      imagesSeen: this.imagesSeen,
      rng: this.rng.state,
      ada: { ...this.ada },
      lecam: { ...this.lecam },
      rollbacks: this.rollbacks,
      g: await readParams(this.g.params),
      gEma: this.gEma ? await readParams(this.gEma.params) : {},
      d: await readParams(this.d.params),
      spectral: await readSpectral(this.d),
      optG: await this.optG.save(),
      optD: await this.optD.save(),
    };
  }

  restore(s: TrainerSnapshot): void {
    this.step = s.step;
    this.imagesSeen = s.imagesSeen;
    this.rng.setState(s.rng);
    this.ada = { ...s.ada };
    this.lecam = s.lecam ? { ...s.lecam } : initLecam();
    this.rollbacks = s.rollbacks;
    loadModels(this, s);
    if (this.gEma) writeParams(this.gEma.params, s.gEma);
    this.pool?.load(s);
  }

  /** Sets eval-mode BN statistics of the sampling generator from class-balanced batches. */
  finalize(): ImageModel {
    const g = this.gEma ?? this.g;
    // A translator normalises per image: there are no batch statistics to calibrate.
    if (isTranslator(g)) return g;
    const calibRng = new Rng(this.config.seed ^ 0xb00c);
    const calib = Array.from({ length: 8 }, () => ({
      z: latent(calibRng, 128, latentLength(g.spec)),
      labels: tf.tensor1d(uniformLabels(calibRng, 128, this.present), 'int32'),
    }));
    calibrateBatchNorm(g, calib);
    tf.dispose(calib.flatMap((c) => [c.z, c.labels]));
    return g;
  }

  dispose(keep: { g?: ImageModel; d?: Discriminator } = {}): void {
    if (keep.g !== this.g) disposeParams(this.g.params);
    if (this.gEma && keep.g !== this.gEma) disposeParams(this.gEma.params);
    if (keep.d !== this.d) disposeDiscriminator(this.d);
    this.optG.dispose();
    this.optD.dispose();
  }
}

/** Trains one GAN job for `config.train.steps` iterations (or continues `options.resume`). */
export async function trainGan(data: LabelledImages, config: Config, options: TrainOptions = {}): Promise<TrainResult> {
  const trainer = new Trainer(data, config);
  if (options.resume) trainer.restore(options.resume);
  const workers = options.workers ?? 1;
  let pool: ReplicaPool | null = null;
  if (workers > 1) {
    try {
      pool = await ReplicaPool.start(workers, trainer.state, config, ganSpecs(config, data.numClasses));
    } catch (err) {
      trainer.dispose();
      throw err;
    }
    await trainer.attachPool(pool);
  }
  try {
    return await trainLoop(trainer, data, config, options);
  } catch (err) {
    if (pool && err instanceof ReplicaAbortedError) throw new InternalError(`a training replica failed: ${(await pool.failure()) ?? err.message}`);
    throw err;
  } finally {
    await pool?.close();
  }
}

async function trainLoop(trainer: Trainer, data: LabelledImages, config: Config, options: TrainOptions): Promise<TrainResult> {
  const { train } = config;
  const labels = options.labels ?? Array.from({ length: data.numClasses }, (_, i) => String(i));
  const history: MetricsRecord[] = [];
  const started = performance.now();
  const resumedFrom = trainer.step;
  // Training seconds before this run (a resumed snapshot's), for the checkpoints and, for the same job going on, the budget.
  const before = options.resume?.seconds ?? 0;
  const elapsed = () => before + (performance.now() - started) / 1000;
  const budgetBefore = options.budgetCountsResumed ? before : 0;
  const faults = new Map(options.faultAt ?? []);
  // The last known-good state, for rollback: in memory, refreshed at every checkpoint.
  let good = await trainer.snapshot();
  let interrupted = false;
  const checkpoint = async () => {
    good = { ...(await trainer.snapshot()), seconds: elapsed() };
    await options.onCheckpoint?.(good);
  };
  const emitSamples = async (): Promise<Record<string, number>> => {
    const grid = trainer.samples(8, trainer.present);
    await options.onSamples?.(grid);
    return trainer.diversity(grid, labels);
  };

  while (trainer.step < train.steps) {
    if (options.signal?.aborted) {
      interrupted = true;
      break;
    }
    const m = trainer.iterate();
    const injected = (faults.get(m.step) ?? 0) > 0;
    if (injected) faults.set(m.step, faults.get(m.step)! - 1);
    const bad = injected || ![m.lossD, m.lossG].every((x) => Number.isFinite(x) && Math.abs(x) <= train.divergenceLoss);
    if (bad) {
      if (trainer.rollbacks >= MAX_ROLLBACKS) {
        trainer.dispose();
        throw new DivergenceError(
          `training diverged at step ${m.step} (loss D ${m.lossD}, G ${m.lossG}) after ${MAX_ROLLBACKS} rollbacks with halved learning rates; ` +
            `try lower train.lrG/train.lrD, gan.spectralNorm: true or gan.loss: hinge`,
        );
      }
      const rollbacks = trainer.rollbacks + 1;
      const lrG = trainer.optG.lr / 2;
      const lrD = trainer.optD.lr / 2;
      trainer.restore(good);
      trainer.rollbacks = rollbacks;
      trainer.optG.lr = lrG;
      trainer.optD.lr = lrD;
      good = { ...good, rollbacks, optG: { ...good.optG, lr: lrG }, optD: { ...good.optD, lr: lrD } };
      options.onLog?.({ ...m, dHeldOut: null, dTrainReal: null, adaR: null, lrG, lrD, diversity: { rollback: rollbacks } });
      continue;
    }
    const budgetLeft = train.budgetSeconds > 0 ? train.budgetSeconds - (budgetBefore + (performance.now() - started) / 1000) : null;
    options.onStep?.(budgetLeft === null ? m : { ...m, budgetLeft: Math.max(0, budgetLeft) });
    const overBudget = budgetLeft !== null && budgetLeft <= 0;
    const last = m.step === train.steps || overBudget;
    if (m.step % train.logEvery === 0 || last) {
      const record: MetricsRecord = { ...m, ...trainer.heldOutGap(), adaR: trainer.ada.lastR, lrG: trainer.optG.lr, lrD: trainer.optD.lr };
      if ((train.sampleEvery > 0 && m.step % train.sampleEvery === 0) || last) record.diversity = await emitSamples();
      history.push(record);
      options.onLog?.(record);
    }
    if ((train.checkpointEvery > 0 && m.step % train.checkpointEvery === 0) || last) await checkpoint();
    if (overBudget) break;
    // Let timers, progress output and signal handlers run between steps.
    await new Promise((resolve) => setImmediate(resolve));
  }
  if (interrupted) await checkpoint();
  const g = trainer.finalize();
  const d = trainer.d;
  trainer.dispose({ g, d });
  return {
    g,
    d,
    history,
    steps: trainer.step,
    resumedFrom,
    held: trainer.held,
    seconds: (performance.now() - started) / 1000,
    interrupted,
    rollbacks: trainer.rollbacks,
    dispose: () => {
      disposeParams(g.params);
      disposeDiscriminator(d);
    },
  };
}

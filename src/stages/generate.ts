/**
 * Generation: `deficit × generate.oversample` candidates of one scarce class from its trained model,
 * each with its own seed (derived from the run seed and the label, so both GAN modes give each class its
 * own latents) and the discriminator's logit. A translator (`gan.mode: translate`) translates real images
 * of the source classes instead; each candidate then carries its source.
 */
import os from 'node:os';
import { workerBackend } from '../backend/select.js';
import type { Config } from '../config/schema.js';
import type { EventSink } from '../events.js';
import type { Discriminator } from '../gan/discriminator.js';
import type { Generator } from '../gan/generator.js';
import { isTranslator, type ImageModel } from '../gan/translator.js';
import { anchoredLatent, fitAnchors, type Anchors } from '../generate/anchor.js';
import { sampleClass, seedsFor, type Candidates } from '../generate/sample.js';
import { planSamplers, type SamplerPools } from '../generate/sampler-pool.js';
import { pickSources, sourceClasses, translateImages } from '../generate/translate.js';
import type { LabelledImages } from '../dataset/sampler.js';
import { labelSalt } from '../util/rng.js';

/** The trained model that makes a class, and the class's index in that model. */
export type ModelFor = Map<string, { g: ImageModel; d: Discriminator; classIndex: number }>;

/**
 * What a translator needs to pick its sources: the real images, their class names, the scarce classes, and the
 * held-out images, which it never translates — the guard judges on them, and a held-out image of another class
 * delivered under the scarce label would be one the guard's classifiers had seen.
 */
export interface SourcePool {
  real: LabelledImages;
  labels: readonly string[];
  scarce: readonly string[];
  held: ReadonlySet<number>;
}

/** A class's real images the GAN trained on (never its held-out ones): what `generate.anchor` fits latents to. */
export type AnchorImages = Pick<LabelledImages, 'pixels' | 'count'>;

/** How many candidates a class with this deficit gets (a translator: at most {@link translatedFor}). */
export const candidatesFor = (deficit: number, config: Config): number => Math.ceil(deficit * config.generate.oversample);

/** The source images a translator translates into `label`, in their seeded order: each at most once. */
function sourcesFor(pool: SourcePool, label: string, deficit: number, config: Config): number[] {
  const from = sourceClasses(pool.labels, label, pool.scarce, config.gan.translate.sources).map((l) => pool.labels.indexOf(l));
  return pickSources(pool.real.labels, from, candidatesFor(deficit, config), config.gan.translate.sourceMix, (config.seed ^ labelSalt(label) ^ 0x7a11) >>> 0, pool.held);
}

/** How many candidates a translator makes for `label`: {@link candidatesFor}, at most one per source image it may translate. */
export const translatedFor = (pool: SourcePool, label: string, deficit: number, config: Config): number => sourcesFor(pool, label, deficit, config).length;

/**
 * Samples one class's candidates, batch by batch.
 * @throws {InterruptedError} when `signal` is aborted (checked before each batch)
 */
export async function generateCandidates(
  model: { g: ImageModel; d: Discriminator; classIndex: number },
  label: string,
  deficit: number,
  config: Config,
  emit: EventSink,
  signal: AbortSignal | undefined,
  pool: SourcePool | undefined,
  samplers: SamplerPools,
  anchorImages?: AnchorImages,
): Promise<Candidates & { scores: Float32Array; sources?: number[]; anchors?: Anchors }> {
  let n = candidatesFor(deficit, config);
  const g = model.g;
  if (isTranslator(g)) {
    if (!pool) throw new RangeError('Expected the real images to translate (a SourcePool) for a translator model, but received none');
    const salt = labelSalt(label);
    const sources = sourcesFor(pool, label, deficit, config);
    n = sources.length;
    const t = await translateImages(g, model.d, model.classIndex, pool.real.pixels, sources, config.generate.batchSize, (done) => emit({ type: 'generate.progress', label, done, total: n }), signal);
    // Each candidate's seed only names its file; its source reproduces it.
    return { classIndex: model.classIndex, pixels: t.pixels, count: n, seeds: seedsFor(config.seed, salt, n), scores: t.scores!, sources };
  }
  const seeds = seedsFor(config.seed, labelSalt(label), n);
  const onProgress = (done: number) => emit({ type: 'generate.progress', label, done, total: n });
  const anchors = await fitClassAnchors({ g, classIndex: model.classIndex }, label, config, emit, anchorImages, signal);
  const { sigma } = config.generate.anchor;
  const latent = anchors && sigma !== null ? (seed: number) => anchoredLatent(anchors, seed, sigma) : null;
  const plan = planSamplers(config.generate.workers, workerBackend(), os.availableParallelism(), n);
  if (plan.refused) emit({ type: 'warn', message: `generate.workers: ${config.generate.workers} asked, sampling on one thread: ${plan.reason}` });
  else if (plan.threads > 1) emit({ type: 'info', message: `generate: class "${label}" on ${plan.threads} sampler threads` });
  const cands = await sampleClass(g, model.d, model.classIndex, n, seeds, config.generate.batchSize, {
    onProgress,
    pool: await samplers.for({ g, d: model.d }, plan),
    ...(latent ? { latent } : {}),
    ...(signal ? { signal } : {}),
  });
  return { ...cands, scores: cands.scores!, ...(anchors ? { anchors } : {}) };
}

/**
 * Under `generate.anchor`, the latents fitted to the class's training images (generate/anchor.ts), with a
 * progress event per step and an info line after; null when it is off, or (with a warning) when the class has
 * no image to fit to.
 * @throws {InterruptedError} when `signal` is aborted during the fit
 */
async function fitClassAnchors(
  model: { g: Generator; classIndex: number },
  label: string,
  config: Config,
  emit: EventSink,
  images: AnchorImages | undefined,
  signal: AbortSignal | undefined,
): Promise<Anchors | null> {
  const { sigma, steps } = config.generate.anchor;
  if (sigma === null) return null;
  if (!images || images.count === 0) {
    emit({ type: 'warn', message: `generate.anchor: class "${label}" has no real training image to fit a latent to; sampling its prior` });
    return null;
  }
  const t0 = performance.now();
  const anchors = await fitAnchors(model.g, images.pixels, images.count, model.classIndex, steps, (config.seed ^ labelSalt(label) ^ 0xa2c4) >>> 0, {
    onStep: (done, total) => emit({ type: 'generate.fit', label, done, total }),
    ...(signal ? { signal } : {}),
  });
  emit({ type: 'info', message: `generate: class "${label}" sampled around its ${anchors.count} real training images (σ ${sigma}; latents fitted in ${steps} steps, ${((performance.now() - t0) / 1000).toFixed(1)} s, pixel MSE ${anchors.mse.toFixed(3)})` });
  return anchors;
}

/**
 * A tiny conditional GAN (3 classes, 12×12×1, batch 6) and one step's input, for the train-step tests and
 * the native-kernel regression test: small enough to run every head, loss and penalty in seconds.
 */
import { tf } from '../../src/tf.js';
import { Adam } from '../../src/gan/adam.js';
import { drawAugment } from '../../src/gan/augment.js';
import { buildDiscriminator, type DiscriminatorHead } from '../../src/gan/discriminator.js';
import { buildGenerator, type GeneratorArch, type GeneratorConditioning } from '../../src/gan/generator.js';
import type { GanState, StepInput } from '../../src/gan/train-step.js';
import { Rng } from '../../src/util/rng.js';

export const SMALL_SPEC = { numClasses: 3, latentDim: 16, embedDim: 8, width: 16, size: 12, channels: 1 };

export function makeSmallState(
  head: DiscriminatorHead = 'projection',
  extra: { mbstd?: boolean; spectralNorm?: boolean; arch?: GeneratorArch; conditioning?: GeneratorConditioning; classNoise?: number } = {},
): GanState {
  const rng = new Rng(7);
  const { arch, conditioning, classNoise, ...dExtra } = extra;
  const g = buildGenerator({ ...SMALL_SPEC, ...(arch ? { arch } : {}), ...(conditioning ? { conditioning } : {}), ...(classNoise ? { classNoise } : {}) }, rng);
  const d = buildDiscriminator({ numClasses: 3, width: 8, size: 12, channels: 1, head, ...dExtra }, rng);
  return { g, d, optG: new Adam(g.params, 1e-3, 0.5, 0.999), optD: new Adam(d.params, 1e-3, 0.5, 0.999) };
}

/** Six real images, latents and labels from Rng(seed); DiffAugment at probability `p`; R1 and WGAN-GP inputs set. */
export function makeSmallInput(seed: number, p = 0): StepInput {
  const rng = new Rng(seed);
  const aug = () => drawAugment(rng, 6, 12, 1, ['color', 'translation', 'cutout'], p);
  return {
    real: tf.tensor4d(rng.normal(new Float32Array(6 * 12 * 12)).map(Math.tanh), [6, 12, 12, 1]),
    realLabels: tf.tensor1d([0, 1, 2, 0, 1, 2], 'int32'),
    z: tf.tensor2d(rng.normal(new Float32Array(6 * 16)), [6, 16]),
    fakeLabels: tf.tensor1d([2, 2, 1, 0, 0, 1], 'int32'),
    augReal: aug(),
    augFake: aug(),
    r1Scale: 4,
    gpEps: Float32Array.from({ length: 6 }, () => rng.next()),
  };
}

/** `count` random 8×8 gray images, labelled round-robin over `numClasses`: the training loop's tiny dataset. */
export function randomImages(count: number, numClasses: number, seed = 1) {
  const rng = new Rng(seed);
  return {
    pixels: Uint8Array.from({ length: count * 64 }, () => rng.int(256)),
    count,
    size: 8,
    channels: 1,
    labels: Int32Array.from({ length: count }, (_, i) => i % numClasses),
    numClasses,
  };
}

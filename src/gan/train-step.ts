/**
 * One discriminator step and one generator step, each its own function so that tests can check that it
 * leaks no tensor and moves only its own model's weights.
 */
import * as tf from '@tensorflow/tfjs';
import type { Adam } from './adam.js';
import { applyAugment, type AugmentParams } from './augment.js';
import { discriminateAux, updateSpectral, type Discriminator } from './discriminator.js';
import { generate, type Generator } from './generator.js';
import { classLoss, discriminatorLoss, generatorLoss, gradientPenalty, r1Penalty, type LossName } from './losses.js';
import { DEFAULTS } from '../config/defaults.js';

export interface GanState {
  g: Generator;
  d: Discriminator;
  optG: Adam;
  optD: Adam;
}

export interface StepSettings {
  loss: LossName;
  /** R1 weight γ (0 = off). */
  r1Gamma: number;
  /** WGAN-GP weight λ (used with loss `wgan-gp`). */
  gpWeight: number;
  /**
   * Mode-seeking weight (MSGAN, Mao et al. CVPR 2019; 0 = off): G's step also minimises
   * 1 / (mean|G(z₁, c) − G(z₂, c)| / mean|z₁ − z₂|) over the batch's two halves, which must share their
   * labels (the loop draws them so). Pushes different latents of one class apart: against collapse.
   */
  modeSeeking?: number;
}

/** The config's defaults (config/defaults.ts). */
export const DEFAULT_STEP: StepSettings = { loss: DEFAULTS.gan.loss, r1Gamma: DEFAULTS.gan.r1Gamma, gpWeight: DEFAULTS.gan.gpWeight };

export interface StepInput {
  real: tf.Tensor4D;
  realLabels: tf.Tensor1D;
  z: tf.Tensor2D;
  fakeLabels: tf.Tensor1D;
  /** DiffAugment parameters for the real and the generated images (omitted: none). */
  augReal?: AugmentParams;
  augFake?: AugmentParams;
  /** Lazy R1: apply the penalty on this step, scaled by this factor (the interval); 0 = not this step. */
  r1Scale?: number;
  /** WGAN-GP interpolation weights, one per image. */
  gpEps?: Float32Array;
  /** How much the class enters G and D this step (gan.transition's λ; omitted: 1, fully conditional). */
  condition?: number;
}

export interface DStepResult {
  loss: number;
  /** Mean logit on real and on generated images. */
  dReal: number;
  dFake: number;
  /** Logits on the (augmented) real images: the ADA controller's input. */
  realLogits: Float32Array;
}

const aug = (x: tf.Tensor4D, a?: AugmentParams) => (a ? applyAugment(x, a) : x);
/** A class term scaled by gan.transition's λ; no extra op at λ = 1 (every step when the transition is off). */
const byCondition = (t: tf.Tensor, c: number) => (c === 1 ? t : t.mul(c));

/** Updates D only: pushes D(real) up and D(G(z)) down, plus the configured penalties. */
export function trainDiscriminatorStep(state: GanState, input: StepInput, s: StepSettings = DEFAULT_STEP): DStepResult {
  // Outside the tape: G's forward pass is a constant for D's update.
  const fake = tf.tidy(() => generate(state.g, input.z, input.fakeLabels, 'train', input.condition ?? 1));
  try {
    return updateDiscriminator(state.d, state.optD, { ...input, fake }, s);
  } finally {
    fake.dispose();
  }
}

/** What one D update needs: real images, generated images (not yet augmented), their labels. */
export interface DUpdateInput extends Pick<StepInput, 'real' | 'realLabels' | 'fakeLabels' | 'augReal' | 'augFake' | 'r1Scale' | 'gpEps' | 'condition'> {
  fake: tf.Tensor4D;
}

/**
 * The D update shared by every generator kind (noise, translator): pushes D(real) up and D(fake) down,
 * plus the configured penalties. Moves only D's weights.
 */
export function updateDiscriminator(d: Discriminator, optD: Adam, input: DUpdateInput, s: StepSettings = DEFAULT_STEP): DStepResult {
  updateSpectral(d);
  return tf.tidy(() => {
    let kept: tf.Tensor | undefined;
    const fake = aug(input.fake, input.augFake);
    const c = input.condition ?? 1;
    const { value, grads } = tf.variableGrads(() => {
      const real = aug(input.real, input.augReal);
      const r = discriminateAux(d, real, input.realLabels, false, c);
      const f = discriminateAux(d, fake, input.fakeLabels, false, c);
      kept = tf.keep(tf.concat([r.logits, f.logits.mean().reshape([1])]));
      let loss = discriminatorLoss(r.logits, f.logits, s.loss);
      if (r.classLogits && f.classLogits && c > 0) {
        loss = loss.add(byCondition(classLoss(r.classLogits, input.realLabels), c)).add(byCondition(classLoss(f.classLogits, input.fakeLabels), c));
      }
      const critic = (x: tf.Tensor4D) => discriminateAux(d, x, input.realLabels, true, c).logits;
      if (s.r1Gamma > 0 && (input.r1Scale ?? 0) > 0) loss = loss.add(r1Penalty(critic, real, s.r1Gamma * input.r1Scale!));
      if (s.loss === 'wgan-gp' && input.gpEps) {
        const critic2 = (x: tf.Tensor4D) => discriminateAux(d, x, input.fakeLabels, true, c).logits;
        loss = loss.add(gradientPenalty(critic2, real, fake, input.gpEps, s.gpWeight));
      }
      return loss as tf.Scalar;
    }, optD.variables);
    optD.apply(grads);
    const all = kept!.dataSync() as Float32Array;
    kept!.dispose();
    const n = input.real.shape[0];
    const realLogits = all.slice(0, n);
    const dReal = realLogits.reduce((a, b) => a + b, 0) / n;
    return { loss: value.dataSync()[0]!, dReal, dFake: all[n]!, realLogits };
  });
}

/**
 * MSGAN's term for a batch whose second half repeats the first half's labels with other latents:
 * 1 / (mean |x₁ − x₂| / mean |z₁ − z₂| + 1e-5), small when the two halves' images differ as much as their
 * latents do. Images before augmentation.
 */
export function modeSeekingLoss(images: tf.Tensor4D, z: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => {
    const half = Math.floor(images.shape[0] / 2);
    const [, h, w, ch] = images.shape;
    const x1 = images.slice([0, 0, 0, 0], [half, h, w, ch]);
    const x2 = images.slice([half, 0, 0, 0], [half, h, w, ch]);
    const z1 = z.slice([0, 0], [half, -1]);
    const z2 = z.slice([half, 0], [half, -1]);
    const ratio = x1.sub(x2).abs().mean().div(z1.sub(z2).abs().mean());
    return ratio.add(1e-5).reciprocal() as tf.Scalar;
  });
}

/** Updates G only: pushes D(G(z)) up (through the same augmentation D sees). */
export function trainGeneratorStep(
  state: GanState,
  input: Pick<StepInput, 'z' | 'fakeLabels' | 'augFake' | 'condition'>,
  s: StepSettings = DEFAULT_STEP,
): { loss: number } {
  const c = input.condition ?? 1;
  return tf.tidy(() => {
    const { value, grads } = tf.variableGrads(() => {
      const raw = generate(state.g, input.z, input.fakeLabels, 'train', c);
      const fake = aug(raw, input.augFake);
      const out = discriminateAux(state.d, fake, input.fakeLabels, false, c);
      let loss = generatorLoss(out.logits, s.loss);
      if ((s.modeSeeking ?? 0) > 0) loss = loss.add(modeSeekingLoss(raw, input.z).mul(s.modeSeeking!));
      if (out.classLogits && c > 0) loss = loss.add(byCondition(classLoss(out.classLogits, input.fakeLabels), c));
      return loss as tf.Scalar;
    }, state.optG.variables);
    state.optG.apply(grads);
    return { loss: value.dataSync()[0]! };
  });
}

/**
 * One discriminator step and one generator step, each its own function so that tests can check that it
 * leaks no tensor and moves only its own model's weights.
 */
import { tf } from '../tf.js';
import type { Adam } from './adam.js';
import { applyAugment, type AugmentParams } from './augment.js';
import { discriminateAux, updateSpectral, type Discriminator } from './discriminator.js';
import { generate, type Generator } from './generator.js';
import { classLoss, discriminatorTerm, generatorLoss, gradientPenalty, lecamTerm, r1Penalty } from './losses.js';
import type { LossName } from './arch.js';
import type { LecamAnchors } from './lecam.js';
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
  /**
   * LeCam regularisation of this D step (src/gan/lecam.ts: λ and the moving averages of D's logits it
   * pulls towards); absent = off. Set per step by the training loop.
   */
  lecam?: LecamAnchors;
}

/**
 * Data-parallel training (gan/parallel): turns this replica's gradients, taken on its part of the batch,
 * into the whole batch's (the same on every replica), before the optimiser applies them. Returns new
 * tensors; the caller disposes both.
 */
export type GradientSync = (grads: tf.NamedTensorMap) => tf.NamedTensorMap;

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
export function trainDiscriminatorStep(state: GanState, input: StepInput, s: StepSettings = DEFAULT_STEP, sync?: GradientSync): DStepResult {
  // Outside the tape: G's forward pass is a constant for D's update.
  const fake = tf.tidy(() => generate(state.g, input.z, input.fakeLabels, 'train', input.condition ?? 1));
  try {
    return updateDiscriminator(state.d, state.optD, { ...input, fake }, s, sync);
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
 *
 * The gradient is taken in two backward passes, one over the real images (their loss term, class loss
 * and R1) and one over the generated ones (theirs, and WGAN-GP), and summed: the loss is exactly that
 * sum, and tfjs keeps every intermediate gradient of a pass until the pass ends, so two half-size
 * passes need about half the memory of one (the wasm heap keeps its peak for the rest of the run).
 */
export function updateDiscriminator(d: Discriminator, optD: Adam, input: DUpdateInput, s: StepSettings = DEFAULT_STEP, sync?: GradientSync): DStepResult {
  updateSpectral(d);
  const c = input.condition ?? 1;
  // Augmented outside the tapes: constants for D's gradient.
  const [real, fake] = tf.tidy(() => [aug(input.real, input.augReal), aug(input.fake, input.augFake)]) as [tf.Tensor4D, tf.Tensor4D];
  const critic = (labels: tf.Tensor1D) => (x: tf.Tensor4D) => discriminateAux(d, x, labels, true, c).logits;
  // Each pass in its own tidy, so its activations are freed before the next pass and the update.
  const pass = (side: 'real' | 'fake') =>
    tf.tidy(() => {
      let logits: tf.Tensor | undefined;
      const { value, grads } = tf.variableGrads(() => {
        const labels = side === 'real' ? input.realLabels : input.fakeLabels;
        const out = discriminateAux(d, side === 'real' ? real : fake, labels, false, c);
        logits = tf.keep(out.logits);
        let loss = discriminatorTerm(out.logits, side, s.loss);
        if (out.classLogits && c > 0) loss = loss.add(byCondition(classLoss(out.classLogits, labels), c));
        if (s.lecam) loss = loss.add(lecamTerm(out.logits, side, s.lecam).mul(s.lecam.weight));
        if (side === 'real' && s.r1Gamma > 0 && (input.r1Scale ?? 0) > 0) loss = loss.add(r1Penalty(critic(labels), real, s.r1Gamma * input.r1Scale!));
        if (side === 'fake' && s.loss === 'wgan-gp' && input.gpEps) loss = loss.add(gradientPenalty(critic(labels), real, fake, input.gpEps, s.gpWeight));
        return loss as tf.Scalar;
      }, optD.variables);
      return { value, grads, logits: logits! };
    });
  let realPass: ReturnType<typeof pass> | undefined;
  let fakePass: ReturnType<typeof pass> | undefined;
  try {
    realPass = pass('real');
    fakePass = pass('fake');
    const both = [realPass, fakePass];
    const names = new Set(both.flatMap((p) => Object.keys(p.grads)));
    // A weight one pass does not reach has no gradient there (variableGrads leaves it out).
    const grads = tf.tidy(() => Object.fromEntries([...names].map((n) => [n, tf.addN(both.flatMap((p) => (p.grads[n] ? [p.grads[n]!] : [])))])));
    const whole = sync ? sync(grads) : grads;
    try {
      optD.apply(whole);
    } finally {
      tf.dispose([grads, whole === grads ? {} : whole]);
    }
    const realLogits = realPass.logits.dataSync().slice() as Float32Array;
    const n = realLogits.length;
    const dFake = tf.tidy(() => fakePass!.logits.mean().dataSync()[0]!);
    const loss = realPass.value.dataSync()[0]! + fakePass.value.dataSync()[0]!;
    return { loss, dReal: realLogits.reduce((a, b) => a + b, 0) / n, dFake, realLogits };
  } finally {
    // aug returns its input when no augmentation was drawn: that tensor is the caller's.
    tf.dispose([real === input.real ? [] : real, fake === input.fake ? [] : fake, realPass ?? [], fakePass ?? []] as tf.TensorContainer);
  }
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
  sync?: GradientSync,
): { loss: number } {
  const c = input.condition ?? 1;
  // The gradient in its own tidy, so the pass's activations are freed before the update.
  const { value, grads } = tf.tidy(() =>
    tf.variableGrads(() => {
      const raw = generate(state.g, input.z, input.fakeLabels, 'train', c);
      const fake = aug(raw, input.augFake);
      const out = discriminateAux(state.d, fake, input.fakeLabels, false, c);
      let loss = generatorLoss(out.logits, s.loss);
      if ((s.modeSeeking ?? 0) > 0) loss = loss.add(modeSeekingLoss(raw, input.z).mul(s.modeSeeking!));
      if (out.classLogits && c > 0) loss = loss.add(byCondition(classLoss(out.classLogits, input.fakeLabels), c));
      return loss as tf.Scalar;
    }, state.optG.variables),
  );
  const whole = sync ? sync(grads) : grads;
  try {
    state.optG.apply(whole);
    return { loss: value.dataSync()[0]! };
  } finally {
    tf.dispose([value, grads, whole === grads ? {} : whole]);
  }
}

/**
 * The training steps of `gan.mode: translate`, each its own function so that tests can check that it
 * leaks no tensor and moves only its own model's weights:
 * - the D step is the noise GAN's D update with translated images as the fakes;
 * - the G step minimises, for sources x of class c_x and targets c ≠ c_x,
 *     adversarial(D(G(x, c), c)) + λ_cyc · |G(G(x, c), c_x) − x| + λ_id · |G(x, c_x) − x|
 *   (StarGAN's reconstruction loss, and CycleGAN's identity loss, both L1 means over pixels; the
 *   identity term on the first quarter of the batch).
 */
import { tf } from '../tf.js';
import type { Adam } from './adam.js';
import { applyAugment, type AugmentParams } from './augment.js';
import { discriminateAux, type Discriminator } from './discriminator.js';
import { classLoss, generatorLoss } from './losses.js';
import { updateDiscriminator, type DStepResult, type StepInput, type StepSettings } from './train-step.js';
import { translate, type Translator } from './translator.js';

export interface TranslatorState {
  g: Translator;
  d: Discriminator;
  optG: Adam;
  optD: Adam;
}

export interface TranslateSettings extends StepSettings {
  /** λ_cyc: weight of |G(G(x, c), c_x) − x|. */
  cycleWeight: number;
  /** λ_id: weight of |G(x, c_x) − x|. */
  identityWeight: number;
}

export const DEFAULT_TRANSLATE: TranslateSettings = { loss: 'ns', r1Gamma: 0, gpWeight: 10, cycleWeight: 10, identityWeight: 5 };

export interface TranslateInput extends Pick<StepInput, 'real' | 'realLabels' | 'augReal' | 'augFake' | 'r1Scale' | 'gpEps'> {
  /** The class each real image is translated into (≠ its own). */
  targetLabels: tf.Tensor1D;
}

/** A translation function: the translator's, or any stand-in (tests use the identity). */
export type TranslateFn = (x: tf.Tensor4D, labels: tf.Tensor1D) => tf.Tensor4D;

export interface TranslatorLosses {
  adversarial: tf.Scalar;
  cycle: tf.Scalar;
  identity: tf.Scalar;
  total: tf.Scalar;
}

/** Mean absolute difference. */
function l1(a: tf.Tensor, b: tf.Tensor): tf.Scalar {
  return a.sub(b).abs().mean() as tf.Scalar;
}

/**
 * The generator's losses for sources `x` (classes `cx`) translated into `c`; `augFake` is the
 * DiffAugment D sees the translated images through. Differentiable with respect to `g`'s weights.
 */
export function translatorLosses(
  g: TranslateFn,
  d: Discriminator,
  x: tf.Tensor4D,
  cx: tf.Tensor1D,
  c: tf.Tensor1D,
  s: TranslateSettings,
  augFake?: AugmentParams,
): TranslatorLosses {
  const fake = g(x, c);
  const out = discriminateAux(d, augFake ? applyAugment(fake, augFake) : fake, c);
  let adversarial = generatorLoss(out.logits, s.loss);
  if (out.classLogits) adversarial = adversarial.add(classLoss(out.classLogits, c));
  const cycle = l1(g(fake, cx), x);
  // The identity term is a regulariser: a quarter of the batch carries it at a third of the cost of the
  // translator passes it would otherwise add (measured on wasm: the G step is three translator passes).
  const q = Math.max(1, Math.ceil(x.shape[0] / 4));
  const xq = x.slice([0, 0, 0, 0], [q, -1, -1, -1]);
  const identity = s.identityWeight > 0 ? l1(g(xq, cx.slice([0], [q])), xq) : tf.scalar(0);
  const total = adversarial.add(cycle.mul(s.cycleWeight)).add(identity.mul(s.identityWeight)) as tf.Scalar;
  return { adversarial, cycle, identity, total };
}

/** D step: real images up, their translations into `targetLabels` down. Moves only D's weights. */
export function trainTranslatorDiscriminatorStep(state: TranslatorState, input: TranslateInput, s: TranslateSettings = DEFAULT_TRANSLATE): DStepResult {
  // Outside the tape: G's forward pass is a constant for D's update.
  const fake = tf.tidy(() => translate(state.g, input.real, input.targetLabels));
  try {
    return updateDiscriminator(state.d, state.optD, { ...input, fake, fakeLabels: input.targetLabels }, s);
  } finally {
    fake.dispose();
  }
}

/** G step: adversarial + cycle + identity losses. Moves only the translator's weights. */
export function trainTranslatorStep(
  state: TranslatorState,
  input: Pick<TranslateInput, 'real' | 'realLabels' | 'targetLabels' | 'augFake'>,
  s: TranslateSettings = DEFAULT_TRANSLATE,
): { loss: number; adversarial: number; cycle: number; identity: number } {
  return tf.tidy(() => {
    let parts: tf.Tensor | undefined;
    const g: TranslateFn = (x, c) => translate(state.g, x, c);
    const { value, grads } = tf.variableGrads(() => {
      const l = translatorLosses(g, state.d, input.real, input.realLabels, input.targetLabels, s, input.augFake);
      parts = tf.keep(tf.stack([l.adversarial, l.cycle, l.identity]));
      return l.total;
    }, state.optG.variables);
    state.optG.apply(grads);
    const [adversarial, cycle, identity] = parts!.dataSync();
    parts!.dispose();
    return { loss: value.dataSync()[0]!, adversarial: adversarial!, cycle: cycle!, identity: identity! };
  });
}

/**
 * A target class for each source label: uniform over the classes of `present` other than the source's
 * (the source's own when it is the only one).
 */
export function otherLabels(rng: { int(n: number): number }, sources: ArrayLike<number>, present: readonly number[]): Int32Array {
  const out = new Int32Array(sources.length);
  for (let i = 0; i < sources.length; i++) {
    const others = present.filter((c) => c !== sources[i]);
    out[i] = others.length ? others[rng.int(others.length)]! : sources[i]!;
  }
  return out;
}

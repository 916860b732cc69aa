/**
 * One discriminator step and one generator step, each its own function so that tests can check that it
 * leaks no tensor and moves only its own model's weights.
 */
import * as tf from '@tensorflow/tfjs';
import { discriminate, type Discriminator } from './discriminator.js';
import { generate, type Generator } from './generator.js';
import { discriminatorLoss, generatorLoss } from './losses.js';
import { trainable } from './params.js';

export interface GanState {
  g: Generator;
  d: Discriminator;
  optG: tf.Optimizer;
  optD: tf.Optimizer;
}

export interface StepInput {
  real: tf.Tensor4D;
  realLabels: tf.Tensor1D;
  z: tf.Tensor2D;
  fakeLabels: tf.Tensor1D;
}

export interface DStepResult {
  loss: number;
  /** Mean logit on real and on generated images. */
  dReal: number;
  dFake: number;
}

/** Updates D only: pushes D(real) up and D(G(z)) down. */
export function trainDiscriminatorStep(state: GanState, input: StepInput): DStepResult {
  return tf.tidy(() => {
    let means: tf.Tensor | undefined;
    const fake = tf.tidy(() => generate(state.g, input.z, input.fakeLabels, 'train'));
    const { value, grads } = tf.variableGrads(() => {
      const realLogits = discriminate(state.d, input.real, input.realLabels);
      const fakeLogits = discriminate(state.d, fake, input.fakeLabels);
      means = tf.keep(tf.stack([realLogits.mean(), fakeLogits.mean()]));
      return discriminatorLoss(realLogits, fakeLogits);
    }, trainable(state.d.params));
    state.optD.applyGradients(grads);
    const [loss, dReal, dFake] = tf.concat([value.reshape([1]), means!]).dataSync();
    means!.dispose();
    return { loss: loss!, dReal: dReal!, dFake: dFake! };
  });
}

/** Updates G only: pushes D(G(z)) up. */
export function trainGeneratorStep(state: GanState, input: Pick<StepInput, 'z' | 'fakeLabels'>): { loss: number } {
  return tf.tidy(() => {
    const { value, grads } = tf.variableGrads(
      () => generatorLoss(discriminate(state.d, generate(state.g, input.z, input.fakeLabels, 'train'), input.fakeLabels)),
      trainable(state.g.params),
    );
    state.optG.applyGradients(grads);
    return { loss: value.dataSync()[0]! };
  });
}

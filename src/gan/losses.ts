/**
 * GAN losses on discriminator logits. Non-saturating: the generator maximises log D(G(z)) rather than
 * minimising log(1 − D(G(z))), which keeps its gradient alive early on (Goodfellow et al. 2014).
 */
import * as tf from '@tensorflow/tfjs';

/** −log σ(real) − log(1 − σ(fake)), averaged. */
export function discriminatorLoss(realLogits: tf.Tensor, fakeLogits: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.softplus(realLogits.neg()).mean().add(tf.softplus(fakeLogits).mean()) as tf.Scalar);
}

/** −log σ(fake), averaged. */
export function generatorLoss(fakeLogits: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.softplus(fakeLogits.neg()).mean() as tf.Scalar);
}

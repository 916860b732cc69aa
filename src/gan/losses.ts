/**
 * GAN losses on discriminator logits, and the gradient penalties.
 * - `ns`: non-saturating (Goodfellow et al. 2014) — G maximises log D(G(z)), which keeps its gradient
 *   alive early on;
 * - `hinge`: (Lim & Ye 2017; used by SNGAN/BigGAN) — D stops pushing samples it already classifies
 *   with margin 1;
 * - `wgan-gp`: Wasserstein critic with a gradient penalty on interpolates (Gulrajani et al. 2017).
 */
import { tf } from '../tf.js';
import type { LossName } from './arch.js';

/**
 * D's loss on real logits and D's loss on generated logits: every loss here is their sum, which is what
 * lets a D step take its gradient in two passes (src/gan/train-step.ts).
 */
export function discriminatorTerm(logits: tf.Tensor, side: 'real' | 'fake', loss: LossName = 'ns'): tf.Scalar {
  return tf.tidy(() => {
    const sign = side === 'real' ? -1 : 1;
    switch (loss) {
      case 'ns':
        return tf.softplus(logits.mul(sign)).mean() as tf.Scalar;
      case 'hinge':
        return tf.relu(tf.scalar(1).add(logits.mul(sign))).mean() as tf.Scalar;
      case 'wgan-gp':
        return logits.mean().mul(sign) as tf.Scalar;
    }
  });
}

export function discriminatorLoss(realLogits: tf.Tensor, fakeLogits: tf.Tensor, loss: LossName = 'ns'): tf.Scalar {
  return tf.tidy(() => discriminatorTerm(realLogits, 'real', loss).add(discriminatorTerm(fakeLogits, 'fake', loss)) as tf.Scalar);
}

export function generatorLoss(fakeLogits: tf.Tensor, loss: LossName = 'ns'): tf.Scalar {
  return tf.tidy(() => {
    switch (loss) {
      case 'ns':
        return tf.softplus(fakeLogits.neg()).mean() as tf.Scalar;
      // Both maximise the critic's score of generated images (Lim & Ye 2017; Gulrajani et al. 2017).
      case 'hinge':
      case 'wgan-gp':
        return fakeLogits.mean().neg() as tf.Scalar;
    }
  });
}

/**
 * LeCam's term for one side of D's loss (src/gan/lecam.ts): on real logits E[relu(D(x) − α_fake)²], on
 * generated ones E[relu(α_real − D(G(z)))²]. Unweighted.
 */
export function lecamTerm(logits: tf.Tensor, side: 'real' | 'fake', anchors: { real: number; fake: number }): tf.Scalar {
  return tf.tidy(() => {
    const gap = side === 'real' ? logits.sub(anchors.fake) : tf.scalar(anchors.real).sub(logits);
    return tf.relu(gap).square().mean() as tf.Scalar;
  });
}

/** Mean over the batch of ‖∂ Σf(x) / ∂x‖² per image. Differentiable (second-order) w.r.t. f's weights. */
export function gradientSquaredNorm(f: (x: tf.Tensor4D) => tf.Tensor, x: tf.Tensor4D): tf.Tensor1D {
  return tf.tidy(() => {
    const g = tf.grad((xx: tf.Tensor) => f(xx as tf.Tensor4D).sum())(x);
    return g.square().sum([1, 2, 3]) as tf.Tensor1D;
  });
}

/** R1 (Mescheder et al. 2018): γ/2 · E‖∇ₓD(x)‖² on real images. */
export function r1Penalty(f: (x: tf.Tensor4D) => tf.Tensor, real: tf.Tensor4D, gamma: number): tf.Scalar {
  return tf.tidy(() => gradientSquaredNorm(f, real).mean().mul(gamma / 2) as tf.Scalar);
}

/** WGAN-GP: λ · E(‖∇D(x̂)‖ − 1)² at x̂ = ε·real + (1 − ε)·fake, ε ~ U(0, 1) per image (given). */
export function gradientPenalty(f: (x: tf.Tensor4D) => tf.Tensor, real: tf.Tensor4D, fake: tf.Tensor4D, eps: Float32Array, weight: number): tf.Scalar {
  return tf.tidy(() => {
    const e = tf.tensor4d(eps, [eps.length, 1, 1, 1]);
    const mix = real.mul(e).add(fake.mul(tf.scalar(1).sub(e))) as tf.Tensor4D;
    const norm = gradientSquaredNorm(f, mix).add(1e-12).sqrt();
    return norm.sub(1).square().mean().mul(weight) as tf.Scalar;
  });
}

/** Softmax cross-entropy of class logits [B, K] against integer labels [B] (the ACGAN head). */
export function classLoss(classLogits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => {
    const k = classLogits.shape[1];
    return tf.losses.softmaxCrossEntropy(tf.oneHot(labels, k), classLogits) as tf.Scalar;
  });
}

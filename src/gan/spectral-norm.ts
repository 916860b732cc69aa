/**
 * Spectral normalisation (Miyato et al. 2018): a weight is divided by an estimate of its largest
 * singular value σ, kept by one power iteration per training step, which bounds D's Lipschitz constant.
 *
 * tfjs has no stop-gradient, so the power iteration runs *outside* the gradient tape (`powerIterate`,
 * before each D step) and stores u and v in non-trainable variables; inside the tape σ = vᵀ W u is a
 * function of W only, which is exactly the gradient SNGAN uses.
 */
import { tf } from '../tf.js';
import type { Rng } from '../util/rng.js';
import { variableOf } from './params.js';

export interface SpectralState {
  /** [out] and [in] singular-vector estimates of the weight reshaped to [in, out]. */
  u: tf.Variable;
  v: tf.Variable;
}

export function initSpectral(rng: Rng, shape: number[]): SpectralState {
  const out = shape[shape.length - 1]!;
  const inn = shape.reduce((a, b) => a * b, 1) / out;
  const u = rng.normal(new Float32Array(out));
  const norm = Math.hypot(...u) || 1;
  return {
    u: variableOf(tf.tensor1d(u.map((x) => x / norm)), false),
    v: variableOf(tf.zeros([inn]), false),
  };
}

/** One power-iteration step on W (outside any gradient tape). */
export function powerIterate(w: tf.Tensor, s: SpectralState, iterations = 1): void {
  tf.tidy(() => {
    const out = w.shape[w.shape.length - 1]!;
    const m = w.reshape([-1, out]);
    let u: tf.Tensor = s.u;
    let v: tf.Tensor = s.v;
    for (let i = 0; i < iterations; i++) {
      v = m.matMul(u.reshape([out, 1])).reshape([-1]);
      v = v.div(v.norm().add(1e-12));
      u = m.transpose().matMul(v.reshape([-1, 1])).reshape([out]);
      u = u.div(u.norm().add(1e-12));
    }
    s.u.assign(u);
    s.v.assign(v);
  });
}

/** σ = vᵀ W u, differentiable with respect to W. */
export function sigma(w: tf.Tensor, s: SpectralState): tf.Scalar {
  return tf.tidy(() => {
    const out = w.shape[w.shape.length - 1]!;
    return s.v.reshape([1, -1]).matMul(w.reshape([-1, out])).matMul(s.u.reshape([out, 1])).reshape([]) as tf.Scalar;
  });
}

/** W / σ. */
export function normalized(w: tf.Tensor, s: SpectralState): tf.Tensor {
  return tf.tidy(() => w.div(sigma(w, s)));
}

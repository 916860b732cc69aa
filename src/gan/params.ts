/**
 * Named model parameters and their deterministic initialisation from the project's seeded Rng (so that
 * the same seed gives the same initial weights on every backend).
 */
import { tf } from '../tf.js';
import type { Rng } from '../util/rng.js';

/** Parameters by name, in a stable order (insertion order) for saving and loading. */
export type Params = Record<string, tf.Variable>;

/**
 * A variable holding `t`'s values, `t` disposed: tf.variable shares `t`'s data, and a `t` left alive keeps
 * that data allocated after the variable is disposed (a model's worth per build).
 */
export function variableOf(t: tf.Tensor, trainable = true): tf.Variable {
  const v = tf.variable(t, trainable);
  t.dispose();
  return v;
}

/** `v` ← `t`'s values, `t` disposed (for the same reason: an assigned tensor left alive keeps its data). */
export function assignFrom(v: tf.Variable, t: tf.Tensor): void {
  v.assign(t);
  t.dispose();
}

/** N(0, std²) initial values (embeddings use std 1). */
export function normalVar(rng: Rng, shape: number[], std = 0.02, trainable = true): tf.Variable {
  const values = rng.normal(new Float32Array(shape.reduce((a, b) => a * b, 1)));
  for (let i = 0; i < values.length; i++) values[i]! *= std;
  return variableOf(tf.tensor(values, shape, 'float32'), trainable);
}

/**
 * U(−1/√fanIn, 1/√fanIn): PyTorch's default for linear and conv layers. Measured on the fixture, it keeps
 * early samples about twice as diverse within a class as the DCGAN N(0, 0.02) initialisation.
 */
export function fanInVar(rng: Rng, shape: number[], fanIn: number, trainable = true): tf.Variable {
  const bound = 1 / Math.sqrt(fanIn);
  const values = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < values.length; i++) values[i] = (2 * rng.next() - 1) * bound;
  return variableOf(tf.tensor(values, shape, 'float32'), trainable);
}

export function constVar(shape: number[], value: number, trainable = true): tf.Variable {
  return variableOf(tf.fill(shape, value, 'float32'), trainable);
}

export function trainable(params: Params): tf.Variable[] {
  return Object.values(params).filter((v) => v.trainable);
}

export function disposeParams(params: Params): void {
  for (const v of Object.values(params)) v.dispose();
}

/**
 * The classifier's training forward pass (src/classifier/forward.ts) against tf.layers' `model.apply` and
 * tfjs-core's unfused ops: forward and gradients on the cpu backend, and whole Adam steps on every
 * backend here — bit for bit where the fused kernel adds the bias as tf.layers' Add does (cpu, native).
 */
import { tf } from '../../src/tf.js';
import { afterAll, describe, expect, it } from 'vitest';
import { loadNative } from '../../src/backend/native.js';
import { initBackend } from '../../src/backend/select.js';
import { convBiasRelu, trainingLogits } from '../../src/classifier/forward.js';
import { buildClassifier, classifierVariables, disposeClassifier, type Classifier, type ClassifierSpec } from '../../src/classifier/model.js';
import { classifierOptimizer, trainStep } from '../../src/classifier/train.js';
import { Rng } from '../../src/util/rng.js';

let nativeUnavailable: string | null = null;
try {
  loadNative();
} catch (err) {
  nativeUnavailable = (err as Error).message;
}

const SPEC: ClassifierSpec = { size: 12, channels: 3, numClasses: 4, widths: [5, 6, 7], seed: 3 };
const normals = (n: number, seed: number) => new Rng(seed).normal(new Float32Array(n));

afterAll(async () => {
  await initBackend('wasm');
});

/** The unfused layer as tf.layers runs it under a gradient tape. */
const unfused = (x: tf.Tensor4D, w: tf.Tensor4D, b: tf.Tensor1D) => tf.relu(tf.add(tf.conv2d(x, w, 2, 'same'), b));

describe('convBiasRelu on the cpu backend', () => {
  it('gives the unfused layer\'s output and gradients exactly, with and without an input gradient', async () => {
    await initBackend('cpu');
    const x = tf.tensor4d(normals(2 * 9 * 9 * 3, 1), [2, 9, 9, 3]);
    const w = tf.tensor4d(normals(3 * 3 * 3 * 4, 2), [3, 3, 3, 4]);
    const b = tf.tensor1d(normals(4, 3));
    // A loss whose gradient differs from pixel to pixel, so every gradient path is exercised.
    const weightsOut = tf.tensor4d(normals(2 * 5 * 5 * 4, 4), [2, 5, 5, 4]);
    const loss = (f: typeof unfused) => (xi: tf.Tensor, wi: tf.Tensor, bi: tf.Tensor) => tf.sum(tf.mul(f(xi as tf.Tensor4D, wi as tf.Tensor4D, bi as tf.Tensor1D), weightsOut));
    const same = (a: tf.Tensor, e: tf.Tensor) => expect(Array.from(a.dataSync())).toEqual(Array.from(e.dataSync()));

    same(convBiasRelu(x, w, b, true), unfused(x, w, b));
    const want = tf.grads(loss(unfused))([x, w, b]);
    const got = tf.grads(loss((a, c, d) => convBiasRelu(a, c, d, true)))([x, w, b]);
    want.forEach((g, i) => same(got[i]!, g));
    // Some pre-activations are negative and some positive: the ReLU mask is exercised both ways.
    const pre = tf.add(tf.conv2d(x, w, 2, 'same'), b).dataSync();
    expect(pre.some((v) => v < 0) && pre.some((v) => v > 0)).toBe(true);

    const noInput = tf.grads((wi: tf.Tensor, bi: tf.Tensor) => loss((_, c, d) => convBiasRelu(x, c, d, false))(x, wi, bi))([w, b]);
    same(noInput[0]!, want[1]!);
    same(noInput[1]!, want[2]!);

    const n = tf.memory().numTensors;
    tf.dispose(tf.grads(loss((a, c, d) => convBiasRelu(a, c, d, true)))([x, w, b]));
    expect(tf.memory().numTensors).toBe(n);
    tf.dispose([x, w, b, weightsOut]);
  });
});

/** One Adam step through tf.layers (what trainStep ran before forward.ts). */
function layersStep(c: Classifier, opt: tf.Optimizer, images: Float32Array, labels: Int32Array): number {
  const { size, channels, numClasses } = c.spec;
  const vars = classifierVariables(c);
  const loss = tf.tidy(() => {
    const x = tf.tensor4d(images, [labels.length, size, size, channels]);
    const y = tf.oneHot(tf.tensor1d(labels, 'int32'), numClasses);
    return opt.minimize(() => tf.losses.softmaxCrossEntropy(y, c.model.apply(x, { training: true }) as tf.Tensor2D) as tf.Scalar, true, vars)!;
  });
  const v = loss.dataSync()[0]!;
  loss.dispose();
  return v;
}

/** The largest difference between the two classifiers' weights after `steps` steps each from one init. */
function divergence(steps: number): { maxDiff: number; moved: boolean } {
  const a = buildClassifier(SPEC);
  const b = buildClassifier(SPEC);
  const init = classifierVariables(a).map((v) => v.dataSync().slice());
  const [oa, ob] = [classifierOptimizer(3e-3), classifierOptimizer(3e-3)];
  const rng = new Rng(5);
  for (let i = 0; i < steps; i++) {
    const images = rng.normal(new Float32Array(8 * SPEC.size * SPEC.size * SPEC.channels));
    const labels = Int32Array.from({ length: 8 }, (_, j) => (j + i) % SPEC.numClasses);
    layersStep(a, oa, images, labels);
    trainStep(b, ob, images, labels);
  }
  let maxDiff = 0;
  let moved = false;
  classifierVariables(a).forEach((v, i) => {
    const [p, q] = [v.dataSync(), classifierVariables(b)[i]!.dataSync()];
    for (let j = 0; j < p.length; j++) {
      maxDiff = Math.max(maxDiff, Math.abs(p[j]! - q[j]!));
      if (p[j] !== init[i]![j]) moved = true;
    }
  });
  oa.dispose();
  ob.dispose();
  disposeClassifier(a);
  disposeClassifier(b);
  return { maxDiff, moved };
}

describe('trainStep (forward.ts) against tf.layers, whole Adam steps', () => {
  it('cpu: the same weights bit for bit after 6 steps', async () => {
    await initBackend('cpu');
    const { maxDiff, moved } = divergence(6);
    expect(moved).toBe(true);
    expect(maxDiff).toBe(0);
  });

  it.skipIf(nativeUnavailable !== null)(`native: the same weights bit for bit after 6 steps${nativeUnavailable ? ` (skipped: ${nativeUnavailable})` : ''}`, async () => {
    await initBackend('native');
    const { maxDiff, moved } = divergence(6);
    expect(moved).toBe(true);
    expect(maxDiff).toBe(0);
  });

  it('plain wasm: XNNPACK adds the bias before the products, so within float rounding', async () => {
    await initBackend('wasm');
    const { maxDiff, moved } = divergence(6);
    expect(moved).toBe(true);
    expect(maxDiff).toBeLessThan(1e-5);
  });

  it('trainingLogits equals model.apply (outside a gradient, where tf.layers fuses the layer itself)', async () => {
    await initBackend('cpu');
    const c = buildClassifier(SPEC);
    const x = tf.tensor4d(normals(3 * 12 * 12 * 3, 9), [3, 12, 12, 3]);
    const want = c.model.apply(x, { training: true }) as tf.Tensor;
    const got = trainingLogits(c, x);
    expect(Array.from(got.dataSync())).toEqual(Array.from(want.dataSync()));
    tf.dispose([x, want, got]);
    disposeClassifier(c);
  });
});

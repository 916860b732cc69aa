/**
 * The fused layer ops (src/gan/norm-act.ts) against the same layers written out of tfjs ops: forward and
 * the gradient of every input, on the cpu backend (the numerical reference) and on wasm.
 */
import { tf } from '../../src/tf.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/select.js';
import { affineLeaky, batchNormLeaky, biasLeaky } from '../../src/gan/norm-act.js';
import { compare, values } from '../backend/compare.js';

beforeAll(async () => {
  await initBackend('wasm');
});

const LEAK = 0.2;
/** Batch normalisation written out of tfjs ops (the layer before the fused ops): the reference. */
function batchNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, stats?: { mean: tf.Tensor; variance: tf.Tensor }, epsilon = 1e-5): tf.Tensor {
  const { mean, variance } = stats ?? tf.moments(x, x.shape.map((_, i) => i).slice(0, -1));
  return x.sub(mean).mul(tf.rsqrt(variance.add(epsilon))).mul(gamma).add(beta);
}
const composite = (x: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => tf.leakyRelu(batchNorm(x, g, b), LEAK);
/** A loss that weights every output element differently, so no gradient term cancels by symmetry. */
const weighted = (shape: number[]) => tf.tensor(values(shape, 7), shape);

/** `affine`: γ, β per channel ([C]) or per image and channel ([B, 1, …, C], conditional batch norm). */
function outputsAndGrads(op: typeof composite, shape: number[], affine: 'channel' | 'image' = 'channel'): tf.Tensor[] {
  const c = shape[shape.length - 1]!;
  const gShape = affine === 'channel' ? [c] : shape.map((d, i) => (i === 0 || i === shape.length - 1 ? d : 1));
  const x = tf.tensor(values(shape, 1), shape).mul(1.5).add(0.3);
  const g = tf.tensor(values(gShape, 2), gShape).add(1);
  const b = tf.tensor(values(gShape, 3), gShape).mul(0.5);
  const w = weighted(shape);
  const f = (xi: tf.Tensor, gi: tf.Tensor, bi: tf.Tensor) => op(xi, gi, bi).mul(w).sum() as tf.Scalar;
  const grads = tf.grads(f)([x, g, b]);
  return [op(x, g, b), ...grads];
}

const fused: typeof composite = (x, g, b) => batchNormLeaky(x, g, b, LEAK);

describe('batchNormLeaky', () => {
  const cases: [number[], 'channel' | 'image'][] = [
    [[8, 5, 5, 6], 'channel'],
    [[3, 4], 'channel'],
    [[8, 5, 5, 6], 'image'],
    [[5, 4], 'image'],
  ];
  it.each(cases)('equals LeakyReLU(BN(x)) from plain ops forward and in dx, dγ, dβ on cpu and on wasm, shape [%s], γ and β per %s', async (shape, affine) => {
    // 'image': γ, β per image and channel (conditional batch norm).
    for (const backend of ['cpu', 'wasm']) {
      await tf.setBackend(backend);
      const ref = tf.tidy(() => outputsAndGrads(composite, shape, affine));
      const got = tf.tidy(() => outputsAndGrads(fused, shape, affine));
      expect(got[2]!.shape, "dγ has γ's shape").toEqual(ref[2]!.shape);
      ref.forEach((r, i) => {
        const a = r.dataSync();
        const b = got[i]!.dataSync();
        const scale = Math.max(...Array.from(a, Math.abs));
        expect(scale, `output ${i} is not trivially zero`).toBeGreaterThan(1e-3);
        const err = Math.max(...Array.from(a, (v, j) => Math.abs(v - b[j]!)));
        expect(err / scale, `${backend}: output ${i} (0 = forward, 1–3 = dx, dγ, dβ)`).toBeLessThan(1e-4);
      });
      tf.dispose([...ref, ...got]);
    }
    await tf.setBackend('wasm');
  });

  it('wasm agrees with cpu on the fused op', async () => {
    expect(await compare(() => outputsAndGrads(fused, [16, 7, 7, 8]))).toBeLessThan(1e-4);
    expect(await compare(() => outputsAndGrads(fused, [16, 7, 7, 8], 'image'))).toBeLessThan(1e-4);
  });

  it('leaks no tensor, with and without a tape, and a backward pass through it needs less memory', async () => {
    const shape = [32, 7, 7, 16];
    const x = tf.tensor(values(shape, 1), shape);
    const v = [tf.variable(tf.ones([16])), tf.variable(tf.zeros([16]))];
    const before = tf.memory().numTensors;
    tf.dispose(tf.tidy(() => fused(x, v[0]!, v[1]!)));
    expect(tf.memory().numTensors).toBe(before);
    // Four layers deep, as in a generator: tfjs keeps every gradient of a backward pass until it ends.
    const deep = (op: typeof composite) => () => {
      let h = x;
      for (let i = 0; i < 4; i++) h = op(h, v[0]!, v[1]!);
      return h.sum() as tf.Scalar;
    };
    const peak = async (op: typeof composite) => {
      const info = await tf.profile(() => {
        tf.tidy(() => {
          tf.variableGrads(deep(op), v);
        });
      });
      return info.peakBytes - info.newBytes;
    };
    const [pf, pc] = [await peak(fused), await peak(composite)];
    expect(tf.memory().numTensors).toBe(before);
    expect(pf).toBeLessThan(0.6 * pc);
    tf.dispose([x, ...v]);
  });
});

describe('biasLeaky and affineLeaky', () => {
  const shape = [6, 4, 4, 5];
  const x = () => tf.tensor(values(shape, 11), shape).mul(2);
  const chan = (seed: number) => tf.tensor(values([5], seed));
  /** Output and the gradient of every input, of Σ w·op(inputs). */
  const withGrads = (op: (...xs: tf.Tensor[]) => tf.Tensor, inputs: tf.Tensor[]) => {
    const w = weighted(shape);
    return [op(...inputs), ...tf.grads((...xs: tf.Tensor[]) => op(...xs).mul(w).sum() as tf.Scalar)(inputs)];
  };
  const cases: [string, (...xs: tf.Tensor[]) => tf.Tensor, (...xs: tf.Tensor[]) => tf.Tensor, () => tf.Tensor[]][] = [
    ['biasLeaky', (a, b) => biasLeaky(a!, b!, LEAK), (a, b) => tf.leakyRelu(a!.add(b!), LEAK), () => [x(), chan(2)]],
    [
      'affineLeaky',
      (a, g, b, m, v) => affineLeaky(a!, g!, b!, m!, v!, LEAK),
      (a, g, b, m, v) => tf.leakyRelu(batchNorm(a!, g!, b!, { mean: m!, variance: v! }), LEAK),
      () => [x(), chan(3).add(1), chan(4), chan(5), chan(6).square().add(0.5)],
    ],
  ];
  it.each(cases)('%s equals the same layer from plain ops, forward and every gradient, on cpu and on wasm', async (_, fused, plain, inputs) => {
    for (const backend of ['cpu', 'wasm']) {
      await tf.setBackend(backend);
      const before = tf.memory().numTensors;
      const [ref, got] = tf.tidy(() => {
        const xs = inputs();
        return [withGrads(plain, xs), withGrads(fused, xs)];
      });
      ref!.forEach((r, i) => {
        const a = r.dataSync();
        const b = got![i]!.dataSync();
        const scale = Math.max(...Array.from(a, Math.abs));
        expect(scale, `output ${i} is not trivially zero`).toBeGreaterThan(1e-3);
        expect(Math.max(...Array.from(a, (v, j) => Math.abs(v - b[j]!))) / scale, `${backend}: output ${i}`).toBeLessThan(1e-5);
      });
      tf.dispose([...ref!, ...got!]);
      expect(tf.memory().numTensors).toBe(before);
    }
    await tf.setBackend('wasm');
  });
});

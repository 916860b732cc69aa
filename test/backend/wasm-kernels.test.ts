/**
 * The kernels we add to or replace in the wasm backend, checked against the pure-JS cpu backend, alone
 * and inside the gradients of the whole conditional GAN.
 */
import { tf } from '../../src/tf.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/select.js';
import { buildDiscriminator, discriminate } from '../../src/gan/discriminator.js';
import { buildGenerator, generate } from '../../src/gan/generator.js';
import { discriminatorLoss, generatorLoss } from '../../src/gan/losses.js';
import { trainable } from '../../src/gan/params.js';
import { Rng } from '../../src/util/rng.js';
import { compare, values } from './compare.js';

beforeAll(async () => {
  const info = await initBackend('wasm');
  expect(info.name).toBe('wasm');
});

describe('wasm kernels vs cpu', () => {
  const convCases: [number[], number[], number | [number, number], 'same' | 'valid' | number][] = [
    [[2, 9, 9, 3], [5, 5, 3, 4], 2, 'same'],
    [[2, 28, 28, 1], [5, 5, 1, 8], 2, 'same'],
    [[3, 10, 11, 2], [3, 3, 2, 5], 1, 'valid'],
    [[2, 11, 10, 2], [4, 4, 2, 3], 3, 'valid'],
    [[2, 8, 8, 3], [1, 1, 3, 2], 2, 'valid'],
    [[2, 13, 12, 2], [3, 4, 2, 3], [2, 3], 'same'],
    [[2, 14, 14, 3], [5, 5, 3, 4], 2, 1],
    // More than FEW_CHANNELS input channels: the XNNPACK phase / dilated-conv compositions.
    [[2, 9, 9, 6], [5, 5, 6, 4], 2, 'same'],
    [[2, 14, 14, 8], [5, 5, 8, 16], 2, 'same'],
    [[3, 10, 11, 5], [3, 3, 5, 7], 1, 'valid'],
    [[2, 11, 10, 6], [4, 4, 6, 3], 3, 'valid'],
    [[2, 13, 12, 5], [3, 4, 5, 3], [2, 3], 'same'],
    [[2, 14, 14, 9], [5, 5, 9, 4], 2, 1],
    [[2, 8, 8, 4], [3, 3, 4, 5], 2, 'same'],
    [[2, 8, 8, 5], [3, 3, 5, 5], 2, 'same'],
  ];

  it.each(convCases)('Conv2DBackpropFilter and Conv2DBackpropInput: x %j, filter %j, stride %j, pad %j', async (xs, fs, s, p) => {
    const x = values(xs, 1);
    const f = values(fs, 2);
    const loss = (a: tf.Tensor4D, b: tf.Tensor4D) => tf.conv2d(a, b, s, p).square().sum();
    const [dx, df] = [
      await compare(() => tf.grad((a: tf.Tensor) => loss(a as tf.Tensor4D, tf.tensor4d(f, fs as never)))(tf.tensor4d(x, xs as never))),
      await compare(() => tf.grad((b: tf.Tensor) => loss(tf.tensor4d(x, xs as never), b as tf.Tensor4D))(tf.tensor4d(f, fs as never))),
    ];
    expect(dx).toBeLessThan(1e-5);
    expect(df).toBeLessThan(1e-5);
  });

  it.each([1, 3, 4, 8])('conv2dTranspose forward and its filter gradient, %i output channels', async (c) => {
    const x = values([3, 7, 7, 6], 3);
    const f = values([5, 5, c, 6], 4);
    const fwd = () => tf.conv2dTranspose(tf.tensor4d(x, [3, 7, 7, 6]), tf.tensor4d(f, [5, 5, c, 6]), [3, 14, 14, c], 2, 'same');
    expect(await compare(fwd)).toBeLessThan(1e-5);
    const grad = () =>
      tf.grad((w: tf.Tensor) => tf.conv2dTranspose(tf.tensor4d(x, [3, 7, 7, 6]), w as tf.Tensor4D, [3, 14, 14, c], 2, 'same').square().sum())(tf.tensor4d(f, [5, 5, c, 6]));
    expect(await compare(grad)).toBeLessThan(1e-5);
  });

  it('UnsortedSegmentSum, directly and as the gradient of a gather', async () => {
    const x = values([6, 3, 2], 5);
    const ids = [2, 0, 2, 4, -1, 0];
    expect(await compare(() => tf.unsortedSegmentSum(tf.tensor3d(x, [6, 3, 2]), tf.tensor1d(ids, 'int32'), 5))).toBeLessThan(1e-6);
    const table = values([5, 4], 6);
    const idx = [1, 1, 3, 0, 4, 1, 2];
    expect(
      await compare(() => tf.grad((t: tf.Tensor) => tf.gather(t, tf.tensor1d(idx, 'int32')).square().sum())(tf.tensor2d(table, [5, 4]))),
    ).toBeLessThan(1e-6);
  });

  it('BatchMatMul with each transpose flag', async () => {
    const a = values([3, 5, 7], 7);
    const b = values([3, 7, 4], 8);
    const A = () => tf.tensor3d(a, [3, 5, 7]);
    const B = () => tf.tensor3d(b, [3, 7, 4]);
    expect(await compare(() => tf.matMul(A(), B()))).toBeLessThan(1e-6);
    expect(await compare(() => tf.matMul(A().transpose([0, 2, 1]), B(), true, false))).toBeLessThan(1e-6);
    expect(await compare(() => tf.matMul(A(), B().transpose([0, 2, 1]), false, true))).toBeLessThan(1e-6);
    expect(await compare(() => tf.matMul(A().transpose([0, 2, 1]), B().transpose([0, 2, 1]), true, true))).toBeLessThan(1e-6);
  });

  it('LeakyRelu forward, gradient and second-order gradient', async () => {
    for (const shape of [[4, 5, 6, 3], [7, 2], [9]]) {
      const x = values(shape, 11);
      const X = () => tf.tensor(x, shape);
      expect(await compare(() => tf.leakyRelu(X(), 0.2))).toBeLessThan(1e-7);
      expect(await compare(() => tf.grad((t: tf.Tensor) => tf.leakyRelu(t, 0.3).square().sum())(X()))).toBeLessThan(1e-6);
      // d/dx Σ (∂/∂x Σ leaky(x)·x)²: goes through the gradient's own gradient (R1-style penalties).
      const inner = (t: tf.Tensor) => tf.grad((u: tf.Tensor) => tf.leakyRelu(u, 0.2).mul(u).sum())(t);
      expect(await compare(() => tf.grad((t: tf.Tensor) => inner(t).square().sum())(X()))).toBeLessThan(1e-6);
    }
  });

  it.each([
    [[6, 5, 4, 3], [0, 1, 2], false],
    [[6, 5, 4, 3], [0, 1, 2], true],
    [[6, 5, 4, 3], [1, 0], false],
    [[6, 5, 4, 3], [0], true],
    [[6, 5, 4, 3], [1, 2], false],
    // Inner blocks (a global average pool) pooled per outer index; the rest through wasm's own.
    [[64, 4, 4, 64], [1, 2], false],
    [[5, 4, 3, 2], [1, 2], true],
    [[5, 4, 3, 2], [1], false],
    [[3, 4, 5, 1500], [1, 2], false],
    [[6, 5, 4, 3], [2, 3], false],
    [[6, 5, 4, 3], [0, 2], false],
    [[6, 5, 4, 3], [0, 1, 2, 3], false],
    [[40, 7], [0], false],
    // Rows wider than POOL_CHANNELS: the row loop (≤ 4,096) and the column loop (minibatch-stddev groups).
    [[6, 3, 30, 40], [0], false],
    [[4, 5, 30, 40], [0], true],
    [[3, 2, 50, 50], [0, 1], false],
    [[64, 32768], [0], false],
  ] as [number[], number[], boolean][])('Sum and Mean of %j over %j (keepDims %s)', async (shape, axes, keepDims) => {
    const x = values(shape, 12);
    expect(await compare(() => tf.sum(tf.tensor(x, shape), axes, keepDims))).toBeLessThan(1e-6);
    expect(await compare(() => tf.mean(tf.tensor(x, shape), axes, keepDims))).toBeLessThan(1e-6);
    const shapeOf = async (backend: string) => {
      await tf.setBackend(backend);
      return tf.tidy(() => tf.sum(tf.tensor(x, shape), axes, keepDims).shape);
    };
    expect(await shapeOf('wasm')).toEqual(await shapeOf('cpu'));
  });

  it.each([
    [[5, 6, 7, 3], [1, 2, 0, 1], [3, 4, 7, 2]],
    [[5, 6, 7, 3], [0, 0, 0, 0], [5, 6, 7, 1]],
    [[5, 6, 7, 3], [2, 0, 0, 0], [2, 6, 7, 3]],
    [[5, 6, 7, 40], [0, 1, 1, 3], [5, 4, 5, 33]],
    [[2, 3, 4, 5, 6], [1, 1, 0, 2, 1], [1, 2, 4, 3, 4]],
    [[11], [3], [5]],
  ] as [number[], number[], number[]][])('Slice of %j from %j size %j (float32 and int32)', async (shape, begin, size) => {
    const x = values(shape, 13);
    expect(await compare(() => tf.slice(tf.tensor(x, shape), begin, size))).toBeLessThan(1e-7);
    const ints = Int32Array.from(x, (v) => Math.round(v * 1000));
    expect(await compare(() => tf.slice(tf.tensor(ints, shape, 'int32'), begin, size).toFloat())).toBe(0);
  });

  it('SplitV and Concat on every axis, float32 and int32, and their gradients', async () => {
    const shape = [4, 5, 6, 3];
    const a = values(shape, 14);
    const b = values(shape, 15);
    for (let axis = 0; axis < 4; axis++) {
      const A = () => tf.tensor(a, shape);
      const B = () => tf.tensor(b, shape);
      expect(await compare(() => tf.concat([A(), B(), A()], axis))).toBeLessThan(1e-7);
      expect(await compare(() => tf.split(A(), [1, shape[axis]! - 1], axis))).toBeLessThan(1e-7);
      expect(await compare(() => tf.concat([A().toInt(), B().toInt()], axis).toFloat())).toBe(0);
      expect(await compare(() => tf.grad((t: tf.Tensor) => tf.concat([t, t.square()], axis).square().sum())(A()))).toBeLessThan(1e-6);
    }
  });

  it.each([
    [[10, 7], 0, [3, 0, 9, 3]],
    [[10, 40], 0, [[1, 2], [9, 0]]],
    [[4, 6, 3], 1, [5, 0, 5]],
    [[4, 6, 40], 2, [39, 0]],
  ] as [number[], number, number[] | number[][]][])('GatherV2 of %j on axis %i, float32 and int32, and its gradient', async (shape, axis, idx) => {
    const x = values(shape, 16);
    const I = () => tf.tensor(idx as number[], undefined, 'int32');
    expect(await compare(() => tf.gather(tf.tensor(x, shape), I(), axis))).toBe(0);
    const ints = Int32Array.from(x, (v) => Math.round(v * 1000));
    expect(await compare(() => tf.gather(tf.tensor(ints, shape, 'int32'), I(), axis).toFloat())).toBe(0);
    expect(await compare(() => tf.grad((t: tf.Tensor) => tf.gather(t, I(), axis).square().sum())(tf.tensor(x, shape)))).toBeLessThan(1e-6);
  });

  it('GatherV2 rejects an index out of range, as tfjs does', async () => {
    await tf.setBackend('wasm');
    expect(() => tf.gather(tf.tensor2d([1, 2, 3, 4], [2, 2]), tf.tensor1d([2], 'int32'))).toThrow(/index value 2 is not in \[0, 1\]/);
  });

  it('Tanh (2·sigmoid(2x) − 1) forward and gradient, including saturation', async () => {
    const x = values([6, 9, 9, 3], 17).map((v, i) => (i % 50 === 0 ? v * 30 : v * 2));
    const X = () => tf.tensor(x, [6, 9, 9, 3]);
    expect(await compare(() => tf.tanh(X()))).toBeLessThan(5e-7);
    // dy·(1 − y²) scales the ~2.4e-7 error of y by up to 2·|dy|.
    expect(await compare(() => tf.grad((t: tf.Tensor) => tf.tanh(t).mul(X()).sum())(X()))).toBeLessThan(5e-6);
  });

  it('Identity shares the buffer safely: a clone outlives its source', async () => {
    await tf.setBackend('wasm');
    const x = tf.tensor([1, 2, 3]);
    const y = x.clone();
    x.dispose();
    expect(Array.from(y.dataSync())).toEqual([1, 2, 3]);
    y.dispose();
  });

  it('Cast to its own dtype shares the buffer safely; other casts convert', async () => {
    await tf.setBackend('wasm');
    const x = tf.tensor([1.5, -2, 3]);
    const y = tf.cast(x, 'float32');
    x.dispose();
    expect(Array.from(y.dataSync())).toEqual([1.5, -2, 3]);
    const i = tf.cast(y, 'int32');
    expect(i.dtype).toBe('int32');
    expect(Array.from(i.dataSync())).toEqual([1, -2, 3]);
    const f = tf.cast(i, 'float32');
    expect(f.dtype).toBe('float32');
    expect(Array.from(f.dataSync())).toEqual([1, -2, 3]);
    tf.dispose([y, i, f]);
    expect(await compare(() => tf.grad((a: tf.Tensor) => tf.relu(a).square().sum())(tf.tensor(values([4, 5], 14), [4, 5])))).toBeLessThan(1e-7);
  });

  it('every gradient of the conditional GAN matches the cpu backend', async () => {
    const spec = { numClasses: 3, latentDim: 8, embedDim: 4, width: 8, size: 8, channels: 1 };
    const real = values([4, 8, 8, 1], 9).map((v) => Math.tanh(v));
    const z = values([4, 8], 10);
    const labels = [0, 2, 1, 2];
    const grads = () => {
      const rng = new Rng(3);
      const g = buildGenerator(spec, rng);
      const d = buildDiscriminator({ numClasses: 3, width: 4, size: 8, channels: 1 }, rng);
      const lab = tf.tensor1d(labels, 'int32');
      const dG = tf.variableGrads(
        () => generatorLoss(discriminate(d, generate(g, tf.tensor2d(z, [4, 8]), lab), lab)),
        trainable(g.params),
      ).grads;
      const dD = tf.variableGrads(
        () => discriminatorLoss(discriminate(d, tf.tensor4d(real, [4, 8, 8, 1]), lab), discriminate(d, generate(g, tf.tensor2d(z, [4, 8]), lab), lab)),
        trainable(d.params),
      ).grads;
      const out = [...Object.values(dG), ...Object.values(dD)];
      tf.dispose([...Object.values(g.params), ...Object.values(d.params)]);
      return out;
    };
    const rel = await compare(grads);
    expect(rel).toBeLessThan(1e-4);
  });

  it('leaks no wasm memory', async () => {
    await tf.setBackend('wasm');
    const x = tf.tensor4d(values([2, 9, 9, 3], 1), [2, 9, 9, 3]);
    const f = tf.tensor4d(values([5, 5, 3, 4], 2), [5, 5, 3, 4]);
    const run = () => tf.tidy(() => tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'same').sum())([x, f]));
    tf.dispose(run());
    const before = tf.memory();
    for (let i = 0; i < 5; i++) tf.dispose(run());
    const after = tf.memory();
    expect(after.numTensors).toBe(before.numTensors);
    expect(after.numBytes).toBe(before.numBytes);
    expect(after.numDataBuffers).toBe(before.numDataBuffers);
    tf.dispose([x, f]);
  });
});

/**
 * The native kernels (native/ addon on a BLAS sgemm, src/backend/native-kernels.ts) against the pure-JS
 * cpu backend, forward and gradients. Skipped, with the reason in the suite's name, where the addon is
 * not built or no BLAS library loads; the fallback tests run everywhere.
 */
import { tf } from '../../src/tf.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import os from 'node:os';
import { BLAS_THREADS_ENV, loadNative, NATIVE_ENV, samplingImageThreads, withBlasThreads, withImageByImageProducts, type NativeAddon } from '../../src/backend/native.js';
import { NATIVE_KERNEL_NAMES } from '../../src/backend/native-kernels.js';
import { describeBackend, initBackend } from '../../src/backend/select.js';
import { buildDiscriminator, discriminate } from '../../src/gan/discriminator.js';
import { buildGenerator, generate } from '../../src/gan/generator.js';
import { discriminatorLoss, generatorLoss } from '../../src/gan/losses.js';
import { trainable } from '../../src/gan/params.js';
import { sampleClass, seedsFor } from '../../src/generate/sample.js';
import { SamplerPool } from '../../src/generate/sampler-pool.js';
import { Rng } from '../../src/util/rng.js';
import { compare, values } from './compare.js';

let unavailable: string | null = null;
try {
  loadNative();
} catch (err) {
  unavailable = (err as Error).message;
}
if (unavailable) console.warn(`native kernel tests skipped: ${unavailable}`);

/** Calls of each addon function, counted by wrapping the addon object the kernels call through. */
const calls = new Map<string, number>();

describe('backend picker without the native path', () => {
  it(`${NATIVE_ENV}=0 gives plain wasm in auto mode, and says why native was skipped`, async () => {
    const before = process.env[NATIVE_ENV];
    process.env[NATIVE_ENV] = '0';
    try {
      const info = await initBackend('auto');
      expect(info.name).toBe('wasm');
      expect(info.nativeKernels).toBeUndefined();
      expect(describeBackend(info)).toMatch(/skipped .*native: turned off by GAN_AUGMENT_NATIVE=0/);
      await expect(initBackend('native')).rejects.toThrow(/backend "native" is not available \(native: turned off/);
    } finally {
      if (before === undefined) delete process.env[NATIVE_ENV];
      else process.env[NATIVE_ENV] = before;
    }
  });
});

describe.skipIf(unavailable !== null)(`BLAS threads${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  it(`uses both cores of a 2-core machine by default (at most 2), and ${BLAS_THREADS_ENV} when set`, () => {
    const want = Math.min(2, os.availableParallelism());
    try {
      expect(loadNative({}).threads).toBe(want);
      // Sampling's image threads follow the same allowance.
      expect(samplingImageThreads()).toBe(want);
      expect(loadNative({ [BLAS_THREADS_ENV]: '1' }).threads).toBe(1);
      expect(samplingImageThreads()).toBe(1);
      loadNative({ [BLAS_THREADS_ENV]: '12' });
      expect(samplingImageThreads()).toBe(8);
      expect(() => loadNative({ [BLAS_THREADS_ENV]: 'two' })).toThrow(/GAN_AUGMENT_BLAS_THREADS: expected an integer from 1 to 256, received "two"/);
    } finally {
      loadNative();
    }
  });
});

describe.skipIf(unavailable !== null)(`BLAS threads while sampling${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  it('withBlasThreads runs its function on that many threads and puts the count back, after a throw too', async () => {
    const addon = loadNative({ [BLAS_THREADS_ENV]: '2' }).addon;
    try {
      const before = addon.getThreads();
      expect(before).toBeGreaterThanOrEqual(1);
      expect(await withBlasThreads(1, async () => addon.getThreads())).toBe(1);
      expect(addon.getThreads()).toBe(before);

      await expect(withBlasThreads(1, async () => { throw new Error('boom'); })).rejects.toThrow('boom');
      expect(addon.getThreads()).toBe(before);
      // Products image by image only inside withImageByImageProducts (sampling), after a throw too.
      expect(addon.setPerImage(false)).toBe(false);
      expect(await withImageByImageProducts(async () => addon.setPerImage(true))).toBe(true);
      await expect(withImageByImageProducts(async () => { throw new Error('boom'); })).rejects.toThrow('boom');
      expect(addon.setPerImage(false)).toBe(false);
    } finally {
      loadNative();
    }
  });
});

describe.skipIf(unavailable !== null)(`native kernels vs cpu${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  beforeAll(async () => {
    const info = await initBackend('native');
    expect(info.name).toBe('native');
    expect(info.nativeKernels).toEqual(NATIVE_KERNEL_NAMES);
    expect(describeBackend(info)).toMatch(/^backend: wasm\+native \(.+: Conv2D, Conv2DBackpropInput, Conv2DBackpropFilter, BatchMatMul, FusedConv2D\)/);
    const addon = loadNative().addon as unknown as Record<string, (...a: unknown[]) => unknown>;
    for (const name of ['conv2d', 'conv2dBackpropInput', 'conv2dBackpropFilter', 'matmul', 'biasAct']) {
      const original = addon[name]!;
      addon[name] = (...a: unknown[]) => {
        calls.set(name, (calls.get(name) ?? 0) + 1);
        return original(...a);
      };
    }
  });
  afterAll(() => calls.clear());

  /** Runs `fn` on cpu and wasm+native and checks that every listed addon function ran natively. */
  async function compareNative(fn: () => tf.Tensor | tf.Tensor[], expectCalled: (keyof NativeAddon)[]): Promise<number> {
    calls.clear();
    const rel = await compare(fn);
    for (const k of expectCalled) expect(calls.get(k) ?? 0, `${k} was not called natively`).toBeGreaterThan(0);
    return rel;
  }

  const convCases: [number[], number[], number | [number, number], 'same' | 'valid' | number][] = [
    [[2, 9, 9, 3], [5, 5, 3, 4], 2, 'same'],
    [[2, 28, 28, 1], [5, 5, 1, 8], 2, 'same'],
    [[3, 10, 11, 2], [3, 3, 2, 5], 1, 'valid'],
    [[2, 11, 10, 6], [4, 4, 6, 3], 3, 'valid'],
    [[2, 8, 8, 3], [1, 1, 3, 2], 2, 'valid'],
    [[2, 7, 5, 3], [1, 1, 3, 4], 1, 'valid'],
    [[2, 13, 12, 5], [3, 4, 5, 3], [2, 3], 'same'],
    [[2, 14, 14, 9], [5, 5, 9, 4], 2, 1],
  ];

  it.each(convCases)('Conv2D, its input and filter gradients: x %j, filter %j, stride %j, pad %j', async (xs, fs, s, p) => {
    const x = values(xs, 1);
    const f = values(fs, 2);
    const X = () => tf.tensor4d(x, xs as never);
    const F = () => tf.tensor4d(f, fs as never);
    const loss = (a: tf.Tensor4D, b: tf.Tensor4D) => tf.conv2d(a, b, s, p).square().sum();
    expect(await compareNative(() => tf.conv2d(X(), F(), s, p), ['conv2d'])).toBeLessThan(1e-5);
    expect(await compareNative(() => tf.grad((a: tf.Tensor) => loss(a as tf.Tensor4D, F()))(X()), ['conv2dBackpropInput'])).toBeLessThan(1e-5);
    expect(await compareNative(() => tf.grad((b: tf.Tensor) => loss(X(), b as tf.Tensor4D))(F()), ['conv2dBackpropFilter'])).toBeLessThan(1e-5);
  });

  it.each([
    [[2, 9, 9, 3], [3, 3, 3, 4], 2, 'same', 'relu', true],
    [[3, 28, 28, 1], [3, 3, 1, 16], 2, 'same', 'relu', true],
    [[2, 10, 11, 5], [3, 3, 5, 7], 1, 'valid', 'linear', true],
    [[2, 10, 11, 5], [3, 3, 5, 7], 1, 'valid', 'relu', false],
    [[2, 8, 8, 3], [1, 1, 3, 2], 2, 'valid', 'linear', false],
  ] as [number[], number[], number, 'same' | 'valid', 'relu' | 'linear', boolean][])(
    'FusedConv2D (conv, bias, ReLU in one pass): x %j, filter %j, stride %j, pad %s, %s, bias %s',
    async (xs, fs, s, p, activation, withBias) => {
      const x = values(xs, 5);
      const f = values(fs, 6);
      const b = values([fs[3]!], 7);
      const fused = () =>
        tf.fused.conv2d({ x: tf.tensor4d(x, xs as never), filter: tf.tensor4d(f, fs as never), strides: s, pad: p, bias: withBias ? tf.tensor1d(b) : undefined, activation });
      expect(await compareNative(fused, withBias || activation === 'relu' ? ['conv2d', 'biasAct'] : ['conv2d'])).toBeLessThan(1e-5);
      // The same floats as Conv2D, Add, Relu one after the other, on this backend.
      await tf.setBackend('wasm');
      const unfused = tf.tidy(() => {
        let y: tf.Tensor = tf.conv2d(tf.tensor4d(x, xs as never), tf.tensor4d(f, fs as never), s, p);
        if (withBias) y = tf.add(y, tf.tensor1d(b));
        return activation === 'relu' ? tf.relu(y) : y;
      });
      const once = fused();
      expect(Array.from(once.dataSync())).toEqual(Array.from(unfused.dataSync()));
      tf.dispose([once, unfused]);
    },
  );

  it('FusedConv2D hands other activations and prelu weights to wasm\'s own kernel', async () => {
    const x = values([2, 6, 6, 2], 8);
    const f = values([3, 3, 2, 3], 9);
    const extras = [() => ({ activation: 'elu' as const }), () => ({ activation: 'prelu' as const, preluActivationWeights: tf.tensor1d(values([3], 10)) })];
    for (const extra of extras) {
      calls.clear();
      const rel = await compare(() => tf.fused.conv2d({ x: tf.tensor4d(x, [2, 6, 6, 2]), filter: tf.tensor4d(f, [3, 3, 2, 3]), strides: 1, pad: 'same', bias: tf.tensor1d([0.1, -0.2, 0.3]), ...extra() }));
      expect(rel).toBeLessThan(1e-5);
      expect(calls.get('biasAct') ?? 0).toBe(0);
    }
  });

  it.each([
    [[2, 9, 9, 3], [3, 3, 3, 4], [2, 2], 'same'],
    [[1, 12, 11, 2], [3, 2, 2, 3], [2, 3], 'valid'],
  ] as [number[], number[], [number, number], 'same' | 'valid'][])('Conv2D with dilation: x %j, filter %j, dilation %j, pad %s', async (xs, fs, dil, p) => {
    const x = values(xs, 3);
    const f = values(fs, 4);
    expect(await compareNative(() => tf.conv2d(tf.tensor4d(x, xs as never), tf.tensor4d(f, fs as never), 1, p, 'NHWC', dil), ['conv2d'])).toBeLessThan(1e-5);
  });

  it.each([1, 3, 8])('conv2dTranspose forward and its filter gradient, %i output channels', async (c) => {
    const x = values([3, 7, 7, 6], 3);
    const f = values([5, 5, c, 6], 4);
    const X = () => tf.tensor4d(x, [3, 7, 7, 6]);
    const fwd = () => tf.conv2dTranspose(X(), tf.tensor4d(f, [5, 5, c, 6]), [3, 14, 14, c], 2, 'same');
    expect(await compareNative(fwd, ['conv2dBackpropInput'])).toBeLessThan(1e-5);
    const grad = () => tf.grad((w: tf.Tensor) => tf.conv2dTranspose(X(), w as tf.Tensor4D, [3, 14, 14, c], 2, 'same').square().sum())(tf.tensor4d(f, [5, 5, c, 6]));
    expect(await compareNative(grad, ['conv2dBackpropFilter'])).toBeLessThan(1e-5);
  });

  it('MatMul and BatchMatMul: each transpose flag (natively; while sampling only when a is transposed), broadcast batches, and the gradients', async () => {
    const a = values([3, 5, 7], 7);
    const b = values([3, 7, 4], 8);
    const A = () => tf.tensor3d(a, [3, 5, 7]);
    const B = () => tf.tensor3d(b, [3, 7, 4]);
    for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]] as const) {
      const fa = () => (ta ? A().transpose([0, 2, 1]) : A());
      const fb = () => (tb ? B().transpose([0, 2, 1]) : B());
      expect(await compareNative(() => tf.matMul(fa(), fb(), ta, tb), ['matmul'])).toBeLessThan(1e-6);
      // While sampling, rows that are batch items stay on wasm (an image must not depend on its batch).
      calls.clear();
      await withImageByImageProducts(async () => tf.dispose(tf.matMul(fa(), fb(), ta, tb)));
      expect(calls.get('matmul') ?? 0).toBe(ta ? 1 : 0);
    }
    const M = () => tf.tensor2d(values([5, 4], 9), [5, 4]);
    expect(await compareNative(() => tf.matMul(A(), M().expandDims(0), true, false), ['matmul'])).toBeLessThan(1e-6);
    expect(await compareNative(() => tf.matMul(tf.tensor2d(values([7, 5], 10), [7, 5]), tf.tensor2d(values([7, 4], 11), [7, 4]), true, false), ['matmul'])).toBeLessThan(1e-6);
    // The weight gradient of a product is aᵀ·dy: native.
    expect(await compareNative(() => tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.matMul(x, y).square().sum())([A(), B()]), ['matmul'])).toBeLessThan(1e-5);
  });

  it('while sampling (image-by-image products) an image does not change with the batch it is computed in (forward convolutions, bit for bit)', () =>
    withImageByImageProducts(async () => {
    await tf.setBackend('wasm');
    const n = 9;
    const x = tf.tensor4d(values([n, 7, 7, 16], 31), [n, 7, 7, 16]);
    const f = tf.tensor4d(values([5, 5, 8, 16], 32), [5, 5, 8, 16]);
    const w = tf.tensor4d(values([5, 5, 8, 4], 33), [5, 5, 8, 4]);
    const net = (t: tf.Tensor4D) => tf.tidy(() => tf.conv2d(tf.conv2dTranspose(t, f, [t.shape[0], 14, 14, 8], 2, 'same'), w, 2, 'same'));
    calls.clear();
    const all = net(x);
    const whole = all.dataSync();
    for (const [off, len] of [[0, 1], [2, 5], [8, 1]] as const) {
      const part = net(x.slice([off, 0, 0, 0], [len, 7, 7, 16]));
      const per = 7 * 7 * 4;
      expect(Array.from(part.dataSync())).toEqual(Array.from(whole.subarray(off * per, (off + len) * per)));
      part.dispose();
    }
    expect(calls.get('conv2d') ?? 0).toBeGreaterThan(0);
    expect(calls.get('conv2dBackpropInput') ?? 0).toBeGreaterThan(0);
    tf.dispose([x, f, w, all]);
  }));

  it('image-by-image products shared among threads give the bytes of one thread (convolutions, transposed, 1×1), and match cpu', async () => {
    const addon = loadNative().addon;
    const n = 11;
    const x = values([n, 7, 7, 16], 41);
    const f = values([5, 5, 8, 16], 42);
    const w = values([5, 5, 8, 4], 43);
    const p = values([1, 1, 4, 6], 44);
    const net = () => tf.tidy(() => {
      const up = tf.conv2dTranspose(tf.tensor4d(x, [n, 7, 7, 16]), tf.tensor4d(f, [5, 5, 8, 16]), [n, 14, 14, 8], 2, 'same');
      const down = tf.conv2d(up, tf.tensor4d(w, [5, 5, 8, 4]), 2, 'same');
      const point = tf.conv2d(down, tf.tensor4d(p, [1, 1, 4, 6]), 1, 'valid');
      return tf.conv2dTranspose(point, tf.tensor4d(p, [1, 1, 4, 6]), [n, 7, 7, 4], 1, 'valid');
    });
    const on = async (threads: number) =>
      withImageByImageProducts(async () => {
        addon.setImageThreads(threads);
        const out = net();
        const data = Float32Array.from(await out.data());
        out.dispose();
        return data;
      });
    await tf.setBackend('wasm');
    calls.clear();
    const one = await on(1);
    for (const k of ['conv2d', 'conv2dBackpropInput']) expect(calls.get(k) ?? 0, `${k} was not called natively`).toBeGreaterThan(0);
    for (const threads of [2, 3, 8]) {
      const many = await on(threads);
      expect(Buffer.from(many.buffer).equals(Buffer.from(one.buffer)), `${threads} threads`).toBe(true);
    }
    // The count is put back on leaving sampling (and it is 1 outside).
    expect(addon.setImageThreads(1)).toBe(1);
    expect(() => addon.setImageThreads(9)).toThrow(/1\.\.8/);
    // And the shared products are right, not only repeatable.
    const rel = await withImageByImageProducts(async () => {
      addon.setImageThreads(3);
      return compare(() => net());
    });
    expect(rel).toBeLessThan(1e-5);
  });

  /** A small conditional G and D (28×28×1, three classes) on wasm+native, for the sampling tests. */
  async function smallGan(seed: number) {
    await tf.setBackend('wasm');
    const rng = new Rng(seed);
    const g = buildGenerator({ numClasses: 3, latentDim: 16, embedDim: 8, width: 32, size: 28, channels: 1 }, rng);
    const d = buildDiscriminator({ numClasses: 3, width: 8, size: 28, channels: 1, mbstd: true, spectralNorm: true }, rng);
    return { g, d, dispose: () => tf.dispose([...Object.values(g.params), ...Object.values(d.params)]) };
  }

  it('sampleClass on two image threads gives the bytes and discriminator logits of one', async () => {
    const { g, d, dispose } = await smallGan(12);
    const seeds = seedsFor(4, 1, 37);
    try {
      const one = await sampleClass(g, d, 1, 37, seeds, 16, { imageThreads: 1 });
      const two = await sampleClass(g, d, 1, 37, seeds, 16, { imageThreads: 2 });
      expect(Buffer.from(two.pixels).equals(Buffer.from(one.pixels))).toBe(true);
      expect(Array.from(two.scores!)).toEqual(Array.from(one.scores!));
    } finally {
      dispose();
    }
  });

  it('sampling on two threads (a native sampler thread beside this one) gives the bytes of one; this thread keeps its BLAS threads', async () => {
    const { g, d, dispose } = await smallGan(11);
    const seeds = seedsFor(9, 2, 40);
    const one = await sampleClass(g, d, 2, 40, seeds, 16);
    const addon = loadNative().addon;
    const threads = addon.getThreads();
    const pool = await SamplerPool.start({ g, d }, 2);
    try {
      await pool?.whenStarted();
      expect(pool?.threads).toBe(2);
      expect(addon.getThreads()).toBe(threads);
      calls.clear();
      const two = await sampleClass(g, d, 2, 40, seeds, 16, { pool });
      expect(calls.get('conv2dBackpropInput') ?? 0).toBeGreaterThan(0);
      expect(Buffer.from(two.pixels).equals(Buffer.from(one.pixels))).toBe(true);
      expect(Array.from(two.scores!)).toEqual(Array.from(one.scores!));
    } finally {
      await pool?.close();
      dispose();
    }
  });

  it('cases it does not handle go to the wasm kernel (batches broadcast on both sides)', async () => {
    const a = values([2, 1, 3, 4], 11);
    const b = values([1, 3, 4, 5], 12);
    calls.clear();
    const rel = await compare(() => tf.matMul(tf.tensor4d(a, [2, 1, 3, 4]), tf.tensor4d(b, [1, 3, 4, 5])));
    expect(rel).toBeLessThan(1e-6);
    expect(calls.get('matmul') ?? 0).toBe(0);
  });

  it('second-order gradients through the native kernels (R1-style penalty on a conv)', async () => {
    const x = values([2, 9, 9, 3], 21);
    const f = values([5, 5, 3, 4], 22);
    const X = () => tf.tensor4d(x, [2, 9, 9, 3]);
    const F = () => tf.tensor4d(f, [5, 5, 3, 4]);
    // d/df Σ (∂/∂x Σ conv(x, f)²)²
    const penalty = (w: tf.Tensor) => tf.grad((a: tf.Tensor) => tf.conv2d(a as tf.Tensor4D, w as tf.Tensor4D, 2, 'same').square().sum())(X()).square().sum();
    expect(await compareNative(() => tf.grad(penalty)(F()), ['conv2d', 'conv2dBackpropInput', 'conv2dBackpropFilter'])).toBeLessThan(1e-5);
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
      const fake = () => generate(g, tf.tensor2d(z, [4, 8]), lab);
      const dG = tf.variableGrads(() => generatorLoss(discriminate(d, fake(), lab)), trainable(g.params)).grads;
      const dD = tf.variableGrads(() => discriminatorLoss(discriminate(d, tf.tensor4d(real, [4, 8, 8, 1]), lab), discriminate(d, fake(), lab)), trainable(d.params)).grads;
      const out = [...Object.values(dG), ...Object.values(dD)];
      tf.dispose([...Object.values(g.params), ...Object.values(d.params)]);
      return out;
    };
    expect(await compareNative(grads, ['conv2d', 'conv2dBackpropInput', 'conv2dBackpropFilter', 'matmul'])).toBeLessThan(1e-4);
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
    tf.dispose([x, f]);
  });
});

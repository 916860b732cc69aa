import { tf } from '../../src/tf.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/select.js';
import { buildGenerator, calibrateBatchNorm, generate, latentLength, upsample2x, GENERATOR_ARCHS, GENERATOR_CONDITIONINGS } from '../../src/gan/generator.js';
import { disposeParams } from '../../src/gan/params.js';
import { Rng } from '../../src/util/rng.js';
import { SMALL_SPEC } from '../helpers/small-gan.js';
import { compare, values } from '../backend/compare.js';

beforeAll(async () => {
  await initBackend('wasm');
});

describe('upsample2x', () => {
  it('repeats each pixel into a 2×2 block, per channel, and its gradient sums each block', () => {
    const x = tf.tensor4d([1, 10, 2, 20, 3, 30, 4, 40], [1, 2, 2, 2]);
    const y = upsample2x(x);
    expect(y.shape).toEqual([1, 4, 4, 2]);
    const c0 = Array.from(y.slice([0, 0, 0, 0], [1, 4, 4, 1]).dataSync());
    expect(c0).toEqual([1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4]);
    const w = tf.range(0, 32).reshape([1, 4, 4, 2]);
    const g = tf.grad((t: tf.Tensor) => upsample2x(t as tf.Tensor4D).mul(w).sum())(x);
    // top-left block of channel 0: w[0,0], w[0,1], w[1,0], w[1,1] at channel 0 = 0 + 2 + 8 + 10
    expect(g.dataSync()[0]).toBe(20);
    tf.dispose([x, y, w, g]);
  });

  it('equals the plain broadcast forward and in its gradient (4 × an average pool), on cpu and on wasm', async () => {
    const plain = (x: tf.Tensor4D) => {
      const [b, h, w, c] = x.shape;
      return x.reshape([b, h, 1, w, 1, c]).mul(tf.ones([1, 1, 2, 1, 2, 1])).reshape([b, 2 * h, 2 * w, c]) as tf.Tensor4D;
    };
    const shape = [3, 5, 7, 4];
    const outputs = (up: (x: tf.Tensor4D) => tf.Tensor4D) => {
      const x = tf.tensor4d(values(shape, 1), shape as [number, number, number, number]);
      const w = tf.tensor(values([3, 10, 14, 4], 2), [3, 10, 14, 4]);
      return [up(x), tf.grad((t: tf.Tensor) => up(t as tf.Tensor4D).mul(w).sum())(x)];
    };
    try {
      for (const backend of ['cpu', 'wasm']) {
        await tf.setBackend(backend);
        const [yRef, gRef] = tf.tidy(() => outputs(plain));
        const [y, g] = tf.tidy(() => outputs(upsample2x));
        expect(Array.from(y!.dataSync()), backend).toEqual(Array.from(yRef!.dataSync()));
        const [a, b] = [g!.dataSync(), gRef!.dataSync()];
        for (let i = 0; i < a.length; i++) expect(a[i]!, `${backend} dx[${i}]`).toBeCloseTo(b[i]!, 5);
        tf.dispose([yRef!, gRef!, y!, g!]);
      }
      // And wasm's against cpu's, the numerical reference.
      expect(await compare(() => outputs(upsample2x))).toBeLessThan(1e-6);
    } finally {
      await tf.setBackend('wasm');
    }
  });
});

/** Random conditional-BN projections (they start at 0, where the class would not change the image yet). */
function randomiseClassOffsets(g: ReturnType<typeof buildGenerator>, seed: number): void {
  const rng = new Rng(seed);
  for (const [name, v] of Object.entries(g.params)) {
    if (name.includes('Embed')) v.assign(tf.tensor(rng.normal(new Float32Array(v.size)).map((x) => 0.2 * x), v.shape));
  }
}

describe.each(GENERATOR_ARCHS.flatMap((arch) => GENERATOR_CONDITIONINGS.map((c) => [arch, c] as const)))('generator arch %s, class by %s', (arch, conditioning) => {
  it('gives size² images in [−1, 1]; after calibration on one batch, eval mode reproduces that batch; no leak', () => {
    const g = buildGenerator({ ...SMALL_SPEC, arch, conditioning }, new Rng(3));
    randomiseClassOffsets(g, 9);
    const rng = new Rng(4);
    const z = tf.tensor2d(rng.normal(new Float32Array(6 * 16)), [6, 16]);
    const labels = tf.tensor1d([0, 1, 2, 0, 1, 2], 'int32');
    const before = tf.memory().numTensors;
    calibrateBatchNorm(g, [{ z, labels }]);
    expect(tf.memory().numTensors).toBe(before);
    const train = generate(g, z, labels, 'train');
    const evalOut = generate(g, z, labels, 'eval');
    expect(train.shape).toEqual([6, 12, 12, 1]);
    const a = train.dataSync();
    const b = evalOut.dataSync();
    expect(Math.max(...a)).toBeLessThanOrEqual(1);
    expect(Math.min(...a)).toBeGreaterThanOrEqual(-1);
    let maxDiff = 0;
    for (let i = 0; i < a.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a[i]! - b[i]!));
    expect(maxDiff).toBeLessThan(1e-4);
    // one image depends only on its own latent in eval mode
    const one = generate(g, z.slice([2, 0], [1, 16]), labels.slice([2], [1]), 'eval').dataSync();
    for (let i = 0; i < one.length; i++) expect(one[i]).toBeCloseTo(b[2 * one.length + i]!, 4);
    tf.dispose([z, labels, train, evalOut]);
    disposeParams(g.params);
  });
});

describe('conditioning: batchnorm', () => {
  it('the first layer takes z alone; each BN layer has [embedDim, channels] projections of the class embedding, starting at 0', () => {
    const g = buildGenerator({ ...SMALL_SPEC, arch: 'upsample-refine', conditioning: 'batchnorm' }, new Rng(3));
    expect(g.params['embed']!.shape).toEqual([3, SMALL_SPEC.embedDim]);
    expect(g.params['denseW']!.shape[0]).toBe(SMALL_SPEC.latentDim);
    for (const l of ['bn1', 'bn2', 'bn3']) {
      expect(g.params[`${l}EmbedGamma`]!.shape).toEqual([SMALL_SPEC.embedDim, g.params[`${l}Gamma`]!.shape[0]]);
      expect(Array.from(g.params[`${l}EmbedBeta`]!.dataSync()).every((v) => v === 0)).toBe(true);
    }
    const input = buildGenerator({ ...SMALL_SPEC, arch: 'upsample-refine' }, new Rng(3));
    expect(Object.keys(input.params).filter((k) => k.startsWith('bn') && k.includes('Embed'))).toEqual([]);
    disposeParams(g.params);
    disposeParams(input.params);
  });

  it('under `both` the class is in the input and in the BN offsets', () => {
    const g = buildGenerator({ ...SMALL_SPEC, arch: 'upsample', conditioning: 'both' }, new Rng(3));
    expect(g.params['embed']!.shape).toEqual([3, SMALL_SPEC.embedDim]);
    expect(g.params['denseW']!.shape[0]).toBe(SMALL_SPEC.latentDim + SMALL_SPEC.embedDim);
    for (const l of ['bn1', 'bn2']) expect(g.params[`${l}EmbedGamma`]!.shape).toEqual([SMALL_SPEC.embedDim, g.params[`${l}Gamma`]!.shape[0]]);
    disposeParams(g.params);
  });

  it("an image depends on its class through that class's embedding only, and not at all at condition 0", () => {
    const g = buildGenerator({ ...SMALL_SPEC, arch: 'upsample', conditioning: 'batchnorm' }, new Rng(3));
    randomiseClassOffsets(g, 10);
    const z = tf.tile(tf.tensor2d(new Rng(4).normal(new Float32Array(16)), [1, 16]), [3, 1]) as tf.Tensor2D;
    const labels = tf.tensor1d([0, 1, 2], 'int32');
    calibrateBatchNorm(g, [{ z, labels }]);
    const rows = (t: tf.Tensor) => {
      const a = t.dataSync();
      const n = a.length / 3;
      t.dispose();
      return [0, 1, 2].map((i) => Array.from(a.slice(i * n, (i + 1) * n)));
    };
    const [c0, c1] = rows(generate(g, z, labels, 'eval'));
    expect(c0).not.toEqual(c1);
    // Changing class 1's embedding leaves class 0's image as it was.
    const before = rows(generate(g, z, labels, 'eval'));
    const offsets = g.params['embed']!;
    tf.tidy(() => offsets.assign(tf.concat([offsets.slice([0, 0], [1, -1]), offsets.slice([1, 0], [1, -1]).add(1), offsets.slice([2, 0], [1, -1])])));
    const after = rows(generate(g, z, labels, 'eval'));
    expect(after[0]).toEqual(before[0]);
    expect(after[1]).not.toEqual(before[1]);
    const [u0, u1, u2] = rows(generate(g, z, labels, 'eval', 0));
    expect(u1).toEqual(u0);
    expect(u2).toEqual(u0);
    tf.dispose([z, labels]);
    disposeParams(g.params);
  });
});

describe('gan.classNoise (conditioning augmentation)', () => {
  const pixels = (t: tf.Tensor) => {
    const a = Array.from(t.dataSync());
    t.dispose();
    return a;
  };

  it('the latent grows by embedDim only with noise on; σ·ε enters exactly as a shift of the class embedding', () => {
    expect(latentLength(SMALL_SPEC)).toBe(16);
    expect(latentLength({ ...SMALL_SPEC, classNoise: 0 })).toBe(16);
    expect(latentLength({ ...SMALL_SPEC, classNoise: 0.5 })).toBe(24);
    for (const conditioning of GENERATOR_CONDITIONINGS) {
      // The same weights (no parameter depends on the noise), with and without it.
      const noisy = buildGenerator({ ...SMALL_SPEC, arch: 'upsample', conditioning, classNoise: 0.5 }, new Rng(3));
      const plain = buildGenerator({ ...SMALL_SPEC, arch: 'upsample', conditioning }, new Rng(3));
      randomiseClassOffsets(noisy, 9);
      randomiseClassOffsets(plain, 9);
      const rng = new Rng(4);
      const z = rng.normal(new Float32Array(16));
      const eps = rng.normal(new Float32Array(8));
      const label = tf.tensor1d([1], 'int32');
      // Train mode on one image normalises it away; compare at the (shared) initial eval statistics.
      const withNoise = pixels(generate(noisy, tf.tensor2d([...z, ...eps], [1, 24]), label, 'eval'));
      const zeroNoise = pixels(generate(noisy, tf.tensor2d([...z, ...new Float32Array(8)], [1, 24]), label, 'eval'));
      expect(zeroNoise).toEqual(pixels(generate(plain, tf.tensor2d(z, [1, 16]), label, 'eval')));
      expect(withNoise).not.toEqual(zeroNoise);
      // The plain generator with class 1's embedding moved by 0.5·ε draws the noisy image.
      const e = plain.params['embed']!;
      tf.tidy(() => e.assign(e.add(tf.tensor2d([0, 1, 0], [3, 1]).mul(tf.tensor2d(eps, [1, 8]).mul(0.5)))));
      const shifted = pixels(generate(plain, tf.tensor2d(z, [1, 16]), label, 'eval'));
      for (let i = 0; i < shifted.length; i++) expect(shifted[i]).toBeCloseTo(withNoise[i]!, 5);
      label.dispose();
      disposeParams(noisy.params);
      disposeParams(plain.params);
    }
  });

  it('calibration and both modes take the longer latent and leak nothing', () => {
    const g = buildGenerator({ ...SMALL_SPEC, arch: 'dcgan', classNoise: 1 }, new Rng(3));
    const z = tf.tensor2d(new Rng(5).normal(new Float32Array(6 * 24)), [6, 24]);
    const labels = tf.tensor1d([0, 1, 2, 0, 1, 2], 'int32');
    const before = tf.memory().numTensors;
    calibrateBatchNorm(g, [{ z, labels }]);
    tf.dispose([generate(g, z, labels, 'train'), generate(g, z, labels, 'eval')]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([z, labels]);
    disposeParams(g.params);
  });
});

it('the upsample generator has no transposed-conv checkerboard at initialisation: even and odd pixels alike', () => {
  // A constant 3×3 filter after nearest upsampling gives the same response on every output phase; a stride-2
  // 5×5 transposed conv with a constant filter does not (3 vs 2 taps per axis).
  const ones = (shape: number[]) => tf.ones(shape);
  const x = ones([1, 4, 4, 1]) as tf.Tensor4D;
  const up = tf.conv2d(upsample2x(x), ones([3, 3, 1, 1]) as tf.Tensor4D, 1, 'same').slice([0, 2, 2, 0], [1, 4, 4, 1]).dataSync();
  expect(new Set(Array.from(up)).size).toBe(1);
  const tr = tf.conv2dTranspose(x, ones([5, 5, 1, 1]) as tf.Tensor4D, [1, 8, 8, 1], 2, 'same').slice([0, 2, 2, 0], [1, 4, 4, 1]).dataSync();
  expect(new Set(Array.from(tr)).size).toBeGreaterThan(1);
});

it('calibrateBatchNorm holds one batch of activations at a time, not all of them (peak memory flat in the batch count)', async () => {
  const g = buildGenerator({ ...SMALL_SPEC, arch: 'upsample' }, new Rng(5));
  const rng = new Rng(6);
  const batches = (k: number) =>
    Array.from({ length: k }, () => ({ z: tf.tensor2d(rng.normal(new Float32Array(32 * 16)), [32, 16]), labels: tf.tensor1d(Array.from({ length: 32 }, (_, i) => i % 3), 'int32') }));
  const peak = async (k: number) => {
    const b = batches(k);
    const info = await tf.profile(() => calibrateBatchNorm(g, b));
    tf.dispose(b.flatMap((x) => [x.z, x.labels]));
    return info.peakBytes - info.newBytes;
  };
  const one = await peak(1);
  const eight = await peak(8);
  expect(eight).toBeLessThan(1.5 * one);
  disposeParams(g.params);
});

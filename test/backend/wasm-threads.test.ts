/**
 * The threaded wasm path (GAN_AUGMENT_WASM_THREADS, or a run that trains enough: test/e2e/wasm-threads.test.ts): it starts with the requested threads in
 * Node, and convolutions, their gradients and a whole GAN step match the cpu backend on it. Runs in
 * its own fork (vitest pool "forks"), so the threaded module is this process's wasm backend.
 */
import { readdir } from 'node:fs/promises';
import os from 'node:os';
import { tf } from '../../src/tf.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, type BackendInfo } from '../../src/backend/select.js';
import { THREADS_ENV, threadsFromEnv } from '../../src/backend/wasm-threads.js';
import { buildDiscriminator, discriminate } from '../../src/gan/discriminator.js';
import { buildGenerator, generate } from '../../src/gan/generator.js';
import { discriminatorLoss } from '../../src/gan/losses.js';
import { Rng } from '../../src/util/rng.js';
import { compare, values } from './compare.js';

let info: BackendInfo;
const scriptFolders = async () => (await readdir(os.tmpdir())).filter((name) => name.startsWith('gan-augment-wasm-threads-'));
let foldersBefore: string[];

beforeAll(async () => {
  foldersBefore = await scriptFolders();
  info = await initBackend('wasm', { wasmThreads: 2 });
});

describe('threaded wasm', () => {
  it('runs the threaded SIMD binary with 2 threads', () => {
    expect(info.name).toBe('wasm');
    expect(info.details).toMatch(/SIMD, 2 threads, threaded binary/);
    const heap = (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8;
    expect(heap.buffer).toBeInstanceOf(SharedArrayBuffer);
  });

  it("keeps a worker for each thread and ends the rest of tfjs' pool of 8 (the convolutions below run after)", () => {
    const pthread = (tf.backend() as unknown as { wasm: { PThread: { unusedWorkers: unknown[]; runningWorkers: unknown[] } } }).wasm.PThread;
    expect(pthread.runningWorkers.length).toBeGreaterThanOrEqual(1);
    expect(pthread.unusedWorkers.length + pthread.runningWorkers.length).toBe(2);
  });

  it('leaves no scripts in the temp folder once its worker pool has loaded them (the convolutions below run after)', async () => {
    expect((await scriptFolders()).filter((name) => !foldersBefore.includes(name))).toEqual([]);
  });

  it('conv2d, conv2dTranspose and both gradients match the cpu backend', async () => {
    const x = values([4, 14, 14, 8], 1);
    const f = values([5, 5, 8, 16], 2);
    const X = () => tf.tensor4d(x, [4, 14, 14, 8]);
    const F = () => tf.tensor4d(f, [5, 5, 8, 16]);
    expect(await compare(() => tf.conv2d(X(), F(), 2, 'same'))).toBeLessThan(1e-5);
    expect(await compare(() => tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'same').square().sum())([X(), F()]))).toBeLessThan(1e-5);
    const y = values([4, 7, 7, 16], 3);
    expect(await compare(() => tf.conv2dTranspose(tf.tensor4d(y, [4, 7, 7, 16]), F(), [4, 14, 14, 8], 2, 'same'))).toBeLessThan(1e-5);
  });

  it('D gradients of a conditional GAN match the cpu backend', async () => {
    const grads = () => {
      const rng = new Rng(3);
      const g = buildGenerator({ numClasses: 3, latentDim: 8, embedDim: 4, width: 8, size: 8, channels: 1 }, rng);
      const d = buildDiscriminator({ numClasses: 3, width: 4, size: 8, channels: 1, mbstd: true }, rng);
      const lab = tf.tensor1d([0, 2, 1, 2], 'int32');
      const real = tf.tensor4d(values([4, 8, 8, 1], 9), [4, 8, 8, 1]).tanh() as tf.Tensor4D;
      const fake = generate(g, tf.tensor2d(values([4, 8], 10), [4, 8]), lab);
      const { grads } = tf.variableGrads(() => discriminatorLoss(discriminate(d, real, lab), discriminate(d, fake, lab)), Object.values(d.params).filter((v) => v.trainable));
      const out = Object.values(grads);
      tf.dispose([...Object.values(g.params), ...Object.values(d.params)]);
      return out;
    };
    expect(await compare(grads)).toBeLessThan(1e-4);
  });
});

describe(`${THREADS_ENV} parsing`, () => {
  it.each([
    [undefined, undefined],
    ['', undefined],
    ['  ', undefined],
    ['1', 1],
    ['2', 2],
    [' 4 ', 4],
  ])('%j → %j', (raw, expected) => {
    expect(threadsFromEnv(raw === undefined ? {} : { [THREADS_ENV]: raw })).toBe(expected);
  });

  it('"auto" is the number of logical cores', () => {
    expect(threadsFromEnv({ [THREADS_ENV]: 'auto' })).toBeGreaterThanOrEqual(1);
  });

  it.each(['0', '-2', '1.5', 'two', '65', '2x'])('rejects %j, naming the variable and the value', (raw) => {
    expect(() => threadsFromEnv({ [THREADS_ENV]: raw })).toThrow(new RegExp(`${THREADS_ENV}.*"${raw.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"`));
  });
});

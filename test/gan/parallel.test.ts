/**
 * Data-parallel training on worker threads (src/gan/parallel): real workers, real wasm backends, real
 * shared memory. The worker script is dist/'s (`npm test` builds it first).
 */
import path from 'node:path';
import { tf } from '../../src/tf.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/select.js';
import { loadConfig, parseConfigText } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { imageMacs } from '../../src/gan/cost.js';
import { MIN_SPLIT_MACS } from '../../src/gan/parallel/plan.js';
import { buildDiscriminator, discriminate, mbstdGroup } from '../../src/gan/discriminator.js';
import { AllReduce, createChannel, ReplicaAbortedError } from '../../src/gan/parallel/allreduce.js';
import { shardIndices, unsplittable } from '../../src/gan/parallel/shard.js';
import { Trainer, trainGan, type TrainerSnapshot } from '../../src/gan/train-loop.js';
import { ReplicaPool } from '../../src/gan/parallel/pool.js';
import { ganSpecs } from '../../src/gan/train-loop.js';
import { Rng } from '../../src/util/rng.js';
import { randomImages } from '../helpers/small-gan.js';
import { asRun } from '../helpers/config.js';
import { ROOT } from '../helpers/tmp.js';

beforeAll(async () => {
  await initBackend('wasm', { wasmThreads: 1 });
});

const config = (extra = '') =>
  asRun(parseConfigText(
    `input: x\ndecode: {size: 8}\ngan: {gWidth: 8, dWidth: 4, latentDim: 4, embedDim: 2${extra}}\n` +
      'augment: {policy: [color, translation, cutout], p: 0.5, ada: true}\ntrain: {steps: 4, batchSize: 16, checkpointEvery: 2, logEvery: 1, validation: 0}\n',
    '/tmp/c.yaml',
  ).config);
const data = randomImages(24, 3);

const maxAbsDiff = (a: Record<string, Float32Array>, b: Record<string, Float32Array>) => {
  let m = 0;
  for (const k of Object.keys(a)) for (let i = 0; i < a[k]!.length; i++) m = Math.max(m, Math.abs(a[k]![i]! - b[k]![i]!));
  return m;
};

describe('shards', () => {
  it('cover every batch position once, in equal parts', () => {
    for (const [b, r] of [[64, 2], [16, 2], [8, 2], [6, 2], [64, 4]] as const) {
      const parts = shardIndices(b, r);
      expect(parts.map((p) => p.length)).toEqual(Array(r).fill(b / r));
      expect([...parts.flatMap((p) => [...p])].sort((x, y) => x - y)).toEqual(Array.from({ length: b }, (_, i) => i));
    }
  });

  it('keep minibatch-stddev groups whole: D scores each part as it scores those images in the whole batch', () => {
    const d = buildDiscriminator({ numClasses: 3, width: 4, size: 8, channels: 1, mbstd: true }, new Rng(3));
    const rng = new Rng(5);
    const b = 16;
    const x = rng.normal(new Float32Array(b * 64));
    const labels = Int32Array.from({ length: b }, (_, i) => i % 3);
    const whole = tf.tidy(() => discriminate(d, tf.tensor4d(x, [b, 8, 8, 1]), tf.tensor1d(labels, 'int32')).dataSync());
    for (const idx of shardIndices(b, 2)) {
      const px = new Float32Array(idx.length * 64);
      idx.forEach((src, k) => px.set(x.subarray(src * 64, (src + 1) * 64), k * 64));
      const part = tf.tidy(() => discriminate(d, tf.tensor4d(px, [idx.length, 8, 8, 1]), tf.tensor1d(Int32Array.from(idx, (i) => labels[i]!), 'int32')).dataSync());
      idx.forEach((src, k) => expect(part[k]).toBeCloseTo(whole[src]!, 5));
    }
    // A contiguous split would change the groups (the check above has teeth):
    expect(mbstdGroup(8)).toBe(4);
  });

  it('say why a batch does not split', () => {
    expect(unsplittable(64, 2)).toBeNull();
    expect(unsplittable(12, 2)).toMatch(/train.batchSize 12 does not split into 2 equal parts/);
    expect(unsplittable(7, 1)).toBeNull();
  });
});

describe('AllReduce', () => {
  it('with one replica returns a copy; a replica left alone at the barrier times out instead of hanging', () => {
    const one = new AllReduce(createChannel(1, 4), 0);
    const v = Float32Array.of(1, 2, 3);
    const s = one.sum(v);
    expect([...s]).toEqual([1, 2, 3]);
    expect(s).not.toBe(v);
    const lonely = new AllReduce(createChannel(2, 4), 0, 50);
    expect(() => lonely.sum(v)).toThrow(ReplicaAbortedError);
    expect(() => lonely.sum(v)).toThrow(/another training replica failed/);
    expect(() => one.sum(new Float32Array(5))).toThrow(/exceed the channel's capacity of 4/);
  });
});

describe('two replicas on worker threads', () => {
  it.each([
    ['', ''],
    [' (gan.classNoise: the longer latent split by rows too)', ', classNoise: 1'],
    [' (gan.lecam: its anchors reach every replica)', ', lecam: 0.3'],
  ])('train to the weights one thread trains to (same seed), leaving no tensor behind%s', async (_, extra) => {
    const cfg = config(extra);
    const before = tf.memory().numTensors;
    const one = await trainGan(data, cfg, { workers: 1 });
    const oneG = Object.fromEntries(Object.entries(one.g.params).map(([k, v]) => [k, v.dataSync() as Float32Array]));
    const oneD = Object.fromEntries(Object.entries(one.d.params).map(([k, v]) => [k, v.dataSync() as Float32Array]));
    one.dispose();
    const two = await trainGan(data, cfg, { workers: 2 });
    const twoG = Object.fromEntries(Object.entries(two.g.params).map(([k, v]) => [k, v.dataSync() as Float32Array]));
    const twoD = Object.fromEntries(Object.entries(two.d.params).map(([k, v]) => [k, v.dataSync() as Float32Array]));
    two.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(two.steps).toBe(4);
    // Losses of the whole batch, step by step (float rounding aside).
    one.history.forEach((h, i) => {
      expect(two.history[i]!.lossD).toBeCloseTo(h.lossD, 3);
      expect(two.history[i]!.lossG).toBeCloseTo(h.lossG, 3);
      expect(two.history[i]!.dReal).toBeCloseTo(h.dReal, 3);
    });
    // Four Adam steps move a weight by up to ~4·lr = 8e-4; the two paths agree to float rounding.
    expect(maxAbsDiff(oneG, twoG)).toBeLessThan(2e-5);
    expect(maxAbsDiff(oneD, twoD)).toBeLessThan(2e-5);
    // …and the weights did move: the comparison is not between two untrained models.
    const init = new Trainer(data, cfg);
    const initG = Object.fromEntries(Object.entries(init.g.params).map(([k, v]) => [k, v.dataSync() as Float32Array]));
    init.dispose();
    expect(maxAbsDiff(initG, twoG)).toBeGreaterThan(1e-4);
  });

  it('resume is byte-identical at two workers: from the step-2 checkpoint to step 4 = 4 steps straight', async () => {
    const cfg = config(', loss: hinge, r1Gamma: 0.1');
    const snapshots: TrainerSnapshot[] = [];
    const straight = await trainGan(data, cfg, { workers: 2, onCheckpoint: async (s) => void snapshots.push(s) });
    const a = Object.fromEntries(Object.entries(straight.g.params).map(([k, v]) => [k, v.dataSync().slice()]));
    straight.dispose();
    expect(snapshots[0]!.step).toBe(2);
    const resumed = await trainGan(data, cfg, { workers: 2, resume: snapshots[0]! });
    expect(resumed.resumedFrom).toBe(2);
    const b = Object.fromEntries(Object.entries(resumed.g.params).map(([k, v]) => [k, v.dataSync().slice()]));
    resumed.dispose();
    for (const k of Object.keys(a)) expect(Buffer.from(b[k]!.buffer).equals(Buffer.from(a[k]!.buffer)), k).toBe(true);
  });

  it('a replica that fails wakes this thread with an error, instead of leaving it waiting at the barrier', async () => {
    const cfg = config();
    const t = new Trainer(data, cfg);
    const pool = await ReplicaPool.start(2, t.state, cfg, ganSpecs(cfg, 3));
    try {
      await t.attachPool(pool);
      t.iterate();
      // A state the worker cannot load (a weight of the wrong size): it fails there, before the next step.
      const s = await t.snapshot();
      const name = Object.keys(s.g)[0]!;
      pool.load({ ...s, g: { ...s.g, [name]: new Float32Array(3) } });
      expect(() => t.iterate()).toThrow(ReplicaAbortedError);
      expect(await pool.failure()).toMatch(/size|shape/i);
    } finally {
      await pool.close();
      t.dispose();
    }
  });

  it('a pool refuses to start on another backend than wasm, and trainGan then leaves no tensor behind', async () => {
    await initBackend('cpu');
    try {
      const before = tf.memory().numTensors;
      await expect(trainGan(data, config(), { workers: 2 })).rejects.toThrow(/needs the wasm backend on this thread too \(it runs on cpu\)/);
      expect(tf.memory().numTensors).toBe(before);
    } finally {
      await initBackend('wasm', { wasmThreads: 1 });
    }
  });
});

const b64Of = (c: Config): Config => ({ ...c, train: { ...c.train, batchSize: 64 } });

describe('planWorkers', () => {
  const wasm = { name: 'wasm', threads: 1 };
  // Enough work an image that any split batch repays splitting (the threshold's own test is below).
  const ample = MIN_SPLIT_MACS;
  it('auto: two threads on plain wasm with two cores; one, with the reason, elsewhere', async () => {
    const { planWorkers } = await import('../../src/gan/parallel/plan.js');
    const c = config();
    expect(planWorkers(c, wasm, 2, ample)).toEqual({ workers: 2, reason: 'data-parallel on 2 wasm threads (train.workers: auto)', refused: false });
    expect(planWorkers(c, wasm, 1, ample)).toMatchObject({ workers: 1, reason: 'one core', refused: false });
    expect(planWorkers(c, { name: 'native' }, 2, ample)).toMatchObject({ workers: 1, refused: false, reason: expect.stringMatching(/plain wasm backend; this run uses native/) });
    expect(planWorkers(c, { name: 'wasm', threads: 2 }, 2, ample).reason).toMatch(/threaded wasm binary already runs 2 threads/);
    expect(planWorkers({ ...c, gan: { ...c.gan, mode: 'translate' } }, wasm, 2, ample).workers).toBe(1);
    expect(planWorkers({ ...c, gan: { ...c.gan, modeSeeking: 0.1 } }, wasm, 2, ample).reason).toMatch(/modeSeeking/);
    expect(planWorkers({ ...c, train: { ...c.train, batchSize: 12 } }, wasm, 2, ample).reason).toMatch(/batchSize 12 does not split/);
  });

  it("auto: one thread where a thread's share of a step is too small to repay the split — the quickstart's models; two at the defaults", async () => {
    const { planWorkers } = await import('../../src/gan/parallel/plan.js');
    const quick = asRun((await loadConfig(path.join(ROOT, 'configs/quickstart.yaml'))).config);
    const macs = (c: Config) => imageMacs(ganSpecs(c, 10));
    // The quickstart at its batch of 32: 16 images of ~7.0 M each a thread (measured 1.04× on two).
    const plan = planWorkers(quick, wasm, 2, macs(quick));
    expect(plan).toMatchObject({ workers: 1, reason: "a thread's share of a step (112 M multiply-adds) is under the 200 M that repay splitting it", refused: false });
    // The same models at a batch of 64 (measured 1.30×), and the default models at theirs.
    const b64 = b64Of(quick);
    expect(planWorkers(b64, wasm, 2, macs(b64)).workers).toBe(2);
    const defaults = asRun(parseConfigText('input: x\n', '/tmp/d.yaml').config);
    expect(planWorkers(defaults, wasm, 2, macs(defaults)).workers).toBe(2);
    // An explicit count is not second-guessed.
    expect(planWorkers({ ...quick, train: { ...quick.train, workers: 2 } }, wasm, 2, macs(quick))).toMatchObject({ workers: 2, refused: false });
  });

  it('an explicit count is honoured where it can be, refused (for a warning) where not', async () => {
    const { planWorkers } = await import('../../src/gan/parallel/plan.js');
    const c = config();
    expect(planWorkers({ ...c, train: { ...c.train, workers: 1 } }, wasm, 2, ample)).toMatchObject({ workers: 1, refused: false });
    expect(planWorkers({ ...c, train: { ...c.train, workers: 2 } }, wasm, 2, ample)).toMatchObject({ workers: 2, refused: false });
    expect(planWorkers({ ...c, train: { ...c.train, workers: 2 } }, { name: 'cpu' }, 2, ample)).toMatchObject({ workers: 1, refused: true });
  });
});

describe('planWasmThreads and wasmThreadsForRun', () => {
  it("auto: the threaded binary on two threads for the quickstart's and the default models; one thread for the tiny models of the e2e tests, a short training, one core, or an explicit train.workers", async () => {
    const { planWasmThreads, MIN_THREADED_STEP_MACS, MIN_THREADED_TRAINING_MACS } = await import('../../src/gan/parallel/plan.js');
    const { wasmThreadsForRun } = await import('../../src/stages/train.js');
    const quick = (await loadConfig(path.join(ROOT, 'configs/quickstart.yaml'))).config;
    // The quickstart: a step of 32 images of ~7.0 M each (measured 1.50× on two threads).
    expect(wasmThreadsForRun(quick, 2)).toEqual({ threads: 2, reason: 'train.workers: auto, a training step of 223 M multiply-adds' });
    expect(wasmThreadsForRun(quick, 8).threads).toBe(2);
    expect(wasmThreadsForRun(quick, 1)).toEqual({ threads: 1, reason: 'one core' });
    const defaults = parseConfigText('input: x\n', '/tmp/d.yaml').config;
    expect(wasmThreadsForRun(defaults, 2).threads).toBe(2);
    const set = (c: typeof quick, train: Partial<typeof quick.train>, gan: Partial<typeof quick.gan> = {}) => ({ ...c, train: { ...c.train, ...train }, gan: { ...c.gan, ...gan } });
    // The e2e tests' tiny models: a step of 2 M (measured 0.65× on two threads).
    const tiny = set(quick, { batchSize: 8 }, { gWidth: 8, dWidth: 8, latentDim: 8, embedDim: 4 });
    expect(wasmThreadsForRun(tiny, 2)).toEqual({ threads: 1, reason: expect.stringMatching(/^a training step of [\d.]+ M multiply-adds is under the 50 M that threads can share$/) });
    expect(wasmThreadsForRun(set(quick, { steps: 4 }), 2)).toEqual({ threads: 1, reason: '4 training steps (894 M multiply-adds) would not repay starting the threaded binary' });
    expect(wasmThreadsForRun(set(quick, { workers: 1 }), 2)).toEqual({ threads: 1, reason: 'train.workers: 1' });
    expect(wasmThreadsForRun(set(quick, { workers: 2 }), 2)).toEqual({ threads: 1, reason: 'train.workers: 2' });
    expect(wasmThreadsForRun({ ...quick, generate: { ...quick.generate, from: '/elsewhere' } }, 2)).toEqual({ threads: 1, reason: 'generate.from: no GAN to train' });
    // The thresholds themselves, at their edges.
    const c = asRun(quick);
    expect(planWasmThreads(c, 2, MIN_THREADED_STEP_MACS).threads).toBe(2);
    expect(planWasmThreads(c, 2, MIN_THREADED_STEP_MACS - 1).threads).toBe(1);
    const steps = (n: number) => ({ ...c, train: { ...c.train, steps: n } });
    expect(planWasmThreads(steps(MIN_THREADED_TRAINING_MACS / MIN_THREADED_STEP_MACS), 2, MIN_THREADED_STEP_MACS).threads).toBe(2);
    expect(planWasmThreads(steps(MIN_THREADED_TRAINING_MACS / MIN_THREADED_STEP_MACS - 1), 2, MIN_THREADED_STEP_MACS).threads).toBe(1);
  });

  it('decode auto counts as the largest size it resolves to, in colour', async () => {
    const { wasmThreadsForRun } = await import('../../src/stages/train.js');
    const at = (decode: string) => wasmThreadsForRun(parseConfigText(`input: x\ndecode: ${decode}\ngan: { gWidth: 16, dWidth: 8 }\ntrain: { batchSize: 32 }\n`, '/tmp/d.yaml').config, 2).reason;
    // 32 px in colour costs more than 28 px in gray.
    const macs = (r: string) => Number(/step of ([\d.]+) M/.exec(r)![1]);
    expect(macs(at('{ size: auto, channels: auto }'))).toBe(macs(at('{ size: 32, channels: 3 }')));
    expect(macs(at('{ size: auto, channels: auto }'))).toBeGreaterThan(macs(at('{ size: 28, channels: 1 }')));
  });
});

describe('planBlasThreads', () => {
  it('auto leaves the process count; a count is set on native and said; elsewhere it is said to have nothing to set', async () => {
    const { planBlasThreads } = await import('../../src/gan/parallel/plan.js');
    const c = config();
    expect(planBlasThreads(c, { name: 'native' })).toEqual({ threads: null, note: null });
    const one = { ...c, train: { ...c.train, blasThreads: 1 as const } };
    expect(planBlasThreads(one, { name: 'native' })).toEqual({ threads: 1, note: 'train: 1 BLAS thread (train.blasThreads)' });
    expect(planBlasThreads({ ...c, train: { ...c.train, blasThreads: 2 } }, { name: 'native' }).note).toBe('train: 2 BLAS threads (train.blasThreads)');
    expect(planBlasThreads(one, { name: 'wasm', threads: 1 })).toEqual({ threads: null, note: "train.blasThreads: 1 applies to the native backend's OpenBLAS; this run uses wasm" });
  });

  it('auto trains on fewer threads where other processes keep the cores busy, and says so; a set count stays', async () => {
    const { planBlasThreads } = await import('../../src/gan/parallel/plan.js');
    const c = config();
    const native = { name: 'native' };
    const load = (othersBusy: number, cores = 2, processThreads = 2) => ({ othersBusy, cores, processThreads });
    // Idle, or a light load (two threads were still 1.05× one with another process busy 30 % of a core).
    expect(planBlasThreads(c, native, load(0.05))).toEqual({ threads: null, note: null });
    expect(planBlasThreads(c, native, load(0.4))).toEqual({ threads: null, note: null });
    // Another process on the second core (two threads 0.6–0.7× one), or both cores busy (0.3×).
    expect(planBlasThreads(c, native, load(0.6))).toEqual({
      threads: 1,
      note: 'train: 1 BLAS thread, not 2 (train.blasThreads: auto): other processes keep 0.6 of the 2 cores busy, and a BLAS thread the OS holds back stalls every product (set train.blasThreads to fix the count)',
    });
    expect(planBlasThreads(c, native, load(2)).threads).toBe(1);
    // Cores to spare: two threads.
    expect(planBlasThreads(c, native, load(2, 8))).toEqual({ threads: null, note: null });
    expect(planBlasThreads(c, native, load(6.7, 8)).threads).toBe(1);
    // Nothing to lower: one thread already, another backend, or a count the config sets.
    expect(planBlasThreads(c, native, load(2, 2, 1))).toEqual({ threads: null, note: null });
    expect(planBlasThreads(c, { name: 'wasm', threads: 1 }, load(2))).toEqual({ threads: null, note: null });
    expect(planBlasThreads({ ...c, train: { ...c.train, blasThreads: 2 } }, native, load(2))).toEqual({ threads: 2, note: 'train: 2 BLAS threads (train.blasThreads)' });
  });
});

import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/select.js';
import { parseConfigText } from '../../src/config/load.js';
import { DivergenceError, trainGan } from '../../src/gan/train-loop.js';
import { randomImages } from '../helpers/small-gan.js';
import { asRun } from '../helpers/config.js';
// Imported here, not inside a test: its afterAll (which removes the temp folders) registers only while the file is collected.
import { FIXTURE, tempDir } from '../helpers/tmp.js';

beforeAll(async () => {
  await initBackend('wasm');
});

const config = asRun(parseConfigText(
  'input: x\ndecode: {size: 8}\ngan: {gWidth: 8, dWidth: 4, latentDim: 4, embedDim: 2}\ntrain: {steps: 6, batchSize: 4, checkpointEvery: 2, logEvery: 1}\n',
  '/tmp/c.yaml',
).config);
const data = randomImages(12, 2);

describe('tensors', () => {
  it('a Trainer built, restored twice and disposed leaves no tensor and no byte behind', async () => {
    const tf = await import('@tensorflow/tfjs');
    const { Trainer } = await import('../../src/gan/train-loop.js');
    const before = tf.memory();
    const t = new Trainer(data, { ...config, gan: { ...config.gan, spectralNorm: true } });
    const s = await t.snapshot();
    t.restore(s);
    t.restore(s);
    t.dispose();
    // tf.variable(x) shares x's data: an x left alive kept a model's worth of memory per build and restore.
    expect(tf.memory().numTensors).toBe(before.numTensors);
    expect(tf.memory().numBytes).toBe(before.numBytes);
  });
});

describe('sample grids', () => {
  it('sample many classes three training batches at a time: the memory of one such pass, the images of the first pass unchanged', async () => {
    const tf = await import('@tensorflow/tfjs');
    const { Trainer } = await import('../../src/gan/train-loop.js');
    // 16 classes, 2 samples each, batches of 4: 3 batches' worth, 6 classes, a pass. One pass over all 16 held
    // their activations at once, and the wasm heap, which never shrinks, kept that size (+129 MB for an
    // 80-class run at the defaults).
    const t = new Trainer(randomImages(48, 16), { ...config, gan: { ...config.gan, gWidth: 32 } });
    const all = Array.from({ length: 16 }, (_, c) => c);
    const first = all.slice(0, 6);
    // tf.profile returns the engine's one profile object: read each figure before the next call.
    const peak = async (classes: number[]) => (await tf.profile(() => void t.samples(2, classes))).peakBytes - tf.memory().numBytes;
    const few = await peak(first);
    const many = await peak(all);
    expect(many).toBeLessThan(1.5 * few);
    const grid = t.samples(2, all);
    expect(grid.classes.map((c) => c.classIndex)).toEqual(all);
    expect(grid.classes.every((c) => c.pixels.length === 2 * 64)).toBe(true);
    // The fixed latents do not depend on how many classes are sampled: the first pass is the six-class grid.
    expect(grid.classes.slice(0, 6).map((c) => Array.from(c.pixels))).toEqual(t.samples(2, first).classes.map((c) => Array.from(c.pixels)));
    t.dispose();
  });
});

describe('divergence guard', () => {
  it('rolls back to the last checkpoint and halves the learning rates when a loss is NaN', async () => {
    const r = await trainGan(data, config, { faultAt: new Map([[3, 1]]) });
    expect(r.rollbacks).toBe(1);
    expect(r.steps).toBe(6);
    const last = r.history.at(-1)!;
    expect(last.lrG).toBeCloseTo(config.train.lrG / 2, 12);
    expect(last.lrD).toBeCloseTo(config.train.lrD / 2, 12);
    r.dispose();
  });

  it('fails with a clear message after three rollbacks', async () => {
    await expect(trainGan(data, config, { faultAt: new Map([[3, 4]]) })).rejects.toThrow(DivergenceError);
    await expect(trainGan(data, config, { faultAt: new Map([[1, 9]]) })).rejects.toThrow(/diverged at step 1 .* after 3 rollbacks/);
    const ok = await trainGan(data, config, { faultAt: new Map([[3, 3]]) });
    expect(ok.rollbacks).toBe(3);
    ok.dispose();
  });
});

describe('per-class failure isolation', () => {
  it('a per-class job that diverges fails alone; the other classes are still generated', async () => {
    const { runPipeline } = await import('../../src/pipeline.js');
    const { initBackend: init } = await import('../../src/backend/select.js');
    const out = await tempDir();
    const cfg = parseConfigText(
      `input: ${FIXTURE}\nout: ${out}\ngan: {mode: per-class, gWidth: 8, dWidth: 4, latentDim: 4, embedDim: 2}\ntrain: {steps: 3, batchSize: 4}\nfilter: {order: [near-copy, discriminator]}\nguard: off\n`,
      '/tmp/c.yaml',
    ).config;
    const summary = await runPipeline(cfg, { backend: await init('wasm'), faultAt: { coat: new Map([[1, 9]]) } });
    expect(summary.train.failed?.map((f) => f.job)).toEqual(['coat']);
    const byLabel = Object.fromEntries(summary.classes.map((c) => [c.label, c.synthetic]));
    // deliver.share 0.5: the other classes get their planned half of the 90.
    expect(byLabel).toMatchObject({ coat: 0, pullover: 45, shirt: 45 });
  });
});

describe('hold-out', () => {
  it('ganHoldoutRng re-derives exactly the images the trainer holds out (the synthesis stage measures against them)', async () => {
    const { Trainer } = await import('../../src/gan/train-loop.js');
    const { ganHoldoutRng, splitHoldout } = await import('../../src/dataset/holdout.js');
    const cfg = { ...config, train: { ...config.train, validation: 0.25 } };
    const t = new Trainer(data, cfg);
    expect(t.held.length).toBeGreaterThan(0);
    expect(splitHoldout(data.labels, data.numClasses, 0.25, ganHoldoutRng(cfg.seed)).held).toEqual(t.held);
    t.dispose();
  });

  it('with copies in the folder, the synthesis stage re-derives the trainer\'s split (shared and per-class), copies on one side', async () => {
    const { Trainer } = await import('../../src/gan/train-loop.js');
    const { ganHeldOut } = await import('../../src/stages/synthesize.js');
    const { pickImages } = await import('../../src/dataset/sampler.js');
    const twins = randomImages(24, 2, 5);
    // Images 0, 2, 4, 6 and 8 (class 0) are copies of image 0; 3 is a copy of 1 (class 1).
    for (const i of [2, 4, 6, 8]) twins.pixels.copyWithin(i * 64, 0, 64);
    twins.pixels.copyWithin(3 * 64, 64, 128);
    for (const mode of ['shared', 'per-class'] as const) {
      // Seed 1: the plain split would hold out some copies of image 0 and train on others, in both modes.
      const cfg = { ...config, seed: 1, gan: { ...config.gan, mode }, train: { ...config.train, validation: 0.4 } };
      const heldOf = ganHeldOut(twins, cfg);
      for (const c of [0, 1]) {
        const own = [...twins.labels.keys()].filter((i) => twins.labels[i] === c);
        const t = new Trainer(mode === 'shared' ? twins : { ...pickImages(twins, own), labels: new Int32Array(own.length), numClasses: 1 }, cfg);
        const trainerHeld = mode === 'shared' ? t.held.filter((i) => twins.labels[i] === c) : t.held.map((k) => own[k]!);
        t.dispose();
        expect(heldOf(c), `${mode}, class ${c}`).toEqual(trainerHeld);
        expect(trainerHeld.length, `${mode}, class ${c}`).toBeGreaterThan(0);
        const copies = c === 0 ? [0, 2, 4, 6, 8] : [1, 3];
        expect(new Set(copies.map((i) => trainerHeld.includes(i))).size, `${mode}, class ${c}: copies on one side`).toBe(1);
      }
    }
  });
});

describe('metrics.jsonl that cannot be written', () => {
  it('fails the run with the write error, naming the file, once training returns — not as a crash while it runs', async () => {
    const { mkdirSync, rmSync } = await import('node:fs');
    const path = await import('node:path');
    const { runPipeline } = await import('../../src/pipeline.js');
    const { initBackend: init } = await import('../../src/backend/select.js');
    const out = await tempDir();
    const cfg = parseConfigText(
      `input: ${FIXTURE}\nout: ${out}\ngan: {gWidth: 8, dWidth: 4, latentDim: 4, embedDim: 2}\ntrain: {steps: 6, batchSize: 4, logEvery: 1}\nguard: off\n`,
      '/tmp/c.yaml',
    ).config;
    const metrics = path.join(out, 'train', 'metrics.jsonl');
    let blocked = false;
    // After the first step, a folder where the metrics file is: every later append fails (EISDIR), while
    // training still runs — the case of a disk that fills up mid-training.
    const onEvent = (e: { type: string }) => {
      if (e.type !== 'train.step' || blocked) return;
      rmSync(metrics, { force: true });
      mkdirSync(metrics, { recursive: true });
      blocked = true;
    };
    await expect(runPipeline(cfg, { backend: await init('wasm'), onEvent })).rejects.toMatchObject({ code: 'EISDIR', path: metrics });
    expect(blocked).toBe(true);
  });
});

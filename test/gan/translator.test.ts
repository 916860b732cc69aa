import { tf } from '../../src/tf.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/select.js';
import { parseConfigText } from '../../src/config/load.js';
import { Adam } from '../../src/gan/adam.js';
import { drawAugment } from '../../src/gan/augment.js';
import { loadCheckpoint, saveCheckpoint } from '../../src/gan/checkpoint.js';
import { buildDiscriminator } from '../../src/gan/discriminator.js';
import { trainGan, type TrainerSnapshot } from '../../src/gan/train-loop.js';
import { buildTranslator, isTranslator, translate, translatorDepth, translatorSpec } from '../../src/gan/translator.js';
import {
  DEFAULT_TRANSLATE,
  otherLabels,
  trainTranslatorDiscriminatorStep,
  trainTranslatorStep,
  translatorLosses,
  type TranslateInput,
  type TranslatorState,
} from '../../src/gan/translator-step.js';
import { pickSources, sourceClasses } from '../../src/generate/translate.js';
import { Rng } from '../../src/util/rng.js';
import { tempDir } from '../helpers/tmp.js';
import { randomImages } from '../helpers/small-gan.js';
import { asRun } from '../helpers/config.js';

beforeAll(async () => {
  await initBackend('wasm');
});

const snapshot = (params: Record<string, tf.Variable>) => Object.fromEntries(Object.entries(params).map(([k, v]) => [k, v.dataSync().slice() as Float32Array]));
const changed = (before: Record<string, Float32Array>, params: Record<string, tf.Variable>) =>
  Object.keys(params).filter((k) => params[k]!.dataSync().some((v, i) => v !== before[k]![i]));

function smallState(): TranslatorState {
  const rng = new Rng(3);
  const g = buildTranslator(translatorSpec({ numClasses: 3, size: 12, channels: 1, width: 4, resBlocks: 1 }), rng);
  const d = buildDiscriminator({ numClasses: 3, width: 4, size: 12, channels: 1, head: 'projection', mbstd: true }, rng);
  return { g, d, optG: new Adam(g.params, 1e-3, 0.5, 0.999), optD: new Adam(d.params, 1e-3, 0.5, 0.999) };
}

function smallInput(seed: number): TranslateInput {
  const rng = new Rng(seed);
  const aug = () => drawAugment(rng, 6, 12, 1, ['color', 'translation', 'cutout'], 1);
  const labels = [0, 1, 2, 0, 1, 2];
  return {
    real: tf.tensor4d(rng.normal(new Float32Array(6 * 12 * 12)).map(Math.tanh), [6, 12, 12, 1]),
    realLabels: tf.tensor1d(labels, 'int32'),
    targetLabels: tf.tensor1d(otherLabels(rng, labels, [0, 1, 2]), 'int32'),
    augReal: aug(),
    augFake: aug(),
  };
}

describe('translator', () => {
  it('depth follows the size; output has the input shape, in [-1, 1], one image independent of the others', () => {
    expect([28, 32, 64, 12].map(translatorDepth)).toEqual([2, 2, 3, 1]);
    for (const [size, channels] of [
      [28, 1],
      [32, 3],
      [64, 3],
    ] as const) {
      const t = buildTranslator(translatorSpec({ numClasses: 2, size, channels, width: 2, resBlocks: 1 }), new Rng(1));
      expect(isTranslator(t)).toBe(true);
      const x = tf.tensor4d(new Rng(2).normal(new Float32Array(2 * size * size * channels)).map(Math.tanh), [2, size, size, channels]);
      const y = translate(t, x, tf.tensor1d([1, 0], 'int32'));
      expect(y.shape).toEqual([2, size, size, channels]);
      const v = y.dataSync();
      expect(Math.max(...v)).toBeLessThanOrEqual(1);
      expect(Math.min(...v)).toBeGreaterThanOrEqual(-1);
      const one = translate(t, x.slice([1, 0, 0, 0], [1, size, size, channels]), tf.tensor1d([0], 'int32'));
      expect(Array.from(one.dataSync())).toEqual(Array.from(v.slice(size * size * channels)));
      tf.dispose([x, y, one, ...Object.values(t.params)]);
    }
  });

  it('cycle and identity losses are zero for an identity generator, positive for another', () => {
    const s = smallState();
    const input = smallInput(1);
    const id = translatorLosses((x) => x, s.d, input.real, input.realLabels, input.targetLabels, DEFAULT_TRANSLATE);
    expect(id.cycle.dataSync()[0]).toBe(0);
    expect(id.identity.dataSync()[0]).toBe(0);
    const neg = translatorLosses((x) => x.neg() as tf.Tensor4D, s.d, input.real, input.realLabels, input.targetLabels, DEFAULT_TRANSLATE);
    expect(neg.cycle.dataSync()[0]).toBe(0); // negating twice gives x back
    expect(neg.identity.dataSync()[0]).toBeGreaterThan(0.1);
    const half = translatorLosses((x) => x.mul(0.5) as tf.Tensor4D, s.d, input.real, input.realLabels, input.targetLabels, DEFAULT_TRANSLATE);
    expect(half.cycle.dataSync()[0]).toBeGreaterThan(0.1);
  });

  it('steps leak no tensor; the D step moves only D, the G step only the translator', () => {
    const state = smallState();
    const input = smallInput(2);
    trainTranslatorDiscriminatorStep(state, input);
    trainTranslatorStep(state, input);
    const count = tf.memory().numTensors;
    const g0 = snapshot(state.g.params);
    const d0 = snapshot(state.d.params);
    const r = trainTranslatorDiscriminatorStep(state, input);
    expect(tf.memory().numTensors).toBe(count);
    expect([r.loss, r.dReal, r.dFake].every(Number.isFinite)).toBe(true);
    expect(changed(g0, state.g.params)).toEqual([]);
    expect(changed(d0, state.d.params).sort()).toEqual(Object.keys(state.d.params).sort());
    const g1 = snapshot(state.g.params);
    const d1 = snapshot(state.d.params);
    const gs = trainTranslatorStep(state, input);
    expect(tf.memory().numTensors).toBe(count);
    expect([gs.loss, gs.adversarial, gs.cycle, gs.identity].every(Number.isFinite)).toBe(true);
    expect(changed(d1, state.d.params)).toEqual([]);
    // Every weight moves; a class-conditional norm table moves because all three classes are in the batch.
    expect(changed(g1, state.g.params).sort()).toEqual(Object.keys(state.g.params).sort());
    tf.dispose(Object.values(input).filter((v) => v instanceof tf.Tensor));
  });

  it('other-class targets never equal the source class', () => {
    const t = otherLabels(new Rng(5), [0, 1, 2, 2, 1, 0, 0], [0, 1, 2]);
    expect(Array.from(t).every((c, i) => c !== [0, 1, 2, 2, 1, 0, 0][i])).toBe(true);
    expect(Array.from(otherLabels(new Rng(5), [1], [1]))).toEqual([1]);
  });
});

describe('translate mode in the training loop', () => {
  const config = asRun(parseConfigText(
    'input: x\ndecode: {size: 8}\ngan: {mode: translate, dWidth: 4, translate: {width: 2, resBlocks: 1}}\ntrain: {steps: 6, batchSize: 4, checkpointEvery: 3, logEvery: 1}\n',
    '/tmp/c.yaml',
  ).config);
  const data = randomImages(12, 3);
  const bytes = (p: Record<string, tf.Variable>) => Object.fromEntries(Object.entries(p).map(([k, v]) => [k, Buffer.from((v.dataSync() as Float32Array).buffer).toString('base64')]));

  it('a run resumed from a checkpoint on disk ends with byte-identical weights', async () => {
    let at3: TrainerSnapshot | null = null;
    const full = await trainGan(data, config, {
      onCheckpoint: async (s) => {
        if (s.step === 3) at3 = s;
      },
    });
    expect(isTranslator(full.g)).toBe(true);
    expect(full.history.at(-1)!.diversity).toBeDefined();
    const dir = await tempDir();
    await saveCheckpoint(dir, at3!, { job: 'shared', labels: ['a', 'b', 'c'], config, resumeKey: 'k', version: 'test' });
    const loaded = await loadCheckpoint(dir);
    const resumed = await trainGan(data, config, { resume: loaded!.snapshot });
    expect(resumed.resumedFrom).toBe(3);
    expect(bytes(resumed.g.params)).toEqual(bytes(full.g.params));
    expect(bytes(resumed.d.params)).toEqual(bytes(full.d.params));
    full.dispose();
    resumed.dispose();
  });
});

describe('source images', () => {
  it('source classes: non-scarce, others, or a list; never the target', () => {
    const labels = ['a', 'b', 'c', 'd'];
    expect(sourceClasses(labels, 'c', ['c', 'd'], 'non-scarce')).toEqual(['a', 'b']);
    expect(sourceClasses(labels, 'c', ['c', 'd'], 'others')).toEqual(['a', 'b', 'd']);
    expect(sourceClasses(labels, 'c', ['c', 'd'], ['c', 'd'])).toEqual(['d']);
    expect(sourceClasses(['c', 'd'], 'c', ['c', 'd'], 'non-scarce')).toEqual(['d']);
  });

  it('balanced takes as many from each class, distinct, seeded; proportional pools them', () => {
    const labels = Int32Array.from([0, 0, 0, 0, 0, 0, 1, 1, 2, 2, 2, 2]);
    const b = pickSources(labels, [0, 2], 6, 'balanced', 9);
    expect(b.map((i) => labels[i])).toEqual([0, 2, 0, 2, 0, 2]);
    expect(new Set(b).size).toBe(6);
    expect(pickSources(labels, [0, 2], 6, 'balanced', 9)).toEqual(b);
    expect(pickSources(labels, [0, 1], 20, 'balanced', 9)).toHaveLength(8);
    const p = pickSources(labels, [0, 1], 8, 'proportional', 9);
    expect(p.map((i) => labels[i]).sort()).toEqual([0, 0, 0, 0, 0, 0, 1, 1]);
  });
});

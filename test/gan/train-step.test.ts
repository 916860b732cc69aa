import { tf } from '../../src/tf.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/select.js';
import { discriminate, type DiscriminatorHead } from '../../src/gan/discriminator.js';
import { generate, type GeneratorArch, type GeneratorConditioning } from '../../src/gan/generator.js';
import type { LossName } from '../../src/gan/arch.js';
import { modeSeekingLoss, trainDiscriminatorStep, trainGeneratorStep, type StepSettings } from '../../src/gan/train-step.js';
import { pairedLabels } from '../../src/gan/train-loop.js';
import { Rng } from '../../src/util/rng.js';
import { makeSmallInput, makeSmallState } from '../helpers/small-gan.js';

beforeAll(async () => {
  await initBackend('wasm');
});

const snapshot = (params: Record<string, tf.Variable>) => Object.fromEntries(Object.entries(params).map(([k, v]) => [k, v.dataSync().slice() as Float32Array]));
const changed = (before: Record<string, Float32Array>, params: Record<string, tf.Variable>) =>
  Object.keys(params).filter((k) => params[k]!.dataSync().some((v, i) => v !== before[k]![i]));
const trainableNames = (params: Record<string, tf.Variable>) => Object.keys(params).filter((k) => params[k]!.trainable).sort();

describe('training steps', () => {
  const combos: [LossName, DiscriminatorHead, number, number, boolean, boolean, GeneratorArch?, GeneratorConditioning?][] = [
    ['ns', 'projection', 0, 0, true, false],
    ['ns', 'projection', 1, 0, true, false, 'upsample'],
    ['hinge', 'projection', 1, 0, true, true, 'upsample'],
    ['ns', 'concat', 1, 0, false, false],
    ['hinge', 'projection', 1, 0, true, true],
    ['hinge', 'acgan', 0.5, 0, false, true],
    ['wgan-gp', 'projection', 1, 0, true, false],
    ['ns', 'projection', 1, 10, true, false],
    ['ns', 'acgan', 1, 1, true, true],
    ['ns', 'projection', 1, 0, true, false, 'dcgan', 'batchnorm'],
    ['hinge', 'projection', 1, 10, true, true, 'upsample-refine', 'batchnorm'],
    ['ns', 'projection', 1, 0, true, false, 'upsample', 'both'],
  ];
  it.each(combos)('loss %s, head %s, augment p=%s, R1 γ=%s, mbstd %s, SN %s, G %s, class by %s: no leak; D step moves only D, G step only G (every weight)', (loss, head, p, r1Gamma, mbstd, spectralNorm, arch, conditioning) => {
    const settings: StepSettings = { loss, r1Gamma, gpWeight: 10 };
    const state = makeSmallState(head, { mbstd, spectralNorm, ...(arch ? { arch } : {}), ...(conditioning ? { conditioning } : {}) });
    const input = makeSmallInput(1, p);
    trainDiscriminatorStep(state, input, settings);
    trainGeneratorStep(state, input, settings);
    const count = tf.memory().numTensors;
    const g0 = snapshot(state.g.params);
    const d0 = snapshot(state.d.params);
    const r = trainDiscriminatorStep(state, input, settings);
    expect(tf.memory().numTensors).toBe(count);
    expect([r.loss, r.dReal, r.dFake].every(Number.isFinite)).toBe(true);
    expect(r.realLogits).toHaveLength(6);
    expect(changed(g0, state.g.params)).toEqual([]);
    // Hinge at initialisation: every margin is active, so the output bias gets exactly −1 + 1 = 0.
    const still = loss === 'hinge' || loss === 'wgan-gp' ? ['denseB'] : [];
    expect(changed(d0, state.d.params).sort()).toEqual(trainableNames(state.d.params).filter((n) => !still.includes(n)));
    const g1 = snapshot(state.g.params);
    const d1 = snapshot(state.d.params);
    const gs = trainGeneratorStep(state, input, settings);
    expect(tf.memory().numTensors).toBe(count);
    expect(Number.isFinite(gs.loss)).toBe(true);
    expect(changed(d1, state.d.params)).toEqual([]);
    expect(changed(g1, state.g.params).sort()).toEqual(trainableNames(state.g.params));
    tf.dispose(Object.values(input).filter((v) => v instanceof tf.Tensor));
  });

  it('D steps lower the D loss on a fixed batch; G steps lower the G loss', () => {
    const state = makeSmallState();
    const input = makeSmallInput(3);
    const d1 = trainDiscriminatorStep(state, input).loss;
    let d = d1;
    for (let i = 0; i < 15; i++) d = trainDiscriminatorStep(state, input).loss;
    expect(d).toBeLessThan(d1);
    const g1 = trainGeneratorStep(state, input).loss;
    let g = g1;
    for (let i = 0; i < 15; i++) g = trainGeneratorStep(state, input).loss;
    expect(g).toBeLessThan(g1);
  });

  it('models have the documented output shapes and ranges', () => {
    const state = makeSmallState();
    const input = makeSmallInput(4);
    const img = generate(state.g, input.z, input.fakeLabels);
    expect(img.shape).toEqual([6, 12, 12, 1]);
    const v = img.dataSync();
    expect(Math.max(...v)).toBeLessThanOrEqual(1);
    expect(Math.min(...v)).toBeGreaterThanOrEqual(-1);
    expect(discriminate(state.d, img, input.fakeLabels).shape).toEqual([6]);
  });
});

describe('mode seeking (gan.modeSeeking)', () => {
  it('is large when the two halves are the same image, small when they differ as much as their latents; no leak', () => {
    const z = tf.tensor2d([0, 0, 1, 1], [2, 2]);
    const same = tf.zeros([2, 4, 4, 1]) as tf.Tensor4D;
    const apart = tf.concat([tf.zeros([1, 4, 4, 1]), tf.ones([1, 4, 4, 1])]) as tf.Tensor4D;
    const before = tf.memory().numTensors;
    const a = modeSeekingLoss(same, z);
    const b = modeSeekingLoss(apart, z);
    expect(tf.memory().numTensors).toBe(before + 2);
    expect(a.dataSync()[0]).toBeCloseTo(1e5, -1);
    expect(b.dataSync()[0]).toBeCloseTo(1 / (1 + 1e-5), 6);
    tf.dispose([z, same, apart, a, b]);
  });

  it('pairedLabels repeats the first half in the second (odd batches too)', () => {
    for (const n of [6, 7]) {
      const l = pairedLabels(new Rng(3), n, [0, 2, 5]);
      const half = Math.floor(n / 2);
      for (let i = 0; i < half; i++) expect(l[i + half]).toBe(l[i]);
      expect(l.every((c) => [0, 2, 5].includes(c))).toBe(true);
    }
  });

  it('a G step with it moves only G, leaks nothing, and differs from one without it', () => {
    const run = (modeSeeking: number) => {
      const state = makeSmallState('projection');
      const input = makeSmallInput(5, 0.5);
      const settings: StepSettings = { loss: 'ns', r1Gamma: 0, gpWeight: 10, modeSeeking };
      trainGeneratorStep(state, input, settings);
      const count = tf.memory().numTensors;
      const d0 = snapshot(state.d.params);
      trainGeneratorStep(state, input, settings);
      expect(tf.memory().numTensors).toBe(count);
      expect(changed(d0, state.d.params)).toEqual([]);
      const w = state.g.params['denseW']!.dataSync().slice();
      tf.dispose(Object.values(input).filter((v) => v instanceof tf.Tensor));
      return w;
    };
    const off = run(0);
    const on = run(1);
    expect(off.some((v, i) => v !== on[i])).toBe(true);
  });
});

it('with gan.classNoise, a D step and a G step take the longer latent, move only their own model and leak nothing', () => {
  const state = makeSmallState('projection', { classNoise: 1 });
  const input = makeSmallInput(5, 0.5);
  const z = tf.tensor2d(new Rng(6).normal(new Float32Array(6 * 24)), [6, 24]);
  const step = { ...input, z };
  trainDiscriminatorStep(state, step);
  trainGeneratorStep(state, step);
  const count = tf.memory().numTensors;
  const [g0, d0] = [snapshot(state.g.params), snapshot(state.d.params)];
  trainDiscriminatorStep(state, step);
  expect(changed(g0, state.g.params)).toEqual([]);
  const d1 = snapshot(state.d.params);
  trainGeneratorStep(state, step);
  expect(changed(d1, state.d.params)).toEqual([]);
  expect(changed(g0, state.g.params)).toContain('embed');
  expect(changed(d0, state.d.params).length).toBeGreaterThan(0);
  expect(tf.memory().numTensors).toBe(count);
  tf.dispose([z, ...Object.values(input).filter((v) => v instanceof tf.Tensor)]);
});

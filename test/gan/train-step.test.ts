import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/select.js';
import { buildDiscriminator, discriminate } from '../../src/gan/discriminator.js';
import { buildGenerator, generate } from '../../src/gan/generator.js';
import { trainDiscriminatorStep, trainGeneratorStep, type GanState, type StepInput } from '../../src/gan/train-step.js';
import { Rng } from '../../src/util/rng.js';

beforeAll(async () => {
  await initBackend('wasm');
});

const spec = { numClasses: 3, latentDim: 16, embedDim: 8, width: 16, size: 12, channels: 1 };

function makeState(): GanState {
  const rng = new Rng(7);
  return {
    g: buildGenerator(spec, rng),
    d: buildDiscriminator({ numClasses: 3, width: 8, size: 12, channels: 1 }, rng),
    optG: tf.train.adam(1e-3, 0.5, 0.999),
    optD: tf.train.adam(1e-3, 0.5, 0.999),
  };
}

function makeInput(seed: number): StepInput {
  const rng = new Rng(seed);
  return {
    real: tf.tensor4d(rng.normal(new Float32Array(6 * 12 * 12)).map(Math.tanh), [6, 12, 12, 1]),
    realLabels: tf.tensor1d([0, 1, 2, 0, 1, 2], 'int32'),
    z: tf.tensor2d(rng.normal(new Float32Array(6 * 16)), [6, 16]),
    fakeLabels: tf.tensor1d([2, 2, 1, 0, 0, 1], 'int32'),
  };
}

const snapshot = (params: Record<string, tf.Variable>) => Object.fromEntries(Object.entries(params).map(([k, v]) => [k, v.dataSync().slice()]));
const changed = (before: Record<string, Float32Array>, params: Record<string, tf.Variable>) =>
  Object.keys(params).filter((k) => params[k]!.dataSync().some((v, i) => v !== before[k]![i]));

describe('training steps', () => {
  it('a D step leaks no tensor and moves only D’s trainable weights', () => {
    const state = makeState();
    const input = makeInput(1);
    trainDiscriminatorStep(state, input); // first step creates the optimizer's slots
    const count = tf.memory().numTensors;
    const g0 = snapshot(state.g.params);
    const d0 = snapshot(state.d.params);
    const r = trainDiscriminatorStep(state, input);
    expect(tf.memory().numTensors).toBe(count);
    expect(Number.isFinite(r.loss) && Number.isFinite(r.dReal) && Number.isFinite(r.dFake)).toBe(true);
    expect(changed(g0, state.g.params)).toEqual([]);
    expect(changed(d0, state.d.params).sort()).toEqual(Object.keys(state.d.params).sort());
  });

  it('a G step leaks no tensor and moves only G’s trainable weights', () => {
    const state = makeState();
    const input = makeInput(2);
    trainGeneratorStep(state, input);
    const count = tf.memory().numTensors;
    const g0 = snapshot(state.g.params);
    const d0 = snapshot(state.d.params);
    const r = trainGeneratorStep(state, input);
    expect(tf.memory().numTensors).toBe(count);
    expect(Number.isFinite(r.loss)).toBe(true);
    expect(changed(d0, state.d.params)).toEqual([]);
    const trainableG = Object.keys(state.g.params).filter((k) => state.g.params[k]!.trainable);
    expect(changed(g0, state.g.params).sort()).toEqual(trainableG.sort());
  });

  it('D steps lower the D loss on a fixed batch; G steps lower the G loss', () => {
    const state = makeState();
    const input = makeInput(3);
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
    const state = makeState();
    const input = makeInput(4);
    const img = generate(state.g, input.z, input.fakeLabels);
    expect(img.shape).toEqual([6, 12, 12, 1]);
    const v = img.dataSync();
    expect(Math.max(...v)).toBeLessThanOrEqual(1);
    expect(Math.min(...v)).toBeGreaterThanOrEqual(-1);
    expect(discriminate(state.d, img, input.fakeLabels).shape).toEqual([6]);
  });
});

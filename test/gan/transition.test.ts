/**
 * The unconditional → conditional transition (gan.transition): the pure schedule, and what λ does to
 * one training step — at λ = 0 the class neither shapes G's images nor D's logit, so neither class
 * parameter (G's embedding, D's projection) gets a gradient; at λ = 1 the step is today's step.
 */
import { tf } from '../../src/tf.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/select.js';
import { parseConfigText } from '../../src/config/load.js';
import { validateConfig } from '../../src/config/validate.js';
import { discriminate, discriminateAux } from '../../src/gan/discriminator.js';
import { generate } from '../../src/gan/generator.js';
import { trainDiscriminatorStep, trainGeneratorStep } from '../../src/gan/train-step.js';
import { conditionWeight } from '../../src/gan/transition.js';
import { makeSmallInput, makeSmallState } from '../helpers/small-gan.js';

beforeAll(async () => {
  await initBackend('wasm');
});

describe('conditionWeight', () => {
  it('is 0 until start·steps, rises linearly, and is 1 from end·steps; 1 throughout when end is 0', () => {
    const t = { start: 0.2, end: 0.6 };
    expect([1, 20, 30, 40, 50, 60, 100].map((s) => conditionWeight(s, 100, t))).toEqual([0, 0, 0.25, 0.5, 0.75, 1, 1]);
    expect([1, 50, 100].map((s) => conditionWeight(s, 100, { start: 0, end: 0 }))).toEqual([1, 1, 1]);
    expect(conditionWeight(1, 100, { start: 0, end: 0.5 })).toBeCloseTo(0.02, 10);
  });

  it('is off by default, and a start not below end is a keyed config error', () => {
    expect(parseConfigText('input: x\n', '(t)').config.gan.transition).toEqual({ start: 0, end: 0 });
    const r = validateConfig({ input: 'x', gan: { transition: { start: 0.5, end: 0.4 } } });
    expect(r.ok).toBe(false);
    expect(r.ok ? [] : r.problems).toEqual([expect.stringMatching(/^gan\.transition\.start: expected a number below transition\.end \(0\.4\)/)]);
  });
});

describe('a training step at λ', () => {
  const snap = (v: tf.Variable) => v.dataSync().slice() as Float32Array;
  const same = (a: Float32Array, b: Float32Array) => a.every((x, i) => x === b[i]);

  it('λ = 0: G ignores the class, D ignores it, and neither class parameter moves; no leak', () => {
    const state = makeSmallState('projection');
    const input = makeSmallInput(2, 0.5);
    const z = tf.tile(input.z.slice([0, 0], [1, 16]), [3, 1]) as tf.Tensor2D;
    const imgs = generate(state.g, z, tf.tensor1d([0, 1, 2], 'int32'), 'train', 0).dataSync();
    const per = imgs.length / 3;
    for (let i = 0; i < per; i++) expect([imgs[per + i], imgs[2 * per + i]]).toEqual([imgs[i], imgs[i]]);
    trainDiscriminatorStep(state, { ...input, condition: 0 });
    trainGeneratorStep(state, { ...input, condition: 0 });
    const count = tf.memory().numTensors;
    const embed = snap(state.g.params['embed']!);
    const proj = snap(state.d.params['projection']!);
    const dense = snap(state.d.params['denseW']!);
    trainDiscriminatorStep(state, { ...input, condition: 0 });
    trainGeneratorStep(state, { ...input, condition: 0 });
    expect(tf.memory().numTensors).toBe(count);
    expect(same(embed, snap(state.g.params['embed']!))).toBe(true);
    expect(same(proj, snap(state.d.params['projection']!))).toBe(true);
    expect(same(dense, snap(state.d.params['denseW']!))).toBe(false);
    // At λ = 0 D's logit does not depend on the label; at λ = 1 (discriminate's default) it does.
    const x = tf.concat([input.real.slice([0, 0, 0, 0], [1, 12, 12, 1]), input.real.slice([0, 0, 0, 0], [1, 12, 12, 1])]) as tf.Tensor4D;
    const labels = tf.tensor1d([0, 2], 'int32');
    const at0 = discriminateAux(state.d, x, labels, false, 0).logits.dataSync();
    expect(at0[0]).toBe(at0[1]);
    const at1 = discriminate(state.d, x, labels).dataSync();
    expect(at1[0]).not.toBe(at1[1]);
    tf.dispose([z, x, labels]);
    tf.dispose(Object.values(input).filter((v) => v instanceof tf.Tensor));
  });

  it('λ = 1 is the step without a transition (same weights, bit for bit)', () => {
    const run = (condition?: number) => {
      const state = makeSmallState('projection');
      const input = makeSmallInput(3, 0.5);
      trainDiscriminatorStep(state, { ...input, ...(condition === undefined ? {} : { condition }) });
      trainGeneratorStep(state, { ...input, ...(condition === undefined ? {} : { condition }) });
      const out = [snap(state.g.params['embed']!), snap(state.d.params['projection']!)];
      tf.dispose(Object.values(input).filter((v) => v instanceof tf.Tensor));
      return out;
    };
    const [e1, p1] = run();
    const [e2, p2] = run(1);
    expect(same(e1!, e2!) && same(p1!, p2!)).toBe(true);
    const [e3] = run(0.5);
    expect(same(e1!, e3!)).toBe(false);
  });
});

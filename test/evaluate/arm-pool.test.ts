/**
 * Evaluation classifiers on several threads (evaluate/arm-pool.ts): real tfjs classifiers on wasm, this
 * thread and a real worker thread; each job's test logits are the bytes one thread gives, whatever the
 * thread count and whichever thread trained it.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/select.js';
import type { ArmPool } from '../../src/evaluate/arms.js';
import { planClassifierThreads, trainArms } from '../../src/evaluate/arm-pool.js';
import type { EvalTrainSettings } from '../../src/evaluate/train.js';
import { InterruptedError } from '../../src/errors.js';
import { randomImages } from '../helpers/small-gan.js';

beforeAll(async () => {
  await initBackend('wasm');
});

describe('planClassifierThreads', () => {
  it('auto: one per core, at most 2 and at most one per classifier, where a worker can run the backend; else one', () => {
    expect(planClassifierThreads('auto', 'wasm', 2, 15).threads).toBe(2);
    expect(planClassifierThreads('auto', 'native', 16, 15).threads).toBe(2);
    expect(planClassifierThreads('auto', 'wasm', 1, 15)).toMatchObject({ threads: 1, reason: 'one core' });
    expect(planClassifierThreads('auto', 'wasm', 2, 1).threads).toBe(1);
    expect(planClassifierThreads('auto', null, 2, 15).threads).toBe(1);
    expect(planClassifierThreads(3, 'wasm', 2, 15).threads).toBe(3);
    expect(planClassifierThreads(3, 'wasm', 2, 2).threads).toBe(2);
    expect(planClassifierThreads(1, 'wasm', 8, 15).threads).toBe(1);
  });
});

describe('trainArms', () => {
  const train = randomImages(40, 3, 11);
  const test = randomImages(12, 3, 12);
  const settings: EvalTrainSettings = { steps: 12, batchSize: 8, lr: 1e-3, shift: 1, widths: [4, 8] };
  const arm = (name: ArmPool['name'], pool: number[], soft = false): ArmPool => ({
    name,
    pool: Int32Array.from(pool),
    classWeight: Float32Array.from([1, 2, 1]),
    ...(soft ? { imageWeight: new Float32Array(40).fill(0.5), soft: Float32Array.from({ length: 120 }, (_, i) => (i % 3 === 0 ? 0.8 : 0.1)) } : {}),
  });
  const jobs = [
    { arm: arm('real', [...Array(40).keys()]), seed: 0 },
    { arm: arm('oversample', [...Array(40).keys(), 0, 3, 6]), seed: 0 },
    { arm: arm('synthetic', [...Array(30).keys()], true), seed: 1 },
    { arm: arm('real', [...Array(40).keys()]), seed: 1 },
  ];

  it('gives each job the logits one thread gives, in job order, on two threads', async () => {
    const one = await trainArms(train, test, settings, jobs, { threads: 1 });
    const done: number[] = [];
    const warned: string[] = [];
    const two = await trainArms(train, test, settings, jobs, { threads: 2, onDone: (j) => done.push(j), onWarn: (m) => warned.push(m) });
    expect(warned).toEqual([]);
    expect(one.threads).toBe(1);
    expect(two.threads).toBe(2);
    expect(two.logits.map((l) => [...l])).toEqual(one.logits.map((l) => [...l]));
    expect(one.logits[0]).toHaveLength(12 * 3);
    // Different arms and seeds, different classifiers.
    expect([...one.logits[0]!]).not.toEqual([...one.logits[3]!]);
    expect(done.sort()).toEqual([0, 1, 2, 3]);
  }, 60_000);

  it('trains a job that inspects its classifier on this thread, with the classifier it tests', async () => {
    let seen = 0;
    const inspected = jobs.map((j, i) => (i === 2 ? { ...j, inspect: async (c: { spec: { seed: number } }) => void (seen = c.spec.seed + 100) } : j));
    const { logits } = await trainArms(train, test, settings, inspected, { threads: 2 });
    expect(seen).toBe(101);
    const alone = await trainArms(train, test, settings, [jobs[2]!], { threads: 1 });
    expect([...logits[2]!]).toEqual([...alone.logits[0]!]);
  }, 60_000);

  it('stops on abort with InterruptedError, also before its thread has started', async () => {
    const ctl = new AbortController();
    const long = { ...settings, steps: 400 };
    let steps = 0;
    const p = trainArms(train, test, long, jobs, { threads: 2, signal: ctl.signal, progressEvery: 1, onStep: () => ++steps === 30 && ctl.abort() });
    await expect(p).rejects.toThrow(InterruptedError);
    expect(steps).toBeLessThan(4 * 400);
  }, 60_000);
});

/**
 * Sampling candidates (generate/sample.ts): one seed per image reproduces it, and an aborted signal
 * stops sampling at the next batch (issue 17 item 14) without leaking tensors.
 */
import { tf } from '../../src/tf.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/select.js';
import { InterruptedError } from '../../src/errors.js';
import { sampleClass, seedsFor } from '../../src/generate/sample.js';
import { makeSmallState } from '../helpers/small-gan.js';

beforeAll(async () => {
  await initBackend('cpu');
});

describe('sampleClass', () => {
  it('gives each seed the same image whatever the batch it falls in', async () => {
    const { g, d } = makeSmallState();
    const seeds = seedsFor(3, 1, 7);
    const a = await sampleClass(g, d, 1, 7, seeds, 7);
    const b = await sampleClass(g, d, 1, 7, seeds, 3);
    expect(b.pixels).toEqual(a.pixels);
    expect(Array.from(b.scores!)).toEqual(Array.from(a.scores!));
  });

  it('stops at the next batch once the signal is aborted, leaking no tensor', async () => {
    const { g, d } = makeSmallState();
    const controller = new AbortController();
    const before = tf.memory().numTensors;
    const done: number[] = [];
    const run = sampleClass(g, d, 0, 40, seedsFor(1, 0, 40), 4, {
      onProgress: (n) => {
        done.push(n);
        if (n === 8) controller.abort();
      },
      signal: controller.signal,
    });
    await expect(run).rejects.toThrow(InterruptedError);
    expect(done).toEqual([4, 8]);
    expect(tf.memory().numTensors).toBe(before);
  });
});

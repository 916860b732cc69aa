/** Shared by the backend tests: run the same computation on cpu and on wasm and compare. */
import { tf } from '../../src/tf.js';
import { expect } from 'vitest';
import { Rng } from '../../src/util/rng.js';

/** Runs `fn` on cpu and on wasm and returns the largest error relative to the largest cpu magnitude. */
export async function compare(fn: () => tf.Tensor | tf.Tensor[]): Promise<number> {
  const run = async (backend: string) => {
    await tf.setBackend(backend);
    const out = tf.tidy(fn);
    const list = Array.isArray(out) ? out : [out];
    const values = list.map((t) => Float64Array.from(t.dataSync()));
    tf.dispose(list);
    return values;
  };
  const ref = await run('cpu');
  const got = await run('wasm');
  let err = 0;
  let scale = 0;
  ref.forEach((r, i) => {
    expect(got[i]!.length).toBe(r.length);
    r.forEach((v, j) => {
      scale = Math.max(scale, Math.abs(v));
      err = Math.max(err, Math.abs(v - got[i]![j]!));
    });
  });
  expect(scale).toBeGreaterThan(0);
  return err / scale;
}

/** Seeded standard normals of a shape. */
export const values = (shape: number[], seed: number) => new Rng(seed).normal(new Float32Array(shape.reduce((a, b) => a * b, 1)));

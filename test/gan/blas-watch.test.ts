/**
 * `train.blasThreads: auto` while training runs: the count follows the machine's load, each change said and
 * recorded, and nothing more once stopped. Real timers; the load readings are given.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { watchBlasLoad, type BlasChange } from '../../src/gan/parallel/blas-watch.js';

describe('watchBlasLoad', () => {
  it('lowers the count where another program takes a core, raises it where it ends, and stops when told', async () => {
    // Other processes' load at each reading (2 cores): busy, busy, gone, gone, then light for the rest.
    const readings = [1.0, 0.9, 0.1, 0.0];
    let reads = 0;
    const set: number[] = [];
    const said: [BlasChange, number][] = [];
    const watch = watchBlasLoad({
      processThreads: 2,
      threads: 2,
      read: () => ({ othersBusy: readings[reads++] ?? 0.3, ownBusy: 1, cores: 2 }),
      set: (n) => set.push(n),
      onChange: (c, cores) => said.push([c, cores]),
      everyMs: 20,
    });
    while (reads < 6) await sleep(10);
    const changes = watch.stop();
    const readsAtStop = reads;
    expect(set).toEqual([1, 2]);
    expect(changes.map((c) => [c.threads, c.othersBusy])).toEqual([
      [1, 1],
      [2, 0.1],
    ]);
    expect(changes[0]!.seconds).toBeGreaterThanOrEqual(0);
    expect(changes[1]!.seconds).toBeGreaterThanOrEqual(changes[0]!.seconds);
    expect(said.map(([c, cores]) => [c.threads, cores])).toEqual([
      [1, 2],
      [2, 2],
    ]);
    await sleep(80);
    expect(reads).toBe(readsAtStop);
  });

  it('never goes above the process count nor below one', async () => {
    let reads = 0;
    const set: number[] = [];
    const watch = watchBlasLoad({ processThreads: 1, threads: 1, read: () => (reads++, { othersBusy: 0, ownBusy: 0, cores: 8 }), set: (n) => set.push(n), onChange: () => {}, everyMs: 10 });
    while (reads < 3) await sleep(10);
    expect(watch.stop()).toEqual([]);
    const busy = watchBlasLoad({ processThreads: 2, threads: 2, read: () => (reads++, { othersBusy: 8, ownBusy: 0, cores: 2 }), set: (n) => set.push(n), onChange: () => {}, everyMs: 10 });
    const before = reads;
    while (reads < before + 3) await sleep(10);
    expect(busy.stop().map((c) => c.threads)).toEqual([1]);
    expect(set).toEqual([1]);
  });
});

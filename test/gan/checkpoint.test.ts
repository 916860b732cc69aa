/**
 * Checkpoints on disk: a process killed while writing one leaves a checkpoint whose state and weights
 * belong together — the previous one — and a folder of an older version (weights.bin) still loads.
 */
import { copyFile, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/select.js';
import { parseConfigText } from '../../src/config/load.js';
import { loadCheckpoint, saveCheckpoint } from '../../src/gan/checkpoint.js';
import { trainGan, type TrainerSnapshot } from '../../src/gan/train-loop.js';
import { asRun } from '../helpers/config.js';
import { randomImages } from '../helpers/small-gan.js';
import { tempDir } from '../helpers/tmp.js';

beforeAll(async () => {
  await initBackend('wasm');
});

describe('checkpoints on disk', () => {
  const config = asRun(parseConfigText('input: x\ndecode: {size: 8}\ngan: {gWidth: 8, dWidth: 4, latentDim: 4, embedDim: 2}\ntrain: {steps: 5, batchSize: 4, checkpointEvery: 1}\n', '/tmp/c.yaml').config);
  const meta = { job: 'shared', labels: ['0', '1'], config, resumeKey: 'k', version: 'test' };
  const snaps = new Map<number, TrainerSnapshot>();
  beforeAll(async () => {
    const r = await trainGan(randomImages(12, 2), config, { onCheckpoint: async (s) => void snaps.set(s.step, s) });
    r.dispose();
  });
  const gOf = (s: TrainerSnapshot) => Object.values(s.g).map((a) => Array.from(a));

  it('keeps one weights file, named by its step, beside the JSON that names it', async () => {
    const dir = await tempDir();
    await saveCheckpoint(dir, snaps.get(3)!, meta);
    await saveCheckpoint(dir, snaps.get(5)!, meta);
    expect((await readdir(dir)).sort()).toEqual(['checkpoint.json', 'weights-5.bin']);
    const loaded = (await loadCheckpoint(dir))!.snapshot;
    expect(loaded.step).toBe(5);
    expect(gOf(loaded)).toEqual(gOf(snaps.get(5)!));
    expect(gOf(snaps.get(5)!)).not.toEqual(gOf(snaps.get(3)!)); // the steps differ: the check can fail
  });

  it('killed after the new weights are written and before the JSON: loads the previous step with its own weights', async () => {
    const [dir, next] = [await tempDir(), await tempDir()];
    await saveCheckpoint(dir, snaps.get(3)!, meta);
    await saveCheckpoint(next, snaps.get(5)!, meta);
    // What the first write of the step-5 checkpoint leaves in `dir`: its weights file, and the step-3 JSON.
    for (const f of await readdir(next)) if (f.endsWith('.bin')) await copyFile(path.join(next, f), path.join(dir, f));
    const loaded = (await loadCheckpoint(dir))!.snapshot;
    expect(loaded.step).toBe(3);
    expect(gOf(loaded)).toEqual(gOf(snaps.get(3)!));
  });

  it("train.budgetSeconds counts a resumed job's earlier training when the same job goes on, not when it trains further; checkpoints carry the total", async () => {
    const budget = asRun(parseConfigText('input: x\ndecode: {size: 8}\ngan: {gWidth: 8, dWidth: 4, latentDim: 4, embedDim: 2}\ntrain: {steps: 5, batchSize: 4, checkpointEvery: 1, budgetSeconds: 1000}\n', '/tmp/c.yaml').config);
    const spent = { ...snaps.get(2)!, seconds: 1e6 };
    // Each step tells the progress output what is left of the budget.
    const left: (number | undefined)[] = [];
    const goingOn = await trainGan(randomImages(12, 2), budget, { resume: spent, budgetCountsResumed: true, onStep: (m) => void left.push(m.budgetLeft) });
    expect(goingOn.steps).toBe(3); // one step, then over its budget
    expect(left).toEqual([0]);
    goingOn.dispose();
    const seconds: number[] = [];
    left.length = 0;
    const further = await trainGan(randomImages(12, 2), budget, { resume: { ...snaps.get(2)!, seconds: 50 }, onCheckpoint: async (s) => void seconds.push(s.seconds!), onStep: (m) => void left.push(m.budgetLeft) });
    expect(further.steps).toBe(5);
    expect(left).toHaveLength(3);
    for (const l of left) expect(l).toBeGreaterThan(900); // a new budget: the 50 s before do not count
    expect(left[2]!).toBeLessThanOrEqual(left[0]!);
    further.dispose();
    expect(seconds).toHaveLength(3);
    expect(Math.min(...seconds)).toBeGreaterThanOrEqual(50);
    // … and on disk.
    const dir = await tempDir();
    await saveCheckpoint(dir, { ...snaps.get(2)!, seconds: 42.5 }, meta);
    expect((await loadCheckpoint(dir))!.snapshot.seconds).toBe(42.5);
  });

  it('loads a checkpoint written before the weights file was named by its step, and says what is wrong with a damaged one', async () => {
    const dir = await tempDir();
    await saveCheckpoint(dir, snaps.get(4)!, meta);
    const json = JSON.parse(await readFile(path.join(dir, 'checkpoint.json'), 'utf8'));
    delete json.weights;
    await writeFile(path.join(dir, 'checkpoint.json'), JSON.stringify(json));
    await rename(path.join(dir, 'weights-4.bin'), path.join(dir, 'weights.bin'));
    expect(gOf((await loadCheckpoint(dir))!.snapshot)).toEqual(gOf(snaps.get(4)!));
    await writeFile(path.join(dir, 'weights.bin'), new Uint8Array(8));
    await expect(loadCheckpoint(dir)).rejects.toThrow(/weights\.bin: shorter than checkpoint\.json says/);
    await writeFile(path.join(dir, 'checkpoint.json'), '{"format": "gan-augment/checkpo');
    await expect(loadCheckpoint(dir)).rejects.toThrow(/checkpoint\.json: not JSON/);
    expect(await loadCheckpoint(path.join(dir, 'none'))).toBeNull();
  });
});

describe('metrics of a resumed run', () => {
  it('keep the lines up to the checkpoint, dropping later ones and a line cut short by the kill', async () => {
    const { metricsUpTo } = await import('../../src/stages/train.js');
    const line = (step: number) => JSON.stringify({ job: 'shared', step, lossD: 1 });
    const text = [2, 4, 6, 8, 10].map(line).join('\n') + '\n' + line(12).slice(0, 9);
    expect(metricsUpTo(text, 8)).toBe([2, 4, 6, 8].map((s) => `${line(s)}\n`).join(''));
    expect(metricsUpTo('', 8)).toBe('');
  });
});

/**
 * On wasm without native kernels, `train.workers: auto` trains the quickstart's models on the threaded wasm
 * binary (gan/parallel/plan.ts `planWasmThreads`), and that changes no bits: the same run on the
 * single-thread binary (GAN_AUGMENT_WASM_THREADS=1) writes the same weights, the same synthetic images and, its
 * guard's classifiers trained one at a time there and two at a time here, the same manifest.
 */
import { createHash } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { ROOT, tempDir } from '../helpers/tmp.js';

const CONFIG = path.join(ROOT, 'configs/quickstart.yaml');
// The quickstart's models and batch (a step of 223 M multiply-adds) for 10 steps: 2.2 G, past what repays starting the threads.
const SETS = ['train.steps=10', 'train.checkpointEvery=10', 'train.sampleEvery=0', 'guard.steps=8', 'guard.seeds=2', 'features.classifier.steps=20', 'generate.oversample=1', 'filter.keepRejected=false', 'output.report=false'];

/** SHA-256 of every file under `dir` (relative path → hash), `skip` left out. */
async function hashes(dir: string, skip: (rel: string) => boolean): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const rel of (await readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name)))) {
    if (!skip(rel)) out[rel] = createHash('sha256').update(await readFile(path.join(dir, rel))).digest('hex');
  }
  return out;
}

describe('the threaded wasm binary under train.workers: auto', () => {
  it('trains the quickstart on two threads where there are two cores, and writes the bytes one thread writes', async () => {
    const [a, b] = [await tempDir(), await tempDir()];
    const [threaded, single] = await Promise.all([
      runCli(['run', CONFIG, '--backend', 'wasm', '--out', a, '--set', ...SETS], { env: { GAN_AUGMENT_WASM_THREADS: '' } }),
      runCli(['run', CONFIG, '--backend', 'wasm', '--out', b, '--set', ...SETS], { env: { GAN_AUGMENT_WASM_THREADS: '1' } }),
    ]);
    expect(threaded.code, threaded.stderr).toBe(0);
    expect(single.code, single.stderr).toBe(0);
    if (os.availableParallelism() >= 2) {
      expect(threaded.stderr).toContain('backend: wasm (SIMD, 2 threads, threaded binary (train.workers: auto, a training step of 223 M multiply-adds; GAN_AUGMENT_WASM_THREADS=1 turns it off))');
    } else {
      expect(threaded.stderr).toContain('backend: wasm (SIMD, 1 thread (one core))');
    }
    expect(single.stderr).toContain('backend: wasm (SIMD, 1 thread)');
    // The guard's classifiers: one at a time on the threaded binary's threads, two at a time on the single-thread binary — the same figures.
    expect(threaded.stderr).toContain('guard: one classifier at a time (classifier threads need the wasm or native backend on one thread; this thread trains each on what it runs;');
    expect(single.stderr).toMatch(/guard: 2 classifiers at a time/);
    expect(JSON.parse(await readFile(path.join(a, 'summary.json'), 'utf8')).train.workers).toBe(1);
    // JSON records seconds and paths, the dot-folders' names hash the out path; everything else must match byte for byte.
    const skip = (rel: string) => rel.endsWith('.json') || rel.endsWith('.jsonl') || rel.endsWith('.csv') || rel.endsWith('.html') || rel.startsWith('.');
    const [ha, hb] = [await hashes(a, skip), await hashes(b, skip)];
    expect(Object.keys(ha).filter((rel) => rel.startsWith('train/checkpoint/weights-'))).toHaveLength(1);
    expect(Object.keys(ha).filter((rel) => rel.startsWith('synthetic/')).length).toBeGreaterThan(0);
    expect(ha).toEqual(hb);
    // Both out folders sit at the same depth, so even the manifests' relative paths agree.
    expect(await readFile(path.join(a, 'manifest.jsonl'), 'utf8')).toBe(await readFile(path.join(b, 'manifest.jsonl'), 'utf8'));
    const guard = async (dir: string) => {
      const g = JSON.parse(await readFile(path.join(dir, 'summary.json'), 'utf8')).guard;
      return { perClass: g.perClass, rounds: g.rounds, classifiers: g.classifiers };
    };
    expect((await guard(a)).perClass.length).toBeGreaterThan(0);
    expect(await guard(a)).toEqual(await guard(b));
  });
});

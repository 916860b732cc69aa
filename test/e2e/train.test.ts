/**
 * Training as a user drives it: checkpoints, --resume, Ctrl-C, per-class mode, and `generate`.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { access, cp, readFile, readdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadNative } from '../../src/backend/native.js';
import { runCli } from '../helpers/cli.js';
import { CLI, FIXTURE, ROOT, tempDir } from '../helpers/tmp.js';

const CONFIG = path.join(ROOT, 'configs/quickstart.yaml');
// 2× the deficit in candidates, not the quickstart's 10×, and no rejected/ folder (its 2,565 PNGs were 1.5-2 s of
// each run here): these tests are about training; quality.test.ts covers the candidate pool and rejected/.
const TINY = ['train.batchSize=8', 'gan.gWidth=8', 'gan.dWidth=4', 'gan.latentDim=8', 'gan.embedDim=4', 'train.logEvery=2', 'train.sampleEvery=4', 'guard=off', 'features.classifier.steps=5', 'features.classifier.widths=[4,8]', 'filter.keepRejected=false', 'generate.oversample=2'];

interface Entry {
  path: string;
  label: string;
  source: string;
  score: number | null;
  seed: number | null;
  sha256: string;
}
const manifest = async (out: string) =>
  (await readFile(path.join(out, 'manifest.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as Entry);

describe('data-parallel training (train.workers)', () => {
  it('on wasm, trains on two threads and says so, on the console and in the summary (resume at two threads: test/gan/parallel.test.ts)', async () => {
    const out = await tempDir();
    const r = await runCli(['run', CONFIG, '--backend', 'wasm', '--out', out, '--set', ...TINY, 'train.steps=4', 'train.workers=2']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('train: data-parallel on 2 wasm threads');
    expect(JSON.parse(await readFile(path.join(out, 'summary.json'), 'utf8')).train.workers).toBe(2);
  });

  it('an explicit train.workers: 2 the run cannot honour is a warning naming why, and training goes on one thread', async () => {
    const out = await tempDir();
    const r = await runCli(['run', CONFIG, '--backend', 'wasm', '--out', out, '--set', ...TINY, 'train.steps=2', 'train.workers=2', 'gan.modeSeeking=0.1']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/train\.workers: 2 not possible here \(gan\.modeSeeking compares the two halves of a batch, which replicas would split\); training on one thread/);
    expect(JSON.parse(await readFile(path.join(out, 'summary.json'), 'utf8')).train.workers).toBe(1);
    const bad = await runCli(['validate', CONFIG, '--set', 'train.workers=two']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/train\.workers.*expected "auto" or an integer from 1 to 16/);
  });
});

// The native backend's OpenBLAS, where this machine has it (the addon built and libopenblas0 installed).
let nativeMissing: string | null = null;
try {
  loadNative();
} catch (err) {
  nativeMissing = (err as Error).message;
}

describe.skipIf(nativeMissing !== null)(`OpenBLAS threads while training (train.blasThreads)${nativeMissing ? ` (skipped: ${nativeMissing})` : ''}`, () => {
  it('trains on the count set (the quickstart preset: 1) in a process of 2, says so and records it; auto keeps the process count', async () => {
    const env = { GAN_AUGMENT_BLAS_THREADS: '2' };
    const out = await tempDir();
    const one = await runCli(['run', CONFIG, '--backend', 'native', '--out', out, '--set', ...TINY, 'train.steps=2'], { env });
    expect(one.code, one.stderr).toBe(0);
    expect(one.stderr).toContain('train: 1 BLAS thread (train.blasThreads)');
    expect(JSON.parse(await readFile(path.join(out, 'summary.json'), 'utf8')).train.blasThreads).toBe(1);
    const autoOut = await tempDir();
    const auto = await runCli(['run', CONFIG, '--backend', 'native', '--out', autoOut, '--set', ...TINY, 'train.steps=2', 'train.blasThreads=auto'], { env });
    expect(auto.code, auto.stderr).toBe(0);
    expect(auto.stderr).not.toContain('train.blasThreads');
    expect(JSON.parse(await readFile(path.join(autoOut, 'summary.json'), 'utf8')).train.blasThreads).toBe(2);
  });

  // Other processes on every core but one: `auto` trains on one thread (two ran at 0.3–0.7× one's speed there).
  const cores = os.availableParallelism();
  it.skipIf(cores < 2 || cores > 8)('auto trains on one thread where other processes keep the cores busy, says why and records it', async () => {
    const hogs = Array.from({ length: cores - 1 }, () => spawn(process.execPath, ['-e', 'const end = Date.now() + 60000; while (Date.now() < end) {}'], { stdio: 'ignore' }));
    try {
      const out = await tempDir();
      // No GAN_AUGMENT_BLAS_THREADS (the suite sets 1): the process' count is the default, 2 on 2 cores or more.
      const r = await runCli(['run', CONFIG, '--backend', 'native', '--out', out, '--set', ...TINY, 'train.steps=2', 'train.blasThreads=auto'], { env: { GAN_AUGMENT_BLAS_THREADS: '' } });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/train: 1 BLAS thread, not 2 \(train\.blasThreads: auto\): other processes keep [\d.]+ of the \d+ cores busy/);
      expect(JSON.parse(await readFile(path.join(out, 'summary.json'), 'utf8')).train.blasThreads).toBe(1);
    } finally {
      for (const h of hogs) h.kill();
    }
  });
});

describe('train.blasThreads without OpenBLAS', () => {
  it('on wasm the preset\'s count has nothing to set: an info line, no warning, nothing recorded; train.workers: auto keeps a tiny model on one thread, and the backend line says why', async () => {
    const out = await tempDir();
    const r = await runCli(['run', CONFIG, '--backend', 'wasm', '--out', out, '--set', ...TINY, 'train.steps=2']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain("train.blasThreads: 1 applies to the native backend's OpenBLAS; this run uses wasm");
    expect(r.stderr).not.toMatch(/warning: train\.blasThreads/);
    const summary = JSON.parse(await readFile(path.join(out, 'summary.json'), 'utf8'));
    expect(summary.train.blasThreads).toBeNull();
    expect(r.stderr).toMatch(/backend: wasm \(SIMD, 1 thread \(a training step of [\d.]+ M multiply-adds is under the 50 M that threads can share\)\)/);
    expect(summary.train.workers).toBe(1);
  });
});

describe('checkpoints and --resume', () => {
  /** The uninterrupted 12-step run (checkpoints every 4) that resumed, killed and refused runs are held against: run once. */
  let uninterrupted: Promise<string> | null = null;
  const uninterruptedRun = () =>
    (uninterrupted ??= (async () => {
      const a = await tempDir();
      const full = await runCli(['run', CONFIG, '--out', a, '--set', ...TINY, 'train.steps=12', 'train.checkpointEvery=4']);
      expect(full.code, full.stderr).toBe(0);
      return a;
    })());

  it('a run resumed from a checkpoint gives the same result as an uninterrupted one', async () => {
    const [a, b] = [await uninterruptedRun(), await tempDir()];
    const part = await runCli(['run', CONFIG, '--out', b, '--set', ...TINY, 'train.steps=8', 'train.checkpointEvery=4']);
    expect(part.code, part.stderr).toBe(0);
    const ckpt = JSON.parse(await readFile(path.join(b, 'train/checkpoint/checkpoint.json'), 'utf8'));
    expect(ckpt.state.step).toBe(8);
    expect(ckpt.meta.config.train.steps).toBe(8);
    const resumed = await runCli(['run', CONFIG, '--out', b, '--resume', '--set', ...TINY, 'train.steps=12', 'train.checkpointEvery=4']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toContain('resuming from step 8');
    const [wa, wb] = await Promise.all([a, b].map((o) => readFile(path.join(o, 'model/generator/weights.bin'))));
    expect(Buffer.compare(wa!, wb!)).toBe(0);
    const [ma, mb] = await Promise.all([manifest(a), manifest(b)]);
    const syn = (m: Entry[]) => m.filter((e) => e.source === 'synthetic').map((e) => [e.label, e.seed, e.score]);
    expect(syn(mb)).toEqual(syn(ma));
  });

  it('killed (kill -9) mid-training, the same command run again continues from the checkpoint and ends as an uninterrupted run', async () => {
    const [a, b] = [await uninterruptedRun(), await tempDir()];
    const args = (out: string, steps = 12) => ['run', CONFIG, '--out', out, '--set', ...TINY, `train.steps=${steps}`, 'train.checkpointEvery=4'];
    // SIGKILL right after step 10's metrics line, two steps past the step-8 checkpoint: no handler runs, as
    // after kill -9 or an OOM kill.
    const killed = await runCli(args(b), { env: { GAN_AUGMENT_TEST_KILL_AT: 'metrics-10' } });
    expect(killed.code, killed.stderr).toBeNull();
    expect(JSON.parse(await readFile(path.join(b, 'train/checkpoint/checkpoint.json'), 'utf8')).state.step).toBe(8);
    const again = await runCli(args(b));
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain('shared: resuming from step 8, the checkpoint an interrupted run of these inputs, settings and code left');
    const [wa, wb] = await Promise.all([a, b].map((o) => readFile(path.join(o, 'model/generator/weights.bin'))));
    expect(Buffer.compare(wa!, wb!)).toBe(0);
    // The killed run's lines past the checkpoint are not left beside the resumed run's: each step once, in order.
    const steps = async (o: string) => (await readFile(path.join(o, 'train/metrics.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l).step as number);
    expect(await steps(b)).toEqual(await steps(a));
    // Other train.steps: a plain run starts over and says what --resume would do.
    const more = await runCli(args(b, 13));
    expect(more.code, more.stderr).toBe(0);
    expect(more.stderr).toContain(`shared: starting over; ${path.join(b, 'train', 'checkpoint')} held a checkpoint at step 12 made with train.steps 12: --resume continues it to this run's 13`);
    expect(more.stderr).not.toContain('resuming from step');
  });

  it('refuses to resume with a different config', async () => {
    const out = path.join(await tempDir(), 'out');
    await cp(await uninterruptedRun(), out, { recursive: true });
    const r = await runCli(['run', CONFIG, '--out', out, '--resume', '--set', ...TINY, 'train.steps=16', 'train.checkpointEvery=4', 'train.lrG=0.0005']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('cannot resume shared');
    expect(r.stderr).toContain('was made with other settings (train.lrG 0.001 → 0.0005) (only train.steps, paths and thread counts may change)');
  });

  it('refuses to resume on other input images, even as many as before', async () => {
    const root = await tempDir();
    const input = path.join(root, 'in');
    await cp(FIXTURE, input, { recursive: true });
    const args = ['run', CONFIG, '--input', input, '--out', path.join(root, 'out'), '--set', ...TINY, 'train.steps=4'];
    expect((await runCli(args)).code).toBe(0);
    // One coat replaced by another coat: the same count, other pixels.
    const coats = (await readdir(path.join(input, 'coat'))).sort();
    await cp(path.join(input, 'coat', coats[1]!), path.join(input, 'coat', coats[0]!));
    const r = await runCli([...args.slice(0, -1), 'train.steps=8', '--resume']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain('cannot resume shared: ');
    expect(r.stderr).toContain('was made with a different set of input images');
  });

  it('Ctrl-C writes a checkpoint and exits 130; --resume then finishes the run', async () => {
    const out = await tempDir();
    const child = spawn(process.execPath, [CLI, 'run', CONFIG, '--out', out, '--log-format', 'text', '--set', ...TINY, 'train.steps=100000', 'train.checkpointEvery=0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    let sent = false;
    const code = await new Promise<number | null>((resolve) => {
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        // One Ctrl-C: a second one (from a later chunk) would stop the run at once, without a checkpoint.
        if (/train: started/.test(stderr) && !sent) {
          sent = true;
          setTimeout(() => child.kill('SIGINT'), 1500);
        }
      });
      child.on('close', resolve);
    });
    expect(code, stderr).toBe(130);
    // The hint is the user's own command with --resume: the same out folder, the same settings.
    // (An argument with shell characters, like a YAML list, is quoted so the line can be pasted.)
    expect(stderr).toContain(`continue with \`gan-augment run ${CONFIG} --out ${out} --log-format text --set ${TINY.map((a) => (/[[\]]/.test(a) ? `'${a}'` : a)).join(' ')} train.steps=100000 train.checkpointEvery=0 --resume\``);
    const ckpt = JSON.parse(await readFile(path.join(out, 'train/checkpoint/checkpoint.json'), 'utf8'));
    expect(ckpt.state.step).toBeGreaterThan(0);
    const done = await runCli(['run', CONFIG, '--out', out, '--resume', '--set', ...TINY, `train.steps=${ckpt.state.step + 2}`, 'train.checkpointEvery=0']);
    expect(done.code, done.stderr).toBe(0);
    expect(JSON.parse(await readFile(path.join(out, 'summary.json'), 'utf8')).train.steps).toBe(ckpt.state.step + 2);
  });

  it('writes metrics.jsonl with losses, D(real), D(fake), p, img/s, the held-out gap, and sample grids', async () => {
    const out = await tempDir();
    expect((await runCli(['run', CONFIG, '--out', out, '--set', ...TINY, 'train.steps=8', 'augment.ada=true'])).code).toBe(0);
    const lines = (await readFile(path.join(out, 'train/metrics.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.step)).toEqual([2, 4, 6, 8]);
    for (const key of ['lossD', 'lossG', 'dReal', 'dFake', 'p', 'imgPerSec', 'dHeldOut', 'dTrainReal']) expect(typeof lines[0][key]).toBe('number');
    expect(Object.keys(lines[1].diversity)).toContain('coat');
    expect(await readdir(path.join(out, 'train/samples/coat'))).toEqual(['step-000004.png', 'step-000008.png']);
  });
});

describe('per-class mode and generate', () => {
  it('trains one GAN per scarce class and fills each class', async () => {
    const out = await tempDir();
    const r = await runCli(['run', CONFIG, '--out', out, '--set', ...TINY, 'train.steps=4', 'gan.mode=per-class', 'gan.concurrency=2']);
    expect(r.code, r.stderr).toBe(0);
    const counts = new Map<string, number>();
    for (const e of await manifest(out)) counts.set(e.label, (counts.get(e.label) ?? 0) + 1);
    expect([...new Set(counts.values())]).toEqual([100]);
    for (const c of ['coat', 'pullover', 'shirt']) {
      await access(path.join(out, 'train', c, 'metrics.jsonl'));
      const model = JSON.parse(await readFile(path.join(out, 'model', c, 'generator/model.json'), 'utf8'));
      expect(model.labels).toEqual([c]);
    }
  });

  it('with gan.classNoise, the model records it and generate draws each seed’s class noise as the run did', async () => {
    const out = await tempDir();
    const ran = await runCli(['run', CONFIG, '--out', out, '--set', ...TINY, 'train.steps=4', 'generate.oversample=1', 'deliver.share=1', 'gan.classNoise=1.5']);
    expect(ran.code, ran.stderr).toBe(0);
    const model = path.join(out, 'model/generator');
    expect(JSON.parse(await readFile(path.join(model, 'model.json'), 'utf8')).spec.classNoise).toBe(1.5);
    const gen = await tempDir();
    const g = await runCli(['generate', '--model', model, '--class', 'coat', '--count', '90', '--out', gen]);
    expect(g.code, g.stderr).toBe(0);
    const bySeed = new Map((await manifest(gen)).map((e) => [e.seed, e.sha256]));
    const coats = (await manifest(out)).filter((e) => e.source === 'synthetic' && e.label === 'coat');
    expect(coats).toHaveLength(90);
    for (const e of coats) expect(bySeed.get(e.seed), `seed ${e.seed}`).toBe(e.sha256);
  });

  it('generate reproduces a run’s synthetic images from their seeds, for several classes, without retraining', async () => {
    const out = await tempDir();
    // The run samples its candidates on two threads, `generate` on one (auto, 180 images) and on two:
    // every command gives each seed the same bytes.
    const ran2 = await runCli(['run', CONFIG, '--out', out, '--set', ...TINY, 'train.steps=4', 'generate.oversample=1', 'deliver.share=1', 'generate.workers=2']);
    expect(ran2.code, ran2.stderr).toBe(0);
    expect(ran2.stderr).toMatch(/generate: class \\?"coat\\?" on 2 sampler threads/);
    const gen = await tempDir();
    const g = await runCli(['generate', '--model', path.join(out, 'model/generator'), '--class', 'shirt', 'coat', '--count', '90', '--out', gen]);
    expect(g.code, g.stderr).toBe(0);
    const generated = await manifest(gen);
    expect(generated).toHaveLength(180);
    const gen2 = await tempDir();
    const g2 = await runCli(['generate', '--model', path.join(out, 'model/generator'), '--class', 'shirt', 'coat', '--count', '90', '--out', gen2, '--workers', '2']);
    expect(g2.code, g2.stderr).toBe(0);
    expect(g2.stderr).toMatch(/generate: 2 sampler threads/);
    expect((await manifest(gen2)).map((e) => [e.seed, e.sha256])).toEqual(generated.map((e) => [e.seed, e.sha256]));
    for (const label of ['shirt', 'coat']) {
      const ran = (await manifest(out)).filter((e) => e.source === 'synthetic' && e.label === label);
      const again = generated.filter((e) => e.label === label);
      expect(again).toHaveLength(90);
      // With oversample 1 and deliver.share 1 every candidate is kept: same seeds, and the same pixels.
      expect(new Set(again.map((e) => e.seed))).toEqual(new Set(ran.map((e) => e.seed)));
      for (const one of [ran[0]!, ran[89]!]) {
        const twin = again.find((e) => e.seed === one.seed)!;
        const [x, y] = await Promise.all([readFile(path.join(out, one.path)), readFile(path.join(gen, twin.path))]);
        expect(Buffer.compare(x, y), `${label} seed ${one.seed}`).toBe(0);
        expect(createHash('sha256').update(y).digest('hex')).toBe(twin.sha256);
      }
    }
    const bad = await runCli(['generate', '--model', path.join(out, 'model/generator'), '--class', 'jacket', '--count', '3', '--out', gen]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('received "jacket"');
    const badWorkers = await runCli(['generate', '--model', path.join(out, 'model/generator'), '--class', 'coat', '--count', '3', '--out', gen, '--workers', 'many']);
    expect(badWorkers.code).toBe(2);
    expect(badWorkers.stderr).toContain("option '--workers <n>' argument 'many' is invalid. expected \"auto\" or an integer from 1 to 16, received \"many\"");
    // A model whose parameter layout is not this build's (conditional BN saved as per-class offsets):
    // exit 2 naming the file and the parameter, not a crash in the forward pass.
    const modelDir = path.join(out, 'model/generator');
    const json = JSON.parse(await readFile(path.join(modelDir, 'model.json'), 'utf8'));
    json.params.find((p: { name: string }) => p.name === 'denseB').name = 'bn1ClassBeta';
    await writeFile(path.join(modelDir, 'model.json'), JSON.stringify(json));
    const old = await runCli(['generate', '--model', modelDir, '--class', 'coat', '--count', '3', '--out', await tempDir()]);
    expect(old.code, old.stderr).toBe(2);
    expect(old.stderr).toContain('model.json: its parameters do not fit');
    expect(old.stderr).toContain('bn1ClassBeta');
  });
});

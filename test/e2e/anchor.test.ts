/**
 * `generate.anchor` through the built CLI: a run samples each scarce class around latents fitted to its real
 * training images (never its held-out ones), on two sampler threads, says so per class, and writes a full
 * manifest; it saves the latents beside the generator, so `generate` with the run's seed draws the same
 * images — under gan.mode per-class too, each class’s model with its own; a bad σ fails validation keyed.
 */
import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliResult } from '../helpers/cli.js';
import { CLI, ROOT, tempDir } from '../helpers/tmp.js';

const TINY = ['train.steps=12', 'train.batchSize=16', 'gan.gWidth=16', 'gan.dWidth=8', 'gan.latentDim=16', 'gan.embedDim=8', 'features.classifier.steps=60', 'guard=off', 'generate.oversample=2', 'filter.order=[near-copy,discriminator]', 'train.workers=1'];
const SCARCE = ['coat', 'pullover', 'shirt'];
const readJson = async (file: string) => JSON.parse(await readFile(file, 'utf8'));
type Row = { label: string; source: string; seed: number; sha256: string };
const manifestOf = async (dir: string): Promise<Row[]> => (await readFile(path.join(dir, 'manifest.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as Row);

describe('generate.anchor through the CLI', () => {
  let out: string;
  let run: CliResult;

  beforeAll(async () => {
    out = path.join(await tempDir(), 'run');
    run = await runCli(['run', path.join(ROOT, 'configs/quickstart.yaml'), '--out', out, '--backend', 'wasm', '--set', ...TINY, 'generate.anchor.sigma=0.3', 'generate.anchor.steps=20', 'generate.workers=2']);
  }, 120_000);

  it('samples every scarce class around its real training images, not the held-out ones, and fills it', async () => {
    expect(run.code, run.stderr).toBe(0);
    // The fixture has 10 real images per scarce class; train.validation 0.1 holds out 2 of each.
    const infos = run.stderr
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { event: string; message?: string })
      .filter((e) => e.event === 'info')
      .map((e) => e.message!);
    for (const label of SCARCE) expect(infos.some((m) => m.startsWith(`generate: class "${label}" sampled around its 8 real training images (σ 0.3; latents fitted in 20 steps`)), infos.join('\n')).toBe(true);
    const summary = await readJson(path.join(out, 'summary.json'));
    // generate.oversample 2 × a deficit of 90 (100 − 10 real) each.
    expect(summary.synthesis.map((c: { label: string; candidates: number }) => [c.label, c.candidates]).sort()).toEqual(SCARCE.map((l) => [l, 180]));
    // The summary and the report say how each class was sampled.
    for (const c of summary.synthesis) expect(c.anchored, c.label).toMatchObject({ images: 8, sigma: 0.3 });
    expect(await readFile(path.join(out, 'report.html'), 'utf8')).toMatch(/Sampled around the real images \(generate\.anchor σ 0\.30\)/);
    const manifest = (await readFile(path.join(out, 'manifest.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { label: string; source: string });
    for (const label of SCARCE) {
      const rows = manifest.filter((e) => e.label === label);
      expect(rows.length).toBe(100);
      expect(rows.filter((e) => e.source === 'synthetic').length).toBeGreaterThan(0);
    }
  });

  it('saves the fitted latents beside the generator: generate with the run seed draws the run’s images, --prior the prior’s', async () => {
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/generate: class \\?"coat\\?" on 2 sampler threads/);
    const model = path.join(out, 'model/generator');
    const saved = await readJson(path.join(model, 'anchors.json'));
    expect({ sigma: saved.sigma, steps: saved.steps }).toEqual({ sigma: 0.3, steps: 20 });
    expect(Object.keys(saved.classes).sort()).toEqual(SCARCE);
    expect(saved.classes.coat.count).toBe(8);
    const kept = (await manifestOf(out)).filter((e) => e.source === 'synthetic');
    // The run sampled on two threads; generate samples 180 images on one: the same bytes for each seed.
    const gen = path.join(await tempDir(), 'gen');
    const g = await runCli(['generate', '--model', model, '--class', 'coat', 'shirt', '--count', '180', '--out', gen, '--backend', 'wasm']);
    expect(g.code, g.stderr).toBe(0);
    expect(g.stderr).toMatch(/\\?"coat\\?", \\?"shirt\\?" sampled around the latents the run fitted to its real images \(generate\.anchor σ 0\.3/);
    const bySeed = new Map((await manifestOf(gen)).map((e) => [e.seed, e.sha256]));
    for (const label of ['coat', 'shirt']) {
      const rows = kept.filter((e) => e.label === label);
      expect(rows.length).toBeGreaterThan(0);
      for (const e of rows) expect(bySeed.get(e.seed), `${label} seed ${e.seed}`).toBe(e.sha256);
    }
    const prior = path.join(await tempDir(), 'prior');
    const p = await runCli(['generate', '--model', model, '--class', 'coat', '--count', '180', '--out', prior, '--backend', 'wasm', '--prior']);
    expect(p.code, p.stderr).toBe(0);
    expect(p.stderr).not.toMatch(/sampled around/);
    const priorBySeed = new Map((await manifestOf(prior)).map((e) => [e.seed, e.sha256]));
    expect(kept.filter((e) => e.label === 'coat' && priorBySeed.get(e.seed) === e.sha256)).toEqual([]);
  }, 60_000);

  it('under gan.mode per-class, each class’s model carries its own latents, and generate on that model reproduces the class', async () => {
    const dir = path.join(await tempDir(), 'run');
    const r = await runCli(['run', path.join(ROOT, 'configs/quickstart.yaml'), '--out', dir, '--backend', 'wasm', '--set', ...TINY, 'gan.mode=per-class', 'generate.anchor.sigma=0.3', 'generate.anchor.steps=20']);
    expect(r.code, r.stderr).toBe(0);
    for (const label of SCARCE) {
      const saved = await readJson(path.join(dir, 'model', label, 'generator/anchors.json'));
      // One class per model: its own 8 training images' latents, and no other class's.
      expect(Object.keys(saved.classes), label).toEqual([label]);
      expect(saved.classes[label].count).toBe(8);
    }
    const kept = (await manifestOf(dir)).filter((e) => e.source === 'synthetic' && e.label === 'pullover');
    expect(kept.length).toBeGreaterThan(0);
    const gen = path.join(await tempDir(), 'gen');
    const g = await runCli(['generate', '--model', path.join(dir, 'model/pullover/generator'), '--class', 'pullover', '--count', '180', '--out', gen, '--backend', 'wasm']);
    expect(g.code, g.stderr).toBe(0);
    expect(g.stderr).toMatch(/\\?"pullover\\?" sampled around the latents the run fitted/);
    const bySeed = new Map((await manifestOf(gen)).map((e) => [e.seed, e.sha256]));
    for (const e of kept) expect(bySeed.get(e.seed), `pullover seed ${e.seed}`).toBe(e.sha256);
    // A misspelt class: exit 2, the labels the model knows, and the nearest.
    const typo = await runCli(['generate', '--model', path.join(dir, 'model/pullover/generator'), '--class', 'pulover', '--count', '1', '--out', path.join(gen, 'typo'), '--backend', 'wasm']);
    expect(typo.code, typo.stderr).toBe(2);
    expect(typo.stderr).toMatch(/received \\?"pulover\\?" \(did you mean \\?"pullover\\?"\?\)/);
    // Refused before any work starts: no generate stage opened (a progress bar) for it.
    expect(typo.stderr).not.toMatch(/"stage.start"/);
    expect(g.stderr).toMatch(/"event":"stage.start","stage":"generate","total":180/);
  }, 120_000);

  it('Ctrl-C during a fit stops it at the next step: exit 130, outputs unchanged', async () => {
    const dir = path.join(await tempDir(), 'run');
    // 100,000 steps would take minutes: only the abort ends this fit in time.
    const child = spawn(process.execPath, [CLI, 'run', path.join(ROOT, 'configs/quickstart.yaml'), '--out', dir, '--backend', 'wasm', '--set', ...TINY, 'generate.anchor.sigma=0.3', 'generate.anchor.steps=100000'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let pending = '';
    let signalledAt = 0;
    let lastStep = 0;
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      const lines = (pending + d.toString()).split('\n');
      pending = lines.pop()!;
      for (const line of lines.filter((l) => l.startsWith('{'))) {
        const e = JSON.parse(line) as { event: string; done?: number };
        if (e.event !== 'generate.fit') continue;
        lastStep = e.done!;
        if (!signalledAt && e.done! >= 10) {
          signalledAt = e.done!;
          child.kill('SIGINT');
        }
      }
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(signalledAt).toBeGreaterThan(0);
    expect(code, stderr).toBe(130);
    expect(stderr).toContain('interrupted during generate');
    // JSON progress comes about once a second, so the last one seen may trail; the fit is far from done.
    expect(lastStep).toBeLessThan(100_000);
    expect(await readFile(path.join(dir, 'manifest.jsonl'), 'utf8').catch(() => null)).toBeNull();
  }, 120_000);

  it('a negative σ fails validation, keyed, before any work', async () => {
    const dir = await tempDir();
    const cfg = path.join(dir, 'bad.yaml');
    await writeFile(cfg, `input: ${path.join(ROOT, 'fixtures/fmnist-tiny')}\ngenerate:\n  anchor:\n    sigma: -1\n`);
    const r = await runCli(['validate', cfg]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/generate\.anchor\.sigma \(line 4\): expected a number ≥ 0 or null, received -1/);
  });
});

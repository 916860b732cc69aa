/**
 * `generate.anchor` through the built CLI: a run samples each scarce class around latents fitted to its real
 * training images (never its held-out ones), says so per class, and writes a full manifest; a bad σ fails
 * validation keyed.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliResult } from '../helpers/cli.js';
import { ROOT, tempDir } from '../helpers/tmp.js';

const TINY = ['train.steps=12', 'train.batchSize=16', 'gan.gWidth=16', 'gan.dWidth=8', 'gan.latentDim=16', 'gan.embedDim=8', 'features.classifier.steps=60', 'guard=off', 'generate.oversample=2', 'filter.order=[near-copy,discriminator]'];
const SCARCE = ['coat', 'pullover', 'shirt'];
const readJson = async (file: string) => JSON.parse(await readFile(file, 'utf8'));

describe('generate.anchor through the CLI', () => {
  let out: string;
  let run: CliResult;

  beforeAll(async () => {
    out = path.join(await tempDir(), 'run');
    run = await runCli(['run', path.join(ROOT, 'configs/quickstart.yaml'), '--out', out, '--backend', 'wasm', '--set', ...TINY, 'generate.anchor.sigma=0.3', 'generate.anchor.steps=20']);
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
    const manifest = (await readFile(path.join(out, 'manifest.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { label: string; source: string });
    for (const label of SCARCE) {
      const rows = manifest.filter((e) => e.label === label);
      expect(rows.length).toBe(100);
      expect(rows.filter((e) => e.source === 'synthetic').length).toBeGreaterThan(0);
    }
  });

  it('a negative σ fails validation, keyed, before any work', async () => {
    const dir = await tempDir();
    const cfg = path.join(dir, 'bad.yaml');
    await writeFile(cfg, `input: ${path.join(ROOT, 'fixtures/fmnist-tiny')}\ngenerate:\n  anchor:\n    sigma: -1\n`);
    const r = await runCli(['validate', cfg]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/generate\.anchor\.sigma \(line 4\): expected a number ≥ 0 or null, received -1/);
  });
});

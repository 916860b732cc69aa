/**
 * The built CLI, run as a user would, on the bundled fixture dataset.
 */
import { access, mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import fg from 'fast-glob';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliResult } from '../helpers/cli.js';
import { FIXTURE, ROOT, tempDir } from '../helpers/tmp.js';
import { hashTree } from '../helpers/tree.js';

const TINY = ['--set', 'train.steps=12', 'train.batchSize=16', 'gan.gWidth=16', 'gan.dWidth=8', 'gan.latentDim=16', 'gan.embedDim=8', 'guard=off'];

interface Entry {
  path: string;
  label: string;
  source: 'real' | 'synthetic' | 'oversampled';
  score: number | null;
  seed: number | null;
  weight: number;
  softLabel: Record<string, number> | null;
}

describe('gan-augment run (e2e)', () => {
  let out: string;
  let result: CliResult;
  let before: string;

  beforeAll(async () => {
    out = await tempDir();
    before = await hashTree(FIXTURE);
    result = await runCli(['run', path.join(ROOT, 'configs/quickstart.yaml'), '--out', out, '--backend', 'wasm', ...TINY]);
  }, 300_000);

  it('exits 0 and names the backend', () => {
    expect(result.stderr).toContain('backend: wasm');
    expect(result.code, result.stderr).toBe(0);
  });

  it('lists every real image exactly once and brings each scarce class to its target', async () => {
    const lines = (await readFile(path.join(out, 'manifest.jsonl'), 'utf8')).trim().split('\n');
    const entries = lines.map((l) => JSON.parse(l) as Entry);
    const realOnDisk = (await fg('*/*.png', { cwd: FIXTURE })).sort();
    const realListed = entries
      .filter((e) => e.source === 'real')
      .map((e) => path.relative(FIXTURE, path.resolve(out, e.path)).split(path.sep).join('/'))
      .sort();
    expect(realListed).toEqual(realOnDisk);
    const counts = new Map<string, number>();
    for (const e of entries) counts.set(e.label, (counts.get(e.label) ?? 0) + 1);
    for (const label of ['coat', 'pullover', 'shirt']) expect(counts.get(label)).toBe(100);
    expect(new Set(counts.values())).toEqual(new Set([100]));
    for (const e of entries.filter((x) => x.source === 'synthetic')) {
      expect(['coat', 'pullover', 'shirt']).toContain(e.label);
      expect(typeof e.score).toBe('number');
      expect(Number.isInteger(e.seed)).toBe(true);
      // deliver.labels: hard — trained on its class, as a real image is.
      expect([e.softLabel, e.weight]).toEqual([null, 1]);
    }
  });

  it('writes every listed file, synthetic ones as real PNGs of the configured size', async () => {
    const entries = (await readFile(path.join(out, 'manifest.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as Entry);
    await Promise.all(entries.map((e) => access(path.resolve(out, e.path))));
    const syn = entries.find((e) => e.source === 'synthetic')!;
    const meta = await sharp(path.resolve(out, syn.path)).metadata();
    expect([meta.width, meta.height, meta.channels, meta.format]).toEqual([28, 28, 1, 'png']);
  });

  it('writes a summary with counts before and after, backend, durations and config hash', async () => {
    const summary = JSON.parse(await readFile(path.join(out, 'summary.json'), 'utf8'));
    expect(summary.backend.name).toBe('wasm');
    expect(summary.configHash).toMatch(/^[0-9a-f]{16}$/);
    expect(summary.train.steps).toBe(12);
    const coat = summary.classes.find((c: { label: string }) => c.label === 'coat');
    // deliver.share 0.5: half the fill synthetic (the filters' best), the rest the class's real images again.
    expect(coat).toEqual({ label: 'coat', before: 10, target: 100, deficit: 90, synthetic: 45, oversampled: 45, after: 100 });
    expect(summary.synthesis.find((c: { label: string }) => c.label === 'coat')).toMatchObject({ target: 90, planned: 45, kept: 45, shortfall: 0, oversampled: 45 });
    expect(summary.files).toEqual({ found: 730, ingested: 730, ignored: 0, rejected: 0 });
    for (const k of ['scan', 'decode', 'train', 'generate', 'write', 'total']) expect(summary.durations[k]).toBeGreaterThanOrEqual(0);
    // Node, tfjs and wasm alone take well over 50 MB; a figure in KB or bytes would be far off.
    expect(summary.peakRssMB).toBeGreaterThan(50);
    expect(summary.peakRssMB).toBeLessThan(4000);
  });

  it('saves the generator with the config that made it', async () => {
    const model = JSON.parse(await readFile(path.join(out, 'model/generator/model.json'), 'utf8'));
    expect(model.meta.config.train.steps).toBe(12);
    expect(model.labels).toContain('coat');
  });

  it('never writes to the input folder', async () => {
    expect(await hashTree(FIXTURE)).toBe(before);
  });
});

describe('gan-augment CLI errors and plans', () => {
  it('reports every config problem with key and line, exit 2, no stack', async () => {
    const dir = await tempDir();
    const cfg = path.join(dir, 'bad.yaml');
    await writeFile(cfg, `input: ${FIXTURE}\ntrain:\n  steps: ten\n  batchSize: 1\ndecode:\n  channels: 2\n`);
    const r = await runCli(['run', cfg]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('train.steps (line 3): expected a positive integer, received "ten"');
    expect(r.stderr).toContain('train.batchSize (line 4): expected an integer ≥ 2');
    expect(r.stderr).toContain('decode.channels (line 6): expected 1 (grayscale), 3 (RGB) or "auto", received 2');
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const v = await runCli(['validate', cfg]);
    expect(v.code).toBe(2);
    expect(v.stderr).toContain('3 problems');
  });

  it('validate accepts the shipped configs', async () => {
    for (const f of await readdir(path.join(ROOT, 'configs'))) {
      const r = await runCli(['validate', path.join(ROOT, 'configs', f)]);
      expect(r.code, `${f}: ${r.stderr}`).toBe(0);
    }
  });

  it('--dry-run prints the resolved config and plan and writes nothing', async () => {
    const out = path.join(await tempDir(), 'never');
    const r = await runCli(['run', path.join(ROOT, 'configs/quickstart.yaml'), '--out', out, '--dry-run', '--set', 'train.steps=7']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('steps: 7');
    expect(r.stdout).toMatch(/coat\s+10\s+100\s+90/);
    await expect(access(out)).rejects.toThrow();
  });

  it('--dry-run plans from the images run would ingest: an unreadable file is not counted, and it says so, with the guard\'s note', async () => {
    const root = path.join(await tempDir(), 'data');
    for (const [c, n] of [['bag', 6], ['coat', 3]] as const) {
      await mkdir(path.join(root, c), { recursive: true });
      for (const f of (await readdir(path.join(FIXTURE, c))).sort().slice(0, n)) await writeFile(path.join(root, c, f), await readFile(path.join(FIXTURE, c, f)));
    }
    await writeFile(path.join(root, 'coat', 'broken.png'), 'not an image');
    const args = ['run', path.join(ROOT, 'configs/quickstart.yaml'), '--input', root, '--out', path.join(path.dirname(root), 'out'), '--dry-run', '--set', 'guard=fallback'];
    const r = await runCli(args);
    expect(r.code, r.stderr).toBe(0);
    // Counting files, coat would read 4 (a deficit of 2); run ingests 3.
    expect(r.stdout).toMatch(/\ncoat\s+3\s+6\s+3\n/);
    expect(r.stdout).toContain('files: 9 ingested, 0 ignored, 1 rejected (not counted)');
    expect(r.stderr).toContain('warning: rejected coat/broken.png: not an image');
    expect(r.stderr).toContain('guard: "coat" will be judged on 2 held-out real images');
    const j = JSON.parse((await runCli([...args, '--log-format', 'json'])).stdout);
    expect(j.plan.classes.find((c: { label: string }) => c.label === 'coat')).toEqual({ label: 'coat', count: 3, target: 6, deficit: 3 });
    expect(j.files).toMatchObject({ ingested: 9, rejected: 1 });
    expect(j.rejected).toEqual([{ path: 'coat/broken.png', reason: expect.stringContaining('not an image') }]);
    expect(j.notes).toEqual([expect.stringContaining('guard: "coat" will be judged on 2 held-out real images')]);
    await expect(access(path.join(path.dirname(root), 'out'))).rejects.toThrow();
  });

  it('scan --json gives classes, counts, targets and deficits', async () => {
    const r = await runCli(['scan', FIXTURE, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.classes).toHaveLength(10);
    expect(j.classes.find((c: { label: string }) => c.label === 'shirt')).toEqual({ label: 'shirt', count: 10, target: 100, deficit: 90 });
    expect(j.totalDeficit).toBe(270);
    const t = await runCli(['scan', FIXTURE, '--strategy', 'minority']);
    expect(t.stdout).toMatch(/shirt\s+10\s+100\s+90/);
  });

  it('refuses a missing input folder and an unknown backend with exit 2; a bad flag is the flag\'s error, not the config\'s', async () => {
    const r = await runCli(['scan', '/nonexistent/folder']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('does not exist');
    const b = await runCli(['run', path.join(ROOT, 'configs/quickstart.yaml'), '--backend', 'tpu', '--dry-run']);
    expect(b.code).toBe(2);
    expect(b.stderr).toContain(`option '--backend <name>' argument 'tpu' is invalid. Allowed choices are auto, node-gpu, node, native, wasm, cpu.`);
    expect(b.stderr).not.toContain('in the config');
    const s = await runCli(['scan', FIXTURE, '--strategy', 'most']);
    expect(s.code).toBe(2);
    expect(s.stderr).toContain(`option '--strategy <name>' argument 'most' is invalid. expected not-majority`);
    expect(s.stderr).not.toContain('in the config');
  });

  it("accepts imbalanced-learn's spellings of the strategies", async () => {
    const t = await runCli(['scan', FIXTURE, '--strategy', 'not majority']);
    expect(t.code, t.stderr).toBe(0);
    expect(t.stdout).toContain('strategy "not-majority"');
  });


  it('refuses a non-empty out folder it did not make unless --force', async () => {
    const out = await tempDir();
    await writeFile(path.join(out, 'precious.txt'), 'keep me');
    const r = await runCli(['run', path.join(ROOT, 'configs/quickstart.yaml'), '--out', out, ...TINY]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('not empty and was not made by gan-augment');
    expect(await readFile(path.join(out, 'precious.txt'), 'utf8')).toBe('keep me');
  });
});

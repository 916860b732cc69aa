/**
 * generate.from through the real CLI: candidates made elsewhere (here: the fixture's held-out test images of
 * the scarce classes) go through the filters, the guard, the manifest and the report with no GAN trained;
 * a rerun with nothing changed is up to date, a changed candidate folder is not.
 */
import { createHash } from 'node:crypto';
import { cp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ManifestEntrySchema } from '../../src/manifest/build.js';
import { runCli, type CliResult } from '../helpers/cli.js';
import { FIXTURE, ROOT, tempDir } from '../helpers/tmp.js';

const SCARCE = ['coat', 'pullover', 'shirt'];
const TEST = path.join(ROOT, 'fixtures/fmnist-tiny-test');
// A small feature classifier, and a short guard (guard.steps, 3 seeds).
const FAST = ['features.classifier.steps=60', 'guard.steps=60', 'guard.seeds=3', 'features.classifier.widths=[4,8]', 'filter.order=[near-copy, coverage]', 'guard=warn', 'output.imagefolder=none'];

describe('generate.from (e2e)', () => {
  let from: string;
  let out: string;
  let r: CliResult;
  const args = () => ['run', path.join(ROOT, 'configs/quickstart.yaml'), '--input', FIXTURE, '--out', out, '--backend', 'wasm', '--log-format', 'text', '--set', `generate.from=${from}`, ...FAST];
  beforeAll(async () => {
    from = await tempDir();
    out = path.join(await tempDir(), 'out');
    for (const l of SCARCE) await cp(path.join(TEST, l), path.join(from, l), { recursive: true });
    r = await runCli(args());
  }, 120_000);

  it('trains no GAN and delivers imported images with where each came from', async () => {
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`generate.from: 20 candidates for "coat", 20 candidates for "pullover", 20 candidates for "shirt", from ${from} (no GAN is trained)`);
    expect(r.stderr).not.toContain('train: started');
    expect(r.stdout).toContain(`no GAN trained: 60 candidates imported from ${from} (generate.from)`);
    await expect(stat(path.join(out, 'train'))).rejects.toThrow();
    const summary = JSON.parse(await readFile(path.join(out, 'summary.json'), 'utf8'));
    expect(summary.imported.classes).toEqual(SCARCE.map((label) => ({ label, found: 20, candidates: 20 })));
    expect(summary.incremental.train).toBe('none');
    expect(summary.train.steps).toBe(0);
    // The guard judged them on the split a shared GAN would hold out.
    expect(summary.guard.perClass.map((c: { label: string }) => c.label).sort()).toEqual(SCARCE);
    expect(summary.guard.heldOut).toMatchObject({ coat: 5, pullover: 5, shirt: 5 });
    // Up to 15 of a scarce class held out, 5 kept (10 here): still too few to show a gain.
    const unproven = summary.guard.perClass.filter((x: { helps: boolean }) => !x.helps);
    expect(unproven.length).toBeGreaterThan(0);
    for (const c of unproven) expect(c.reason).toContain('at no cost to the delivered dataset here (generate.from');

    const entries = (await readFile(path.join(out, 'manifest.jsonl'), 'utf8')).trim().split('\n').map((l) => ManifestEntrySchema.parse(JSON.parse(l)));
    const synthetic = entries.filter((e) => e.source === 'synthetic');
    expect(synthetic.length).toBeGreaterThan(0);
    for (const e of synthetic) {
      expect(e).toMatchObject({ generator: null, generatorStep: null, seed: null, score: null });
      expect(e.scores).not.toHaveProperty('discriminator');
      // importedFrom names the candidate file, by its bytes; a 28×28 gray candidate is written as it decoded.
      const source = path.resolve(out, e.importedFrom!.path);
      expect(path.dirname(source)).toBe(path.join(from, e.label));
      expect(createHash('sha256').update(await readFile(source)).digest('hex')).toBe(e.importedFrom!.sha256);
    }
    const report = await readFile(path.join(out, 'report.html'), 'utf8');
    expect(report).toContain('No GAN was trained: the candidates were imported from');
  });

  it('is up to date when nothing changed, and runs again when a candidate changes', async () => {
    const again = await runCli(args());
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('up to date');
    await rm(path.join(from, 'shirt', (await readdir(path.join(from, 'shirt')))[0]!));
    const changed = await runCli(args());
    expect(changed.code, changed.stderr).toBe(0);
    expect(changed.stdout).not.toContain('up to date');
    expect(changed.stderr).toContain('19 candidates for "shirt"');
  }, 120_000);

  it('run --dry-run lists the candidate files each scarce class would get, decoding nothing', async () => {
    const dry = await runCli([...args(), '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/class\s+images\s+target\s+deficit\s+candidates \(generate\.from\)/);
    expect(dry.stdout).toMatch(/\ncoat\s+10\s+100\s+90\s+20\n/);
    expect(dry.stdout).toMatch(/\nbag\s+100\s+100\s+0\s+–\n/);
  });

  it('refuses the default filter.order, naming generate.from and what to set', async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, 'c.yaml'), `input: ${FIXTURE}\nout: out\ngenerate:\n  from: ${from}\n`);
    const bad = await runCli(['run', path.join(dir, 'c.yaml')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('generate.from (line 4): expected filter.order without "discriminator" beside it');
    expect(bad.stderr).toContain('set e.g. [near-copy, label, coverage]');
  });

  it('validate (and run) refuse a generate.from folder that is not there, before anything is read', async () => {
    const dir = await tempDir();
    const missing = path.join(dir, 'nowhere');
    await writeFile(path.join(dir, 'c.yaml'), `input: ${FIXTURE}\nout: out\ngenerate:\n  from: nowhere\nfilter:\n  order: [near-copy, coverage]\n`);
    for (const cmd of ['validate', 'run']) {
      const bad = await runCli([cmd, path.join(dir, 'c.yaml')]);
      expect(bad.code, bad.stderr).toBe(2);
      expect(bad.stderr).toContain(`generate.from: ${missing} does not exist (expected a folder of candidate images, one sub-folder per scarce class)`);
    }
    await expect(stat(path.join(dir, 'out'))).rejects.toThrow();
  });
});

/**
 * Issue 17, items 1–2: nothing below the input folder is ever removed or written, whatever the flags and
 * however the paths are spelled. Each case hashes the input tree before and after a real CLI process;
 * `validate` refuses the same layouts with the same keyed messages.
 */
import { cp, mkdir, readdir, symlink } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { FIXTURE, ROOT, tempDir } from '../helpers/tmp.js';
import { hashTree } from '../helpers/tree.js';

const CONFIG = path.join(ROOT, 'configs/quickstart.yaml');
const TINY = ['--backend', 'wasm', '--set', 'train.steps=4', 'train.batchSize=8', 'gan.gWidth=8', 'gan.dWidth=8', 'gan.latentDim=8', 'gan.embedDim=4', 'features.classifier.steps=4', 'guard.steps=4', 'guard.seeds=3', 'filter.keepRejected=false', 'train.workers=1'];

/** A small labelled folder at `dir`: three classes, a few images each. */
async function smallInput(dir: string): Promise<void> {
  for (const [c, n] of [['coat', 3], ['bag', 6], ['shirt', 2]] as const) {
    await mkdir(path.join(dir, c), { recursive: true });
    for (const f of (await readdir(path.join(FIXTURE, c))).sort().slice(0, n)) await cp(path.join(FIXTURE, c, f), path.join(dir, c, f));
  }
}

describe('the input folder is never touched (e2e)', () => {
  it('refuses `run --input data/train --out data --force`: the out layout would clear the input', async () => {
    const root = await tempDir();
    const data = path.join(root, 'data');
    await smallInput(path.join(data, 'train'));
    const before = await hashTree(data);
    const r = await runCli(['run', CONFIG, '--input', path.join(data, 'train'), '--out', data, '--force', ...TINY]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(`out: ${path.join(data, 'train')}, which gan-augment writes and clears, is the input folder`);
    expect(await hashTree(data)).toBe(before);
  }, 120_000);

  it('refuses an out folder inside the real input folder reached through a symlink', async () => {
    const root = await tempDir();
    const data = path.join(root, 'data');
    await smallInput(data);
    const link = path.join(root, 'link-to-data');
    await symlink(data, link);
    const before = await hashTree(data);
    const r = await runCli(['run', CONFIG, '--input', link, '--out', path.join(data, 'results'), ...TINY]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(`is inside the input folder ${link} (really ${data})`);
    expect(await hashTree(data)).toBe(before);
    expect(await readdir(data)).toEqual(['bag', 'coat', 'shirt']);
  }, 120_000);

  it('refuses an out folder whose own folder is a symlink into the input', async () => {
    const root = await tempDir();
    const data = path.join(root, 'data');
    await smallInput(data);
    const out = path.join(root, 'out');
    await mkdir(out);
    await symlink(path.join(data, 'coat'), path.join(out, 'synthetic'));
    const before = await hashTree(data);
    const r = await runCli(['run', CONFIG, '--input', data, '--out', out, '--force', ...TINY]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(`out: ${path.join(out, 'synthetic')} (really ${path.join(data, 'coat')}), which gan-augment writes and clears, is inside the input folder`);
    expect(await hashTree(data)).toBe(before);
  }, 120_000);

  it('validate reports what run refuses, with the same keyed messages, and accepts a good pair', async () => {
    const root = await tempDir();
    const data = path.join(root, 'data');
    await smallInput(path.join(data, 'train'));
    const run = await runCli(['run', CONFIG, '--input', path.join(data, 'train'), '--out', data, '--force', ...TINY]);
    const check = await runCli(['validate', CONFIG, '--input', path.join(data, 'train'), '--out', data, '--force']);
    expect(check.code).toBe(2);
    const problems = (s: string) => s.split('\n').filter((l) => /^(error: |\s+)?(input|out): /.test(l)).map((l) => l.replace(/^error: |^\s+/, ''));
    expect(problems(check.stderr).length).toBeGreaterThan(0);
    expect(problems(check.stderr)).toEqual(problems(run.stderr));

    const missing = await runCli(['validate', CONFIG, '--input', path.join(root, 'nope'), '--out', path.join(root, 'out')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`input: folder ${path.join(root, 'nope')} does not exist`);

    const inside = await runCli(['validate', CONFIG, '--input', data, '--out', path.join(data, 'train', 'out')]);
    expect(inside.code).toBe(2);
    expect(inside.stderr).toContain(`out: ${path.join(data, 'train', 'out')} is inside the input folder ${data}`);

    // An invalid setting does not hide the folders' problems: both are listed, each with its key.
    const both = await runCli(['validate', CONFIG, '--input', path.join(root, 'nope'), '--out', path.join(root, 'out'), '--set', 'train.steps=ten']);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/train\.steps \(--set train\.steps=ten\): expected/);
    expect(both.stderr).toContain(`input: folder ${path.join(root, 'nope')} does not exist`);

    // A dry run refuses what the run would refuse, before printing a plan.
    const dry = await runCli(['run', CONFIG, '--input', data, '--out', path.join(data, 'train', 'out'), '--dry-run']);
    expect(dry.code).toBe(2);
    expect(dry.stderr).toContain(`out: ${path.join(data, 'train', 'out')} is inside the input folder ${data}`);
    expect(dry.stdout).not.toContain('# plan');

    const ok = await runCli(['validate', CONFIG, '--input', path.join(data, 'train'), '--out', path.join(root, 'elsewhere')]);
    expect(ok.code, ok.stderr).toBe(0);
  }, 120_000);
});

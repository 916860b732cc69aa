/**
 * The do-no-harm guard through the real CLI: a GAN trained for 4 steps makes noise, so on the held-out
 * real images its samples cannot beat the classes' own real images listed again — every scarce class
 * falls back to oversampling, and the run says so in summary.json and on the console — before the training,
 * that the classes will be judged on too few held-out images to expect anything else.
 */
import { readdir, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadReportData, loadVerdicts } from '../../src/report/load.js';
import { verdictLine } from '../../src/report/verdict.js';
import { runCli, type CliResult } from '../helpers/cli.js';
import { ROOT, tempDir } from '../helpers/tmp.js';

const CONFIG = path.join(ROOT, 'configs/quickstart.yaml');
const NOISE = ['train.steps=4', 'train.batchSize=8', 'gan.gWidth=8', 'gan.dWidth=4', 'gan.latentDim=8', 'gan.embedDim=4', 'features.classifier.steps=30', 'guard.steps=30', 'guard.seeds=3', 'features.classifier.widths=[4,8]', 'generate.oversample=1'];
const SCARCE = ['coat', 'pullover', 'shirt'];

describe('guard (e2e)', () => {
  let out: string;
  let r: CliResult;
  beforeAll(async () => {
    out = await tempDir();
    // As the one shard of one (--shard 0/1), so that merge can be run on it below.
    // With a quality gate no kept set passes (quality.minSpread 100) set to fail the run: what the guard withholds fails nothing.
    r = await runCli(['run', CONFIG, '--out', out, '--backend', 'wasm', '--log-format', 'text', '--shard', '0/1', '--set', ...NOISE, 'guard=fallback', 'quality.minSpread=100', 'quality.onFail=fail']);
  }, 600_000);

  it('falls back on every class whose synthetic images are noise, and says so', async () => {
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(await readFile(path.join(out, 'summary.json'), 'utf8'));
    expect(summary.guard.mode).toBe('fallback');
    // How many classifiers it trained at a time and why, as the console said it: what its time and the run's peak memory depend on.
    // (The console says it wherever there is a choice: on a one-core machine there is none, and one it is.)
    const said = r.stderr.match(/guard: (one classifier|(\d+) classifiers) at a time \((.+)\)\n/);
    if (os.availableParallelism() > 1) expect(said, r.stderr).not.toBeNull();
    expect(summary.guard.threads).toEqual(said ? { count: said[2] ? Number(said[2]) : 1, reason: said[3] } : { count: 1, reason: expect.any(String) });
    expect(summary.guard.threads.reason).toMatch(/\d+ MB in use/);
    expect(summary.guard.perClass.map((c: { label: string }) => c.label).sort()).toEqual(SCARCE);
    for (const c of summary.guard.perClass) {
      expect(c.decision, c.reason).toBe('fallback');
      expect(c.heldOut).toBeGreaterThan(0);
    }
    // The manifest: no synthetic image, every scarce class filled to its target with its real images.
    const entries = (await readFile(path.join(out, 'manifest.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(entries.filter((e) => e.source === 'synthetic')).toEqual([]);
    for (const c of summary.classes.filter((x: { label: string }) => SCARCE.includes(x.label))) {
      expect(c.synthetic).toBe(0);
      expect(c.after).toBe(c.target);
      expect(c.oversampled).toBe(c.deficit);
    }
    // The held-out figures beside the decision, the reason (with its own parentheses) last.
    // (A class that gains nothing over the first 2 seeds is not trained on the third, and says so.)
    for (const l of SCARCE) expect(r.stderr).toMatch(new RegExp(`guard: class "${l}": synthetic images dropped, filled with its real images listed again \\(held-out recall [\\d.]+ % with them, [\\d.]+ % without\\) — (held-out soft recall gain|no gain over the first 2 of 3 seeds \\(held-out soft recall [-+]\\d+\\.\\d points\\), so not trained on the other 1)`));
    // The closing advice says what the manifest holds: nothing of these images is left to stop using.
    expect(r.stdout).toContain(`not delivered: the guard left out the synthetic images of coat, pullover, shirt; the manifest fills those classes with their real images listed again, as random oversampling would; the images it judged are in ${path.join(out, 'withheld')}/ (and in the report)`);
    expect(r.stdout).not.toContain('do not use the synthetic images');
  });

  it('a quality gate set to fail the run does not fail it on classes whose images the guard withheld, and says so', async () => {
    const summary = JSON.parse(await readFile(path.join(out, 'summary.json'), 'utf8'));
    // Every class failed the gate's figures (recorded as such) …
    expect(summary.quality.gate.failed.map((f: { label: string }) => f.label).sort()).toEqual(SCARCE);
    // … and none of their images is delivered: exit 0 above, a line saying why, the report the same.
    expect(r.stderr).toContain('quality gate: "coat", "pullover" and "shirt" failed it, but the guard withheld their synthetic images (withheld/, not the manifest), so the run does not fail on them');
    expect(r.stderr).not.toContain('error: quality gate failed');
    const html = await readFile(path.join(out, 'report.html'), 'utf8');
    expect(html).toContain('Quality gate: no delivered class fails it (spread ≥ 100). Failed, but withheld by the guard');
    expect(html).toContain('failed (withheld by the guard: not delivered)');
  });

  it("keeps the withheld images to look at: withheld/<class>/ and withheld.jsonl, shown in the report's kept grid", async () => {
    const summary = JSON.parse(await readFile(path.join(out, 'summary.json'), 'utf8'));
    const lines = (await readFile(path.join(out, 'withheld', 'withheld.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    for (const label of SCARCE) {
      const kept = summary.synthesis.find((c: { label: string }) => c.label === label).kept;
      const mine = lines.filter((w: { label: string }) => w.label === label);
      expect(kept).toBeGreaterThan(0);
      expect(mine).toHaveLength(kept);
      expect(mine.map((w: { rank: number }) => w.rank)).toEqual([...Array(kept).keys()]);
      // The guard's own reason for the class, and files that are PNGs of the run's size.
      expect(new Set(mine.map((w: { reason: string }) => w.reason))).toEqual(new Set([summary.guard.perClass.find((c: { label: string }) => c.label === label).reason]));
      expect((await readdir(path.join(out, 'withheld', label))).sort()).toEqual(mine.map((w: { path: string }) => path.basename(w.path)).sort());
      const png = await readFile(path.join(out, mine[0].path));
      expect(png.subarray(1, 4).toString()).toBe('PNG');
    }
    const html = await readFile(path.join(out, 'report.html'), 'utf8');
    expect(html.match(/kept by the filters, withheld by the guard: \d+ of \d+/g)).toHaveLength(SCARCE.length);
    // merge carries them over: the same list, the same files.
    const merged = path.join(await tempDir(), 'merged');
    const m = await runCli(['merge', out, '--out', merged, '-q', '--log-format', 'text']);
    expect(m.code, m.stderr).toBe(0);
    expect(await readFile(path.join(merged, 'withheld', 'withheld.jsonl'), 'utf8')).toBe(await readFile(path.join(out, 'withheld', 'withheld.jsonl'), 'utf8'));
    for (const label of SCARCE) expect((await readdir(path.join(merged, 'withheld', label))).sort()).toEqual((await readdir(path.join(out, 'withheld', label))).sort());
    // … and measured as delivered ones are: beside their nearest real images, with the novelty figure in the verdict.
    expect(html.match(/<h4>Nearest real image of a few withheld ones<\/h4>/g)).toHaveLength(SCARCE.length);
    expect(html).toContain('title="withheld, D logit');
  });

  it("prints the report's verdicts: the withheld images' novelty and structure on the console too", async () => {
    const report = await loadReportData(out);
    expect(report.verdicts.map((v) => v.label).sort()).toEqual(SCARCE);
    for (const v of report.verdicts) {
      // Judged on the images the guard withheld, as delivered ones are.
      expect(v.checks.map((k) => k.name)).toContain('novelty');
      expect(r.stdout).toContain(verdictLine(v));
    }
    expect((await loadVerdicts(out)).verdicts).toEqual(report.verdicts);
  });

  it('shows its progress: at most 3 seeds × (1 + 3 classes judged) classifiers (guard.seeds 3), the last line at the total trained', async () => {
    expect(r.stderr).toContain('guard: started (12)');
    // Over the first 2 seeds the classifier without and one per class (8); the third seed only for the classes that gained something.
    const summary = JSON.parse(await readFile(path.join(out, 'summary.json'), 'utf8'));
    const stopped = summary.guard.perClass.filter((c: { reason: string }) => c.reason.startsWith('no gain over the first 2 of 3 seeds')).length;
    const n = summary.guard.classifiers;
    expect(n).toBe(stopped === 3 ? 8 : 8 + 1 + (3 - stopped));
    expect(r.stderr).toContain(`guard: ${n}/${n} classifiers`);
    expect(r.stderr.indexOf(`guard: ${n}/${n} classifiers`)).toBeLessThan(r.stderr.indexOf('guard: done in'));
  });

  it('says before the training how few held-out images the classes will be judged on', async () => {
    const summary = JSON.parse(await readFile(path.join(out, 'summary.json'), 'utf8'));
    const held = summary.guard.heldOut.coat;
    for (const l of SCARCE) expect(summary.guard.heldOut[l]).toBe(held);
    const note = r.stderr.indexOf(`guard: "coat", "pullover", "shirt" will be judged on ${held} held-out real images each (train.validation 0.1)`);
    expect(note, r.stderr).toBeGreaterThanOrEqual(0);
    expect(note).toBeLessThan(r.stderr.indexOf('train: started'));
  });
});

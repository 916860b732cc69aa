/**
 * Metrics, filters and the quality gate through the built CLI, as a user runs them: per-class FID/KID in
 * summary.json with what measured them, rejections by reason, rejected samples kept for inspection, the
 * shortfall when filters cannot fill a class, and exit code 3 from a failed gate after every output is
 * written.
 */
import { access, readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliResult } from '../helpers/cli.js';
import { ROOT, tempDir } from '../helpers/tmp.js';

// The discriminator filters over 2 × deficit candidates (the quickstart preset selects by coverage from 10×).
const TINY = ['train.steps=12', 'train.batchSize=16', 'gan.gWidth=16', 'gan.dWidth=8', 'gan.latentDim=16', 'gan.embedDim=8', 'features.classifier.steps=60', 'guard=off', 'generate.oversample=2', 'filter.order=[near-copy,discriminator]'];
const SCARCE = ['coat', 'pullover', 'shirt'];

interface ClassSynthesis {
  label: string;
  target: number;
  planned: number;
  candidates: number;
  kept: number;
  shortfall: number;
  oversampled: number;
  rejected: Record<string, number>;
  steps: { step: string; left: number }[];
  nearCopy: { space: string; scope: string; threshold: number; calibrationSamples: number }[];
  quality: {
    fid: number | null;
    kid: number | null;
    samples: { real: number; synthetic: number; realTrain: number };
    reference: 'held-out' | 'all';
    fidFloor: number | null;
    kidFloor: number | null;
    spread: number | null;
    extractor: { id: string; dims: number; resize: string; decodeKernel: string };
    passed: boolean;
    reasons: string[];
  };
}

const readJson = async (file: string) => JSON.parse(await readFile(file, 'utf8'));
/** The messages of the warn events in a run's progress lines (CI mode prints JSON lines). */
const warnings = (stderr: string): string[] =>
  stderr
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { event: string; message?: string })
    .filter((e) => e.event === 'warn')
    .map((e) => e.message!);
const lines = async (file: string) => (await readFile(file, 'utf8')).trim().split('\n').map((l) => JSON.parse(l));

describe('quality gate and filters through the CLI', () => {
  let out: string;
  let failed: CliResult;
  let warned: CliResult;
  // run 1's summary and rejected samples, read before run 2 replaces them
  let summary1: { quality: { rejected: Record<string, number> }; synthesis: ClassSynthesis[] };
  let rejected1: { path: string; label: string; seed: number; score: number; reason: string; detail: string }[];
  let rejectedDirs: string[];

  beforeAll(async () => {
    out = path.join(await tempDir(), 'run');
    const config = path.join(ROOT, 'configs/quickstart.yaml');
    // 1: an impossible FID limit with onFail: fail; rejection sampling; rejected samples kept.
    failed = await runCli(['run', config, '--out', out, '--backend', 'wasm', '--set', ...TINY, 'quality.maxFid=0', 'quality.onFail=fail', 'filter.keepRejected=true', 'filter.discriminator=drs', 'filter.drsPercentile=50']);
    summary1 = await readJson(path.join(out, 'summary.json'));
    rejected1 = await lines(path.join(out, 'rejected/rejected.jsonl'));
    await Promise.all(rejected1.map((x) => access(path.join(out, x.path))));
    rejectedDirs = (await readdir(path.join(out, 'rejected'))).sort();
    // 2: same out folder (the classifier comes from the cache), all three filters, the discriminator keeping
    // too few (20% of 2 × deficit: 36 of the 45 each class asks for at deliver.share 0.5) to fill the classes, onFail: warn, and a spread no kept set reaches.
    warned = await runCli(['run', config, '--out', out, '--backend', 'wasm', '--set', ...TINY, 'quality.maxFid=0', 'quality.minSpread=100', 'filter.order=[near-copy,label,discriminator]', 'filter.minLabelProb=0', 'filter.discriminator=fraction', 'filter.fraction=0.2', 'filter.keepRejected=false']);
  }, 300_000);

  it('a failed gate with onFail: fail exits 3 and names the classes, after writing every output', async () => {
    expect(failed.code, failed.stderr).toBe(3);
    expect(failed.stderr).toMatch(/error: quality gate failed for "coat" \(FID [\d.]+ > quality.maxFid 0\)/);
    expect(failed.stderr).not.toMatch(/\n\s+at /);
    // written before the error: summary (from run 2 now, so check its shape), manifest, models
    await access(path.join(out, 'manifest.jsonl'));
    await access(path.join(out, 'model/generator/model.json'));
  });

  it('a failed gate with onFail: warn warns and exits 0', () => {
    expect(warned.code, warned.stderr).toBe(0);
    expect(warnings(warned.stderr).join('\n')).toMatch(/quality gate: class "\w+" fails: FID [\d.]+ > quality.maxFid 0; spread [\d.]+ < quality.minSpread 100/);
  });

  it('summary.json carries per-class FID and KID with extractor id, dims, resize kernel and sample counts', async () => {
    const s = await readJson(path.join(out, 'summary.json'));
    expect(s.quality.extractor).toMatchObject({ kind: 'classifier', dims: 64, resize: 'none', decodeKernel: 'lanczos3' });
    expect(s.quality.classifier.cached).toBe(true); // run 2 reused run 1's classifier
    expect(s.quality.gate).toMatchObject({ maxFid: 0, maxKid: null, minSpread: 100, onFail: 'warn' });
    expect(s.quality.gate.failed.map((f: { label: string }) => f.label).sort()).toEqual(
      (s.synthesis as ClassSynthesis[]).filter((c) => c.quality.fid !== null).map((c) => c.label).sort(),
    );
    for (const c of s.synthesis as ClassSynthesis[]) {
      expect(SCARCE).toContain(c.label);
      expect(c.quality.extractor).toEqual({ id: s.quality.extractor.id, dims: 64, resize: 'none', decodeKernel: 'lanczos3' });
      // measured against the 2 images of the class the GAN held out (train.validation 0.1 of 10, at least 2)
      expect(c.quality.samples).toEqual({ real: 2, synthetic: c.kept, realTrain: 8 });
      expect(c.quality.reference).toBe('held-out');
      // the kept images' spread against the class's real images: a ratio, measured whenever 2 were kept
      if (c.kept >= 2) expect(c.quality.spread).toBeGreaterThan(0);
      expect(c.quality.fidFloor).toBeGreaterThan(0);
      expect(typeof c.quality.kidFloor).toBe('number');
      if (c.kept >= 2) {
        expect(c.quality.fid).toBeGreaterThan(0);
        expect(typeof c.quality.kid).toBe('number');
        expect(c.quality.passed).toBe(false);
      }
      expect(c.nearCopy.map((n) => [n.space, n.scope, n.calibrationSamples])).toEqual([
        ['feature', 'pooled', 730],
        ['pixel', 'pooled', 730],
      ]);
    }
  });

  it('reports, per class and overall, the shortfall and every rejection by reason', async () => {
    const s = await readJson(path.join(out, 'summary.json'));
    const classes = s.synthesis as ClassSynthesis[];
    for (const c of classes) {
      expect(c.candidates).toBe(180);
      expect(c.target).toBe(90);
      // deliver.share 0.5: the filters are asked for half the deficit
      expect(c.planned).toBe(45);
      expect(c.kept + c.shortfall).toBe(45);
      expect(Object.values(c.rejected).reduce((a, b) => a + b, 0)).toBe(c.candidates - c.kept);
      expect(c.steps.map((x) => x.step)).toEqual(['near-copy-feature', 'near-copy-pixel', 'label', 'discriminator-fraction']);
    }
    const short = classes.filter((c) => c.shortfall > 0);
    expect(short.length).toBeGreaterThan(0);
    for (const c of short) {
      expect(c.rejected.discriminator).toBeGreaterThan(0);
      expect(warnings(warned.stderr)).toContainEqual(expect.stringContaining(`class "${c.label}": the filters kept ${c.kept} of the 45 needed (short by ${c.shortfall}) from 180 candidates`));
    }
    expect(s.quality.shortfall).toBe(classes.reduce((n, c) => n + c.shortfall, 0));
    expect(s.quality.rejected.discriminator).toBe(classes.reduce((n, c) => n + (c.rejected.discriminator ?? 0), 0));
    // the manifest ships only what was kept, and each synthetic line carries the filter scores
    const manifest = await lines(path.join(out, 'manifest.jsonl'));
    const synthetic = manifest.filter((e) => e.source === 'synthetic');
    expect(synthetic).toHaveLength(classes.reduce((n, c) => n + c.kept, 0));
    for (const e of synthetic) {
      expect(e.scores['label-prob']).toBeGreaterThanOrEqual(0);
      expect(Object.keys(e.scores).sort()).toEqual(['discriminator', 'label-prob', 'near-feature', 'near-pixel']);
    }
    // run 2 did not keep rejected samples: run 1's are gone, not mixed in
    await expect(access(path.join(out, 'rejected'))).rejects.toThrow();
  });

  describe('filter.keepRejected', () => {
    it('wrote each rejected candidate of run 1 with its reason; counts agree with its summary.json', () => {
      const total = Object.values(summary1.quality.rejected).reduce((a, b) => a + b, 0);
      expect(rejected1).toHaveLength(total);
      expect(total).toBe(3 * 180 - summary1.synthesis.reduce((n, c) => n + c.kept, 0));
      const byReason: Record<string, number> = {};
      for (const x of rejected1) byReason[x.reason] = (byReason[x.reason] ?? 0) + 1;
      for (const [reason, n] of Object.entries(summary1.quality.rejected)) expect(byReason[reason] ?? 0).toBe(n);
      expect(byReason.drs).toBeGreaterThan(0);
      expect(rejected1[0]).toMatchObject({ label: expect.any(String), seed: expect.any(Number), score: expect.any(Number), detail: expect.any(String) });
      expect(rejectedDirs).toEqual(['coat', 'pullover', 'rejected.jsonl', 'shirt']);
    });
  });

  it('filter.shortfall: oversample fills what the filters left short, and deliver.share the rest of the fill, with the class’s real images, marked as such', async () => {
    const out3 = path.join(await tempDir(), 'run');
    const config = path.join(ROOT, 'configs/quickstart.yaml');
    const r = await runCli(['run', config, '--out', out3, '--backend', 'wasm', '--set', ...TINY, 'filter.discriminator=fraction', 'filter.fraction=0.2', 'filter.shortfall=oversample', 'output.imagefolder=copy']);
    expect(r.code, r.stderr).toBe(0);
    const s = await readJson(path.join(out3, 'summary.json'));
    const manifest = await lines(path.join(out3, 'manifest.jsonl'));
    const realPaths = new Map<string, string>(manifest.filter((e) => e.source === 'real').map((e) => [e.path, e.label]));
    const short = (s.synthesis as ClassSynthesis[]).filter((c) => c.shortfall > 0);
    expect(short.length).toBeGreaterThan(0);
    for (const c of s.synthesis as ClassSynthesis[]) {
      const mine = manifest.filter((e) => e.label === c.label && e.source === 'oversampled');
      // the fill's real part (90 − 45 at deliver.share 0.5) and what the filters left short of their 45
      const listed = c.target - c.planned + c.shortfall;
      expect(c.planned).toBe(45);
      expect(mine).toHaveLength(listed);
      expect(c.oversampled).toBe(listed);
      // each repeats a real image of the same class (same path, same hash), every one once before any twice
      for (const e of mine) expect(realPaths.get(e.path)).toBe(c.label);
      const uses = new Map<string, number>();
      for (const e of mine) uses.set(e.path, (uses.get(e.path) ?? 0) + 1);
      expect(Math.max(...uses.values()) - Math.min(...uses.values())).toBeLessThanOrEqual(1);
      expect(uses.size).toBe(Math.min(10, listed));
      const counts = s.classes.find((x: { label: string }) => x.label === c.label);
      expect(counts).toMatchObject({ synthetic: c.kept, oversampled: listed, after: counts.target });
    }
    // the warning says the shortfall was filled, and the imagefolder layout has one file per entry
    expect(warnings(r.stderr)).toContainEqual(expect.stringContaining('The rest are filled with its real images (filter.shortfall: oversample)'));
    const metadata = (await readFile(path.join(out3, 'imagefolder/train/metadata.jsonl'), 'utf8')).trim().split('\n');
    expect(metadata).toHaveLength(manifest.length);
    const c0 = short[0]!;
    expect((await readdir(path.join(out3, 'imagefolder/train', c0.label, 'oversampled'))).length).toBe(c0.target - c0.planned + c0.shortfall);
    // (stderr is JSON lines here: quotes inside a message are escaped)
    expect(r.stderr.replaceAll('\\"', '"')).toContain(`class "${c0.label}": ${c0.target - c0.planned + c0.shortfall} real images listed again — 45 for the rest of its fill (deliver.share auto = 0.5: 45 of 90 synthetic); ${c0.shortfall} for what the filters left short (filter.shortfall: oversample)`);
  }, 300_000);
});

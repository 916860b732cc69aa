/**
 * evaluate: the figures (table-tested), the four training sets, and a whole comparison on the fixtures
 * (fmnist-tiny as the manifest's real images, flipped copies of its scarce classes standing in for
 * synthetic ones, fmnist-tiny-test as the held-out folder), deterministic for a seed.
 */
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/select.js';
import { UserError } from '../../src/errors.js';
import { adjustLogits, buildArms, sameTraining, syntheticArm } from '../../src/evaluate/arms.js';
import { argmaxRows, classFigures, sampleStd } from '../../src/evaluate/metrics.js';
import { loadEvaluationData } from '../../src/evaluate/load.js';
import { evaluate, type EvaluateEvent } from '../../src/evaluate/run.js';
import { verdictOf } from '../../src/evaluate/rows.js';
import { budgetSteps } from '../../src/evaluate/train.js';
import { confusionLines, formatEvaluation } from '../../src/evaluate/format.js';
import { oversampledEntry, realEntry, syntheticEntry, toJsonl, type ManifestEntry } from '../../src/manifest/build.js';
import { writeManifest, writeManifestFiles } from '../../src/manifest/write.js';
import { Rng } from '../../src/util/rng.js';
import { FIXTURE, ROOT, tempDir } from '../helpers/tmp.js';

const TEST = path.join(ROOT, 'fixtures/fmnist-tiny-test');
const SCARCE = ['coat', 'pullover', 'shirt'];
const HASH = '0'.repeat(64);

describe('the default budget', () => {
  it('is 16 passes over the largest row (2,500 steps of 64 for fmnist-lt\'s 10,000 images), never under 600 steps', () => {
    expect(budgetSteps(10_000, 64)).toBe(2500);
    expect(budgetSteps(10_001, 64)).toBe(2501);
    expect(budgetSteps(20_000, 128)).toBe(2500);
    expect(budgetSteps(500, 64)).toBe(600);
  });
});

describe('classFigures', () => {
  const cases: [string, number[], number[], number, { recall: number[]; f1: number[]; ba: number; f1m: number }][] = [
    ['perfect', [0, 1, 2], [0, 1, 2], 3, { recall: [1, 1, 1], f1: [1, 1, 1], ba: 1, f1m: 1 }],
    ['all predicted as 0', [0, 0, 1, 1], [0, 0, 0, 0], 2, { recall: [1, 0], f1: [2 / 3, 0], ba: 0.5, f1m: 1 / 3 }],
    ['a class without test images is left out', [0, 0, 1], [0, 1, 1], 3, { recall: [0.5, 1, NaN], f1: [2 / 3, 2 / 3, NaN], ba: 0.75, f1m: 2 / 3 }],
  ];
  it.each(cases)('%s', (_n, truth, pred, k, want) => {
    const f = classFigures(truth, pred, k);
    f.recall.forEach((r, i) => (Number.isNaN(want.recall[i]) ? expect(r).toBeNaN() : expect(r).toBeCloseTo(want.recall[i]!, 12)));
    f.f1.forEach((r, i) => (Number.isNaN(want.f1[i]) ? expect(r).toBeNaN() : expect(r).toBeCloseTo(want.f1[i]!, 12)));
    expect(f.balancedAccuracy).toBeCloseTo(want.ba, 12);
    expect(f.macroF1).toBeCloseTo(want.f1m, 12);
  });

  it('rejects predictions of another length', () => {
    expect(() => classFigures([0, 1], [0], 2)).toThrow(RangeError);
  });

  it('argmax and spread', () => {
    expect([...argmaxRows([0, 2, 1, 5, 4, 3], 2, 3)]).toEqual([1, 0]);
    expect(sampleStd([1])).toBe(0);
    expect(sampleStd([1, 3])).toBeCloseTo(Math.SQRT2, 12);
  });
});

describe('buildArms', () => {
  // Class 0: 6 real; class 1: 2 real + 3 synthetic; class 2: 1 real, no synthetic (oversampled to the largest).
  const real = Int32Array.from([0, 0, 0, 0, 0, 0, 1, 1, 2]);
  const syn = Int32Array.from([1, 1, 1]);
  const inp = { realLabels: real, addedLabels: syn, scarce: [1, 2], k: 3 };
  const arms = buildArms(inp, new Rng(1));
  const count = (pool: Int32Array, labels: Int32Array) => [0, 1, 2].map((c) => [...pool].filter((i) => labels[i] === c).length);
  const all = Int32Array.from([...real, ...syn]);

  it('gives four arms in the reported order', () => {
    expect(arms.map((a) => a.name)).toEqual(['real', 'oversample', 'class-weight', 'synthetic']);
  });
  it('oversample reaches the size each class has with its synthetic images, from its own real images', () => {
    const o = arms[1]!;
    expect(count(o.pool, all)).toEqual([6, 5, 6]);
    expect([...o.pool].every((i) => i < real.length)).toBe(true);
  });
  it("oversample follows the run's targets where it knows them, whatever the filters kept", () => {
    const withTargets = buildArms({ ...inp, targets: [NaN, 8, NaN] }, new Rng(1));
    expect(count(withTargets[1]!.pool, all)).toEqual([6, 8, 6]);
  });
  it('oversample repeats a class in shuffled rounds: no real image listed k + 1 times while another has k', () => {
    for (const seed of [1, 2, 3]) {
      const o = buildArms({ ...inp, targets: [NaN, 9, NaN] }, new Rng(seed))[1]!;
      const times = [6, 7].map((i) => [...o.pool].filter((j) => j === i).length);
      expect(times[0]! + times[1]!).toBe(9);
      expect(Math.abs(times[0]! - times[1]!)).toBeLessThanOrEqual(1);
    }
  });
  it('oversample takes the real images the run listed again first, so it differs from the synthetic row by exactly the synthetic images', () => {
    // Added: two real images of class 1 listed again (indices 9, 10: they repeat images 6 and 7), one synthetic (11).
    const mixed = { ...inp, addedLabels: Int32Array.from([1, 1, 1]), addedSynthetic: Uint8Array.from([0, 0, 1]), targets: [NaN, 5, NaN] };
    const [, o, , s] = buildArms(mixed, new Rng(1));
    expect([...o!.pool].slice(9, 11)).toEqual([9, 10]);
    expect(count(o!.pool, all)).toEqual([6, 5, 6]);
    expect([...o!.pool].includes(11)).toBe(false);
    expect([...s!.pool].filter((i) => !o!.pool.includes(i))).toEqual([11]);
    // A run that kept no synthetic image (the guard fell back everywhere): the two rows are the same pool.
    const none = { ...inp, addedLabels: Int32Array.from([1, 1, 1, 2, 2, 2, 2, 2]), addedSynthetic: new Uint8Array(8), targets: [NaN, 5, 6] };
    const [, o2, , s2] = buildArms(none, new Rng(1));
    expect([...o2!.pool]).toEqual([...s2!.pool]);
  });
  it('sameTraining: the synthetic arm of a manifest without synthetic images is the oversample arm; one synthetic image, weight or soft row differs', () => {
    const none = { ...inp, addedLabels: Int32Array.from([1, 1, 1, 2, 2, 2, 2, 2]), addedSynthetic: new Uint8Array(8), targets: [NaN, 5, 6] };
    const labels = Int32Array.from([...real, ...none.addedLabels]);
    // As load.ts fills them: weight 1 and one-hot rows where the manifest gives none.
    const weight = new Float32Array(labels.length).fill(1);
    const soft = new Float32Array(labels.length * 3);
    labels.forEach((l, i) => (soft[i * 3 + l] = 1));
    const [, o, , s] = buildArms({ ...none, weight, soft }, new Rng(1));
    expect(s!.soft).toBe(soft);
    expect(sameTraining(o!, s!, labels, 3)).toBe(true);
    const heavier = Float32Array.from(weight, (w, i) => (i === 9 ? 0.5 : w));
    expect(sameTraining(o!, buildArms({ ...none, weight: heavier, soft }, new Rng(1))[3]!, labels, 3)).toBe(false);
    const smoothed = Float32Array.from(soft, (v, j) => (j === 9 * 3 + 1 ? 0.9 : j === 9 * 3 ? 0.1 : v));
    expect(sameTraining(o!, buildArms({ ...none, weight, soft: smoothed }, new Rng(1))[3]!, labels, 3)).toBe(false);
    const one = { ...none, addedSynthetic: Uint8Array.from([0, 0, 1, 0, 0, 0, 0, 0]) };
    const [, o1, , s1] = buildArms({ ...one, weight, soft }, new Rng(1));
    expect(sameTraining(o1!, s1!, labels, 3)).toBe(false);
    expect(sameTraining(o!, { ...o!, classWeight: Float32Array.from([1, 2, 1]) }, labels, 3)).toBe(false);
  });
  it('class-weight gives every class the same total weight', () => {
    const w = arms[2]!.classWeight;
    expect(6 * w[0]!).toBeCloseTo(2 * w[1]!, 6);
    expect(2 * w[1]!).toBeCloseTo(1 * w[2]!, 6);
    expect(6 * w[0]! + 2 * w[1]! + w[2]!).toBeCloseTo(real.length, 5);
  });
  it('synthetic adds the synthetic images to the real ones', () => {
    expect(count(arms[3]!.pool, all)).toEqual([6, 5, 1]);
    expect([...arms[0]!.classWeight]).toEqual([1, 1, 1]);
  });
  it('synthetic at mix ½ keeps the best half of each class’s synthetic images and fills the rest from its real ones', () => {
    const half = syntheticArm(inp, { targets: 'hard', mix: 0.5 }, new Rng(1));
    expect(count(half.pool, all)).toEqual([6, 5, 1]);
    const added = [...half.pool].filter((i) => i >= real.length);
    expect(added.length).toBe(2); // round(0.5 × 3), best first
    expect(added).toEqual([9, 10]);
    expect(half.soft).toBeUndefined();
  });
  it('synthetic with soft targets carries the manifest’s weights and soft rows; hard does not', () => {
    const weight = Float32Array.from({ length: 12 }, (_, i) => (i >= 9 ? 0.5 : 1));
    const soft = new Float32Array(12 * 3);
    const soft1 = syntheticArm({ ...inp, weight, soft }, { targets: 'soft', mix: 1 }, new Rng(1));
    expect(soft1.imageWeight).toBe(weight);
    expect(soft1.soft).toBe(soft);
    expect(syntheticArm({ ...inp, weight, soft }, { targets: 'hard', mix: 1 }, new Rng(1)).imageWeight).toBeUndefined();
  });
});

describe('verdictOf', () => {
  const d = (mean: number, low: number, high: number) => ({ scarceRecall: { mean, low, high }, balancedAccuracy: { mean: 0, low: 0, high: 0 }, macroF1: { mean: 0, low: 0, high: 0 } });
  const best = { name: 'oversample' as const, balancedAccuracy: 0.8 };
  it.each([
    ['CI above 0, balanced accuracy level: helps', d(4, 1, 7), 0.8, true, /scarce recall \+4\.0 points, 95 % CI \+1\.0 to \+7\.0 over oversample/],
    ['CI straddles 0', d(2, -1, 5), 0.81, false, /not above 0 with 95 % confidence/],
    ['balanced accuracy below', d(4, 1, 7), 0.79, false, /balanced accuracy 79\.0 % vs 80\.0 % of oversample: below/],
    ['both fail, both said', d(-3, -6, 0), 0.7, false, /confidence.*; balanced accuracy/],
    ['one seed', d(4, NaN, NaN), 0.9, false, /^one seed gives no confidence interval \(use --seeds ≥ 2\)$/, 1],
    // Five seeds without an interval: no scarce class had test images (its recall is NaN), not one seed.
    ['no scarce-class test images', d(NaN, NaN, NaN), 0.9, false, /^no confidence interval over the 5 seeds: the test folder holds no image of a scarce class/],
    ['below by less than one decimal shows two', d(0.1, -0.7, 0.9), 0.7996, false, /balanced accuracy 79\.96 % vs 80\.00 % of oversample: below/],
  ])('%s', (_n, vsBest, ba, helps, reason, n = 5) => {
    const v = verdictOf({ balancedAccuracy: ba, vsBest }, best, n);
    expect(v.helps).toBe(helps);
    expect(v.reason).toMatch(reason);
  });
});

describe('adjustLogits', () => {
  it('subtracts τ·log prior (Menon et al. 2021), so a rare class wins a near tie', () => {
    const logits = Float32Array.from([2, 1.5, 0, 0]);
    const prior = [0.9, 0.1];
    const out = adjustLogits(logits, 2, prior, 1);
    expect(out[0]).toBeCloseTo(2 - Math.log(0.9), 5);
    expect(out[1]).toBeCloseTo(1.5 - Math.log(0.1), 5);
    expect([...argmaxRows(out, 2, 2)]).toEqual([1, 1]);
    expect([...argmaxRows(adjustLogits(logits, 2, prior, 0), 2, 2)]).toEqual([0, 0]);
  });
});

describe('evaluate on the fixtures', () => {
  let manifest: string;

  beforeAll(async () => {
    await initBackend('wasm');
    const out = await tempDir();
    const entries: ManifestEntry[] = [];
    for (const c of (await readdir(FIXTURE)).sort()) {
      for (const f of (await readdir(path.join(FIXTURE, c))).sort()) entries.push(realEntry(path.relative(out, path.join(FIXTURE, c, f)), c, HASH));
    }
    // Stand-ins for synthetic images: mirrored copies of each scarce class's real images.
    for (const c of SCARCE) {
      await mkdir(path.join(out, 'synthetic', c), { recursive: true });
      const files = (await readdir(path.join(FIXTURE, c))).sort();
      for (let i = 0; i < 30; i++) {
        const rel = `synthetic/${c}/${String(i).padStart(5, '0')}.png`;
        await sharp(path.join(FIXTURE, c, files[i % files.length]!)).flop().toFile(path.join(out, rel));
        entries.push(syntheticEntry({ path: rel, label: c, score: 0, generator: 'model/generator', generatorStep: 1, seed: i, sha256: HASH }));
      }
    }
    await writeManifestFiles(out, entries, { csv: false, imagefolder: null, input: FIXTURE });
    manifest = path.join(out, 'manifest.jsonl');
  });

  const SETTINGS = { steps: 12, batchSize: 16 };

  it('tries hard labels beside the manifest\'s own when the manifest recommends soft ones (deliver.labels: soft)', async () => {
    const dir = path.dirname(manifest);
    const lines = (await readFile(manifest, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as ManifestEntry);
    const soft = lines.map((e) => (e.source === 'synthetic' ? { ...e, weight: 0.8, softLabel: { [e.label]: 0.8, [SCARCE[0] === e.label ? SCARCE[1]! : SCARCE[0]!]: 0.2 } } : e));
    const file = path.join(dir, 'manifest-soft.jsonl');
    await writeFile(file, soft.map((e) => JSON.stringify(e)).join('\n') + '\n');
    const r = await evaluate({ manifest: file, test: TEST, seeds: [0], settings: SETTINGS, tuneSeeds: 1 });
    expect(r.tuning!.candidates.map((c) => `${c.use.targets}/${c.use.mix}`)).toEqual(['soft/1', 'hard/1', 'soft/0.5', 'hard/0.5']);
  });

  it('produces every row, each with every class recall, the paired gain, the verdict and the validation choice', async () => {
    const r = await evaluate({ manifest, test: TEST, seeds: [0, 1], settings: SETTINGS, tuneSeeds: 1 });
    expect(r.scarce).toEqual(SCARCE);
    expect(r.rows.map((x) => x.name)).toEqual(['real', 'oversample', 'class-weight', 'logit-adjust', 'synthetic']);
    // The manifest recommends each image's class and weight 1 (deliver.labels: hard), so hard labels and
    // the manifest's own are one use: only the shares are tried.
    expect(r.tuning!.candidates.map((c) => c.use)).toEqual([
      { targets: 'soft', mix: 1 },
      { targets: 'soft', mix: 0.5 },
    ]);
    expect(Object.values(r.tuning!.validation).reduce((a, b) => a + b, 0)).toBeLessThan(730);
    expect(typeof r.verdict.helps).toBe('boolean');
    expect(r.verdict.reason.length).toBeGreaterThan(0);
    const syn = r.rows.find((x) => x.name === 'synthetic')!;
    const bestRow = r.rows.find((x) => x.name === r.best)!;
    expect(['real', 'oversample', 'class-weight', 'logit-adjust']).toContain(r.best);
    expect(syn.vsBest.scarceRecall.mean).toBeCloseTo(r.gain, 9);
    expect(syn.vsBest.scarceRecall.low).toBeLessThanOrEqual(syn.vsBest.scarceRecall.mean);
    expect(bestRow.vsBest.scarceRecall.mean).toBe(0);
    expect(r.verdict.helps).toBe(syn.vsBest.scarceRecall.low > 0 && syn.balancedAccuracy >= bestRow.balancedAccuracy);
    // Each scarce class's paired difference: its mean is the rows' difference, and the classes average to the scarce figure.
    expect(Object.keys(syn.vsBest.recall!)).toEqual(SCARCE);
    for (const l of SCARCE) expect(syn.vsBest.recall![l]!.mean).toBeCloseTo(100 * (syn.recall[l]! - bestRow.recall[l]!), 9);
    expect(SCARCE.reduce((s, l) => s + syn.vsBest.recall![l]!.mean, 0) / SCARCE.length).toBeCloseTo(syn.vsBest.scarceRecall.mean, 9);
    expect(formatEvaluation(r)).toContain(`synthetic − ${r.best}, recall per scarce class in points (paired over seeds, 95 % CI): ${SCARCE[0]} `);
    for (const l of SCARCE) for (const v of Object.values(syn.confusion[l]!)) expect(v).toBeGreaterThan(0);
    // A scarce class without test images (recall left out) is said to have none, not to be "mistaken for nothing else".
    const noTest = { ...r, rows: r.rows.map((row) => ({ ...row, recall: Object.fromEntries(Object.entries(row.recall).filter(([l]) => l !== SCARCE[0])) })) };
    expect(confusionLines(noTest).every((line) => line.includes(`${SCARCE[0]} → no test images;`))).toBe(true);
    expect(confusionLines(r).some((line) => line.includes('no test images'))).toBe(false);
    for (const row of r.rows) {
      expect(Object.keys(row.recall)).toHaveLength(10);
      expect(row.perSeed.map((s) => s.seed)).toEqual([0, 1]);
      expect(row.balancedAccuracy).toBeGreaterThanOrEqual(0);
      expect(row.balancedAccuracy).toBeLessThanOrEqual(1);
      const mean = (row.perSeed[0]!.scarceRecall + row.perSeed[1]!.scarceRecall) / 2;
      expect(row.scarceRecall).toBeCloseTo(mean, 12);
    }
    expect(r.rows.find((x) => x.name === 'synthetic')!.trainImages).toBe(730 + 90);
    expect(r.rows.find((x) => x.name === 'oversample')!.trainImages).toBe(730 + 90);
    expect(r.rows.find((x) => x.name === 'real')!.trainImages).toBe(730);
    const best = r.rows.find((x) => x.name === r.best)!;
    expect(r.gain).toBeCloseTo(100 * (r.rows[4]!.scarceRecall - best.scarceRecall), 9);
    expect(r.rows.find((x) => x.name === 'logit-adjust')!.trainImages).toBe(0);
    expect(Object.values(r.testCounts).reduce((a, b) => a + b, 0)).toBe(200);
    // the kept images against the test folder, in the first seed's real-row features
    expect(r.quality!.extractor).toBe("the real row's classifier, seed 0");
    expect(r.quality!.perClass.map((q) => [q.label, q.test, q.kept])).toEqual(SCARCE.map((l) => [l, r.testCounts[l], 30]));
    for (const q of r.quality!.perClass) {
      expect(q.fid!).toBeGreaterThan(0);
      expect(q.fidFloor!).toBeGreaterThan(0);
      expect(q.coverage!).toBeGreaterThanOrEqual(0);
      expect(q.coverage!).toBeLessThanOrEqual(1);
    }
    expect(formatEvaluation(r)).toMatch(/kept synthetic images vs the test folder .*coat FID [\d.]+ = [\d.]+ × floor [\d.]+, coverage [\d.]+.*, assigned to coat \d+ % of kept vs \d+ % of test images/);
    for (const q of r.quality!.perClass) {
      // The test share is the first seed's real-row recall of the class: the same classifier, the same images.
      expect(q.assignedTest).toBeCloseTo(r.rows.find((x) => x.name === 'real')!.perSeed[0]!.recall[q.label]!, 9);
      expect(q.assigned).toBeGreaterThanOrEqual(0);
      expect(q.assigned).toBeLessThanOrEqual(1);
    }
  });

  it('without --steps trains 16 passes over the largest row (820 images: 820 steps of 16), says so first, and stops on abort', async () => {
    const stop = new AbortController();
    const seen: { loaded?: number; step?: number } = {};
    const run = evaluate({
      manifest,
      test: TEST,
      seeds: [0],
      settings: { batchSize: 16 },
      tuneSeeds: 0,
      signal: stop.signal,
      onEvent: (e) => {
        if (e.type === 'loaded') seen.loaded = e.steps;
        if (e.type === 'step') {
          seen.step = e.steps;
          stop.abort();
        }
      },
    });
    await expect(run).rejects.toThrow(/interrupted/i);
    expect(seen).toEqual({ loaded: 820, step: 820 });
  });

  it('is deterministic for a seed on one thread or two, and by default measures the manifest as written (no validation-split choice)', async () => {
    const strip = (r: Awaited<ReturnType<typeof evaluate>>) => r.rows.map((row) => ({ ...row, seconds: 0 }));
    const threads: number[] = [];
    const a = await evaluate({ manifest, test: TEST, seeds: [3], settings: SETTINGS, tuneSeeds: 0, threads: 1, onEvent: (e) => e.type === 'threads' && threads.push(e.threads) });
    const b = await evaluate({ manifest, test: TEST, seeds: [3], settings: SETTINGS, threads: 2, onEvent: (e) => e.type === 'threads' && threads.push(e.threads) });
    expect(threads).toEqual([1, 2]);
    expect(b.tuning).toBeNull();
    expect(a.verdict.helps).toBe(false);
    expect(a.verdict.reason).toMatch(/one seed/);
    expect(strip(a)).toEqual(strip(b));
    expect(a.gain).toBe(b.gain);
  });

  it('names what is wrong with its inputs', async () => {
    await expect(evaluate({ manifest: path.join(ROOT, 'nope.jsonl'), test: TEST, seeds: [0] })).rejects.toThrow(/--manifest: expected a manifest.jsonl/);
    await expect(evaluate({ manifest, test: TEST, seeds: [0], scarce: ['unicorn'] })).rejects.toThrow(UserError);
    await expect(evaluate({ manifest, test: TEST, seeds: [0], scarce: ['coat', 'shrit'] })).rejects.toThrow(/--scarce: unknown class "shrit" \(did you mean "shirt"\?\) \(known: /);
    await expect(evaluate({ manifest, test: FIXTURE + '-missing', seeds: [0] })).rejects.toThrow(/--test/);
    // A `generate` manifest: synthetic rows only.
    const onlySynthetic = path.join(path.dirname(manifest), 'generated.jsonl');
    await writeFile(onlySynthetic, (await readFile(manifest, 'utf8')).trim().split('\n').filter((l) => JSON.parse(l).source === 'synthetic').join('\n') + '\n');
    await expect(evaluate({ manifest: onlySynthetic, test: TEST, seeds: [0] })).rejects.toThrow(/lists no real image \(a `gan-augment generate` manifest lists only the images it sampled\)/);
    const text = await readFile(manifest, 'utf8');
    expect(text).toBe(toJsonl(text.trim().split('\n').map((l) => JSON.parse(l))));
  });

  it('leaves out test images that are training images (the same pixels once decoded, whatever the file), and refuses a test folder of nothing else', async () => {
    const test = path.join(await tempDir(), 'test');
    const testCount = async (dir: string) => (await Promise.all((await readdir(dir)).map(async (c) => (await readdir(path.join(dir, c))).length))).reduce((a, b) => a + b, 0);
    for (const c of await readdir(TEST)) {
      await mkdir(path.join(test, c), { recursive: true });
      for (const f of await readdir(path.join(TEST, c))) await writeFile(path.join(test, c, f), await readFile(path.join(TEST, c, f)));
    }
    const coats = (await readdir(path.join(FIXTURE, 'coat'))).sort();
    const shirts = (await readdir(path.join(FIXTURE, 'shirt'))).sort();
    // A byte copy, the same pixels re-encoded as lossless WebP, and a training shirt filed as a coat.
    await writeFile(path.join(test, 'coat', 'copied.png'), await readFile(path.join(FIXTURE, 'coat', coats[0]!)));
    await sharp(path.join(FIXTURE, 'coat', coats[1]!)).webp({ lossless: true }).toFile(path.join(test, 'coat', 're-encoded.webp'));
    await writeFile(path.join(test, 'coat', 'mislabelled.png'), await readFile(path.join(FIXTURE, 'shirt', shirts[0]!)));
    // A mirrored training coat is another image (and the manifest's synthetic coats are such mirrors: not training images).
    await sharp(path.join(FIXTURE, 'coat', coats[0]!)).flop().toFile(path.join(test, 'coat', 'mirrored.png'));
    const d = await loadEvaluationData(manifest, test);
    expect(d.test.count).toBe((await testCount(TEST)) + 1);
    expect(d.testLeftOut).toEqual({ undecodable: 0, inTraining: 3 });
    expect(d.notes.join('\n')).toMatch(/^3 test images are training images of the manifest \(the same pixels once decoded\) and were left out: coat 3 \(first: .*coat\/copied\.png = .*coat\/.+\.png\)/m);
    const clean = await loadEvaluationData(manifest, TEST);
    expect(clean.testLeftOut).toEqual({ undecodable: 0, inTraining: 0 });
    // What is left: the clean folder's images and the mirror, labels and pixels row for row.
    const coat = d.labels.indexOf('coat');
    const coatsIn = (x: typeof d) => x.test.labels.filter((l) => l === coat).length;
    expect(coatsIn(d)).toBe(coatsIn(clean) + 1);
    const per = d.test.size * d.test.size * d.test.channels;
    const rows = (x: typeof d) => Array.from({ length: x.test.count }, (_, i) => `${x.test.labels[i]}:${Buffer.from(x.test.pixels.subarray(i * per, (i + 1) * per)).toString('base64')}`);
    const left = rows(d);
    for (const r of rows(clean)) {
      const i = left.indexOf(r);
      expect(i).toBeGreaterThanOrEqual(0);
      left.splice(i, 1);
    }
    expect(left).toHaveLength(1);
    await expect(loadEvaluationData(manifest, FIXTURE)).rejects.toThrow(/--test: every image of .* that decodes is also a training image of the manifest/);
  });

  it('loads oversampled entries as the real images they repeat, in the synthetic part only', async () => {
    const entries = (await readFile(manifest, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as ManifestEntry);
    const realCoats = entries.filter((e) => e.source === 'real' && e.label === 'coat').slice(0, 3);
    const out = path.dirname(manifest);
    const withRepeats = path.join(out, 'repeats.jsonl');
    await writeManifest(withRepeats, [...entries, ...[...realCoats, realCoats[0]!].map(oversampledEntry)]);
    const d = await loadEvaluationData(withRepeats, TEST);
    expect([d.real, d.synthetic, d.oversampled]).toEqual([730, 90, 4]);
    const per = d.train.size * d.train.size * d.train.channels;
    const rowOf = (i: number) => Buffer.from(d.train.pixels.subarray(i * per, (i + 1) * per));
    const realIndex = (e: ManifestEntry) => entries.filter((x) => x.source === 'real').indexOf(e);
    const tail = d.train.count - 4;
    for (const [k, e] of [...realCoats, realCoats[0]!].entries()) expect(rowOf(tail + k).equals(rowOf(realIndex(e)))).toBe(true);
  });

  it('takes the synthetic row from the oversample row when the manifest holds no synthetic image, and trains it when it does', async () => {
    const entries = (await readFile(manifest, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as ManifestEntry);
    const real = entries.filter((e) => e.source === 'real');
    // The guard fell back on every class: each scarce class's 30 synthetic images replaced by its real ones listed again.
    const fallback = path.join(path.dirname(manifest), 'fallback.jsonl');
    await writeManifest(fallback, [...real, ...SCARCE.flatMap((c) => Array.from({ length: 30 }, (_, i) => oversampledEntry(real.filter((e) => e.label === c)[i % 10]!)))]);
    const events: { arm: string; sameAs?: string }[] = [];
    const onEvent = (e: EvaluateEvent) => void (e.type === 'arm' && events.push(e));
    const r = await evaluate({ manifest: fallback, test: TEST, seeds: [0, 1], settings: SETTINGS, onEvent });
    const row = (name: string) => r.rows.find((x) => x.name === name)!;
    expect(row('synthetic').seconds).toBe(0);
    expect(row('synthetic').recall).toEqual(row('oversample').recall);
    expect(events.filter((e) => e.arm === 'synthetic').map((e) => e.sameAs)).toEqual(['oversample', 'oversample']);
    expect(row('synthetic').scarceRecall).toBe(row('oversample').scarceRecall);
    // With its synthetic images the row is trained (and its time counted).
    const withSynthetic = await evaluate({ manifest, test: TEST, seeds: [0], settings: SETTINGS, onEvent });
    expect(withSynthetic.rows.find((x) => x.name === 'synthetic')!.seconds).toBeGreaterThan(0);
    expect(events.at(-1)).toMatchObject({ arm: 'synthetic' });
    expect(events.at(-1)!.sameAs).toBeUndefined();
  });
});

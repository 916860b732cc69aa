/**
 * pool.ts: several GAN trainings' evaluations as one result, each training one paired unit. Table-built
 * results (pure); the interval must widen when the trainings disagree, however tight each one's seeds are.
 */
import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { formatEvaluation } from '../../src/evaluate/format.js';
import { poolTrainings } from '../../src/evaluate/pool.js';
import { meanFigures } from '../../src/evaluate/rows.js';
import { tInterval } from '../../src/evaluate/stats.js';
import type { ArmName, EvaluationResult, SeedFigures } from '../../src/evaluate/types.js';
import { evaluationOf } from '../helpers/evaluation.js';

const SCARCE = ['coat'];

/** One seed's figures: the scarce class's recall `r`, the other class's 0.9. */
function fig(seed: number, r: number, confusion: Record<string, number> = { bag: 1 - r }): SeedFigures {
  return { seed, balancedAccuracy: (r + 0.9) / 2, macroF1: (r + 0.9) / 2, recall: { coat: r, bag: 0.9 }, scarceRecall: r, majorityRecall: 0.9, confusion: { coat: confusion } };
}

/** An evaluation of one training: oversample's and synthetic's scarce recall per seed (the other classical rows lower). */
function result(manifest: string, seeds: number[], oversample: number[], synthetic: number[], over: Partial<EvaluationResult> = {}, logitAdjust = -0.1): EvaluationResult {
  const byArm: Record<ArmName, number[]> = { real: oversample.map((x) => x - 0.2), oversample, 'class-weight': oversample.map((x) => x - 0.1), 'logit-adjust': oversample.map((x) => x + logitAdjust), synthetic };
  return evaluationOf(SCARCE, seeds, (a) => byArm[a].map((r, i) => fig(seeds[i]!, r)), {
    quality: { extractor: 'x', coverageK: 3, perClass: [{ label: 'coat', fid: 4, fidFloor: 2, coverage: 0.5, coverageFloor: 0.6, test: 10, real: 5, kept: 5 }] },
    manifest,
    testCounts: { coat: 10, bag: 10 },
    ...over,
  });
}

describe('poolTrainings', () => {
  // Each training's two seeds agree to 0.2 points; the trainings do not (+5, −3, +6 points).
  const a = result('/a/manifest.jsonl', [0, 1], [0.5, 0.6], [0.55, 0.652]);
  const b = result('/b/manifest.jsonl', [2, 3], [0.5, 0.6], [0.47, 0.568]);
  const c = result('/c/manifest.jsonl', [4, 5], [0.5, 0.6], [0.56, 0.661]);

  it('makes each training one unit: its figures the mean of its seeds, the interval over the trainings', () => {
    const p = poolTrainings([a, b, c]);
    const syn = p.rows.find((r) => r.name === 'synthetic')!;
    expect(syn.perSeed.map((s) => s.seed)).toEqual([0, 1, 2]);
    expect(syn.perSeed[0]!.scarceRecall).toBeCloseTo((0.55 + 0.652) / 2, 12);
    expect(p.best).toBe('oversample');
    const diffs = [a, b, c].map((r) => 100 * (r.rows.find((x) => x.name === 'synthetic')!.scarceRecall - 0.55));
    const want = tInterval(diffs);
    expect(syn.vsBest.scarceRecall.mean).toBeCloseTo(want.mean, 9);
    expect(syn.vsBest.scarceRecall.low).toBeCloseTo(want.low, 9);
    expect(syn.vsBest.scarceRecall.high).toBeCloseTo(want.high, 9);
    expect(p.gain).toBeCloseTo(want.mean, 9);
    expect(p.seeds).toEqual([0, 1, 2]);
    expect(p.pooled!.trainings.map((t) => t.seeds)).toEqual([[0, 1], [2, 3], [4, 5]]);
  });

  it('does not call help when the trainings disagree, though two of the three each pass on their own seeds', () => {
    expect([a, b, c].map((r) => r.verdict.helps)).toEqual([true, false, true]);
    const p = poolTrainings([a, b, c]);
    expect(p.rows.find((r) => r.name === 'synthetic')!.vsBest.scarceRecall.low).toBeLessThan(0);
    expect(p.verdict.helps).toBe(false);
    expect(p.verdict.reason).toMatch(/not above 0 with 95 % confidence/);
  });

  it('calls help when every training gains alike', () => {
    const p = poolTrainings([a, c, result('/d/manifest.jsonl', [6, 7], [0.5, 0.6], [0.555, 0.655])]);
    expect(p.verdict.helps).toBe(true);
  });

  it('prints what the intervals are over, and one line per training', () => {
    const text = formatEvaluation(poolTrainings([a, b, c]));
    expect(text).toContain('(paired over GAN trainings, 95 % CI)');
    expect(text).toContain('over 3 GAN trainings, each the mean of its own classifier seeds (0/1, 2/3, 4/5)');
    expect(text).toMatch(/GAN training 1 \(\/b\/manifest\.jsonl\): synthetic − oversample -3\.1 \[.*\] over its 2 seeds; kept FID ÷ floor coat 2\.00/);
  });

  it('names what differs when the evaluations were not made alike', () => {
    expect(() => poolTrainings([a])).toThrow(UserError);
    expect(() => poolTrainings([a, { ...b, scarce: ['bag'] }])).toThrow(/scarce classes/);
    expect(() => poolTrainings([a, { ...b, testCounts: { coat: 9, bag: 10 } }])).toThrow(/\/b\/manifest\.jsonl was evaluated with test images per class/);
    expect(() => poolTrainings([a, { ...b, settings: { ...b.settings, steps: 11 } }])).toThrow(/classifier settings/);
    expect(() => poolTrainings([a, poolTrainings([b, c])])).toThrow(/already pooled/);
  });

  it('says so when no training kept a synthetic image', () => {
    const p = poolTrainings([{ ...a, quality: null }, { ...b, quality: null }]);
    expect(p.verdict.reason).toMatch(/^no training's manifest holds a synthetic image/);
  });
});

describe('the line against oversampling', () => {
  it('is printed, paired, where the best classical row is another', () => {
    const r = result('/a/manifest.jsonl', [0, 1, 2], [0.5, 0.6, 0.55], [0.52, 0.61, 0.58], {}, 0.1);
    expect(r.best).toBe('logit-adjust');
    // Per seed +2, +1, +3 points of scarce recall (t-interval ± 4.30 · 1/√3), half that of balanced accuracy.
    const line = formatEvaluation(r).split('\n').find((l) => l.startsWith('synthetic − oversample'));
    expect(line).toBe(`synthetic − oversample (paired over seeds, 95 % CI): scarce recall +2.0 [-0.5, +4.5], balanced accuracy +1.0 [-0.2, +2.2] points`);
  });

  it('is left out where oversampling is the best row (the table says it)', () => {
    expect(formatEvaluation(result('/a/manifest.jsonl', [0, 1], [0.5, 0.6], [0.52, 0.61]))).not.toContain('synthetic − oversample (');
  });
});

describe('meanFigures', () => {
  it('averages label by label; a confusion share a seed lacks counts as 0 there', () => {
    const m = meanFigures([fig(0, 0.5, { bag: 0.5 }), fig(1, 0.7, {})], 9);
    expect(m.seed).toBe(9);
    expect(m.scarceRecall).toBeCloseTo(0.6, 12);
    expect(m.recall).toEqual({ coat: expect.closeTo(0.6, 12), bag: expect.closeTo(0.9, 12) });
    expect(m.confusion.coat!.bag).toBeCloseTo(0.25, 12);
  });
});

describe('formatEvaluation: the validation split chose another use than the manifest as written', () => {
  const tuning = (chosen: { targets: 'soft' | 'hard'; mix: number }) => ({
    chosen,
    validation: { coat: 10, bag: 100 },
    seeds: [0, 1],
    candidates: [
      { use: { targets: 'soft' as const, mix: 1 }, scarceRecall: 0.467, balancedAccuracy: 0.79 },
      { use: { targets: 'hard' as const, mix: 1 }, scarceRecall: 0.5, balancedAccuracy: 0.8 },
      { use: { targets: 'soft' as const, mix: 0.5 }, scarceRecall: 0.55, balancedAccuracy: 0.81 },
      { use: { targets: 'hard' as const, mix: 0.5 }, scarceRecall: 0.583, balancedAccuracy: 0.818 },
    ],
  });

  it('says what the manifest as written read on the validation split, and how the synthetic row trained', () => {
    const text = formatEvaluation(result('/a/manifest.jsonl', [0, 1], [0.5, 0.6], [0.55, 0.652], { tuning: tuning({ targets: 'hard', mix: 0.5 }) }));
    expect(text).toContain(
      'the manifest as written (its labels and weights, every synthetic image it lists) read 46.7 % scarce recall on that split against 58.3 %: the synthetic row is not what training on it as it stands gives. ' +
        "Train as the row did (hard labels, no weights, the best 50 % of each class's synthetic images and its real images again for the rest of the fill), or measure the manifest as written without --tune-seeds",
    );
    expect(formatEvaluation(result('/a/manifest.jsonl', [0, 1], [0.5, 0.6], [0.55, 0.652], { tuning: tuning({ targets: 'soft', mix: 0.5 }) }))).toContain(
      "read 46.7 % scarce recall on that split against 55.0 %: the synthetic row is not what training on it as it stands gives. Train as the row did (its labels and weights, the best 50 % of",
    );
  });

  it('counts, in a pooled result, the trainings whose synthetic row used another use than their manifest as written', () => {
    const runs = [
      result('/a/manifest.jsonl', [0], [0.5], [0.55], { tuning: tuning({ targets: 'hard', mix: 0.5 }) }),
      result('/b/manifest.jsonl', [1], [0.6], [0.58], { tuning: tuning({ targets: 'soft', mix: 1 }) }),
      result('/c/manifest.jsonl', [2], [0.55], [0.6]),
    ];
    expect(formatEvaluation(poolTrainings(runs))).toContain(
      "1 of 3 GAN trainings' synthetic rows used another use than their manifests as written (their labels and weights, every synthetic image they list): the pooled synthetic row is not what training on them as they stand gives; measure that without --tune-seeds",
    );
    expect(formatEvaluation(poolTrainings(runs.slice(1)))).not.toContain('used another use');
  });

  it('says nothing of it when the split chose the manifest as written; without a split (the default) it says the row is the manifest as written', () => {
    expect(formatEvaluation(result('/a/manifest.jsonl', [0, 1], [0.5, 0.6], [0.55, 0.652], { tuning: tuning({ targets: 'soft', mix: 1 }) }))).not.toContain('the manifest as written');
    const untuned = formatEvaluation(result('/a/manifest.jsonl', [0, 1], [0.5, 0.6], [0.55, 0.652]));
    expect(untuned).not.toContain('on that split');
    expect(untuned).toContain('synthetic row: the manifest as written (labels, weights and every synthetic image listed: what training on it gives); --tune-seeds n lets a validation split choose another use');
    const pooled = formatEvaluation(poolTrainings([result('/a/manifest.jsonl', [0], [0.5], [0.55]), result('/b/manifest.jsonl', [1], [0.6], [0.58])]));
    expect(pooled).toContain('synthetic rows: the manifests as written (labels, weights and every synthetic image listed: what training on them gives)');
    const mixed = formatEvaluation(poolTrainings([result('/a/manifest.jsonl', [0], [0.5], [0.55], { tuning: tuning({ targets: 'soft', mix: 1 }) }), result('/b/manifest.jsonl', [1], [0.6], [0.58])]));
    expect(mixed).not.toContain('synthetic rows: the manifests as written');
    // A manifest without synthetic images (the guard fell back everywhere) has no use to choose: no such line.
    expect(formatEvaluation(result('/a/manifest.jsonl', [0, 1], [0.5, 0.6], [0.5, 0.6], { quality: null }))).not.toContain('synthetic row: the manifest as written');
  });
});

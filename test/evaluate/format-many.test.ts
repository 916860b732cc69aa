/**
 * evaluate's text with many scarce classes: beyond CLASSES_IN_FULL no column per class, the per-class
 * differences by what is sure, and the confusion and quality lines for the few classes that matter most.
 */
import { describe, expect, it } from 'vitest';
import { CLASSES_IN_FULL } from '../../src/config/defaults.js';
import { confusionLines, formatEvaluation, perClassLines, qualityLines, resultTable } from '../../src/evaluate/format.js';
import type { ArmName, EvaluationResult, SeedFigures } from '../../src/evaluate/types.js';
import { evaluationOf } from '../helpers/evaluation.js';

/** `n` scarce classes c0 … c(n−1) at recall 0.5 + i/100; in the synthetic row c0 gains 20 points, c1 loses 20. */
function result(n: number, seeds = [0, 1, 2]): EvaluationResult {
  const scarce = Array.from({ length: n }, (_, i) => `c${i}`);
  const fig = (seed: number, arm: ArmName): SeedFigures => {
    const recall: Record<string, number> = { big: 0.9 };
    scarce.forEach((l, i) => (recall[l] = 0.5 + i / 100 + (arm === 'synthetic' ? (i === 0 ? 0.2 : i === 1 ? -0.2 : 0) : 0) + seed / 1000 - (arm === 'real' ? 0.1 : 0)));
    const sr = scarce.reduce((s, l) => s + recall[l]!, 0) / n;
    return { seed, balancedAccuracy: (sr * n + 0.9) / (n + 1), macroF1: 0.5, recall, scarceRecall: sr, majorityRecall: 0.9, confusion: Object.fromEntries(scarce.map((l) => [l, { big: 1 - recall[l]! }])) };
  };
  return evaluationOf(scarce, seeds, (a) => seeds.map((s) => fig(s, a)), {
    quality: { extractor: 'x', coverageK: 5, perClass: scarce.map((label, i) => ({ label, fid: 10 + i, fidFloor: 5, coverage: 0.5, coverageFloor: 0.6, test: 10, real: 5, kept: 5 })) },
    testCounts: Object.fromEntries([...scarce, 'big'].map((l) => [l, 10])),
  });
}

describe('evaluate text with many scarce classes', () => {
  it(`keeps a column and every figure per class up to ${CLASSES_IN_FULL} scarce classes`, () => {
    const r = result(CLASSES_IN_FULL);
    expect(resultTable(r).split('\n')[0]).toContain(`c${CLASSES_IN_FULL - 1} %`);
    expect(perClassLines(r)[0]).toMatch(/: c0 \+20\.0 \[.*; c1 -20\.0 \[.*; c2 \+0\.0/);
    expect(confusionLines(r)[0]).not.toContain('scarce classes with');
  });

  it('a synthetic row that is the best row\'s classifier (no synthetic image delivered) does not repeat its confusion line', () => {
    const r = result(3);
    const best = r.rows.find((x) => x.name === r.best)!;
    const same = { ...r, rows: r.rows.map((x) => (x.name === 'synthetic' ? { ...x, confusion: best.confusion } : x)) };
    expect(confusionLines(same)).toEqual([confusionLines(r)[0], `scarce test images mistaken for (synthetic): the same as (${r.best})`]);
    expect(confusionLines(r)[1]).toMatch(/^scarce test images mistaken for \(synthetic\): c0 → big/);
  });

  it('beyond it: no column per class, the sure differences by name, the lowest recalls and highest FIDs only', () => {
    const r = result(CLASSES_IN_FULL + 4);
    expect(resultTable(r).split('\n')[0]).not.toMatch(/c\d+ %/);
    expect(perClassLines(r)).toEqual([
      expect.stringMatching(/^synthetic − \S+, recall per scarce class in points \(paired over seeds, 95 % CI\): above with confidence: c0 \+20\.0 \[[^\]]+\]; below with confidence: c1 -20\.0 \[[^\]]+\]; 10 of 12 level \(every class in evaluate\.json, rows\[\]\.vsBest\.recall\)$/),
    ]);
    const synthetic = confusionLines(r)[1]!;
    expect(synthetic).toContain(`(the ${CLASSES_IN_FULL} of 12 scarce classes with the lowest recall in this row; every class in evaluate.json)`);
    // c1 lost 20 points: lowest; c0 gained 20: not among the lowest.
    expect(synthetic).toMatch(/: c1 → big/);
    expect(synthetic).not.toMatch(/[:;] c0 →/);
    const quality = qualityLines(r)[0]!;
    expect(quality).toContain('with the highest FID ÷ floor');
    expect(quality).toContain('c11 FID 21.0');
    expect(quality).not.toMatch(/[:;] c0 FID/);
    expect(formatEvaluation(result(CLASSES_IN_FULL + 4, [0]))).toContain('12 classes, one seed: no intervals');
  });
});

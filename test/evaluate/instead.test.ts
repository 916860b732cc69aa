/**
 * Where the synthetic images do not help, evaluate's text and the report say what to use instead: the best
 * row without synthetic images, and how to get it in one's own training.
 */
import { describe, expect, it } from 'vitest';
import { formatEvaluation, insteadLine } from '../../src/evaluate/format.js';
import type { ArmName, SeedFigures } from '../../src/evaluate/types.js';
import { evaluationOf } from '../helpers/evaluation.js';

/** Scarce class `s` at `recall[arm]` (+ a little per seed, so intervals exist), the other class at 0.9. */
function result(recall: Partial<Record<ArmName, number>>) {
  const seeds = [0, 1, 2];
  const fig = (seed: number, arm: ArmName): SeedFigures => {
    const r = (recall[arm] ?? 0.5) + (seed % 2) / 1000;
    return { seed, balancedAccuracy: (r + 0.9) / 2, macroF1: 0.5, recall: { s: r, big: 0.9 }, scarceRecall: r, majorityRecall: 0.9, confusion: { s: { big: 1 - r } } };
  };
  return evaluationOf(['s'], seeds, (a) => seeds.map((seed) => fig(seed, a)));
}

describe('what to use instead', () => {
  it('names the best classical row and its recipe where the synthetic images do not help', () => {
    const r = result({ 'logit-adjust': 0.7, oversample: 0.6, synthetic: 0.55 });
    expect(r.verdict.helps).toBe(false);
    expect(r.best).toBe('logit-adjust');
    const line = insteadLine(r);
    expect(line).toBe("instead: the best row without synthetic images on this test folder is logit-adjust — logit adjustment: train on the real images as they are, then before the argmax subtract 1·log(the class's share of the training images) from each class's logit (Menon et al. 2021)");
    expect(formatEvaluation(r).trimEnd().split('\n').at(-1)).toBe(line);
    expect(insteadLine(result({ oversample: 0.7, synthetic: 0.55 }))).toMatch(/is oversample — random oversampling: .*RandomOverSampler/);
    expect(insteadLine(result({ 'class-weight': 0.7, synthetic: 0.55 }))).toMatch(/is class-weight — a class-weighted loss on the real images: weight class c by N ÷ \(classes × N_c\)/);
  });

  it('says which other rows are level with it, where their interval to it spans 0', () => {
    // oversample 0.002 below logit-adjust on one seed in two: level; real and class-weight 20 points below: not.
    const seeds = [0, 1, 2];
    const fig = (seed: number, arm: ArmName): SeedFigures => {
      const r = { 'logit-adjust': 0.7, oversample: 0.7 - (seed % 2) * 0.002 + (seed === 2 ? 0.003 : 0), synthetic: 0.6 }[arm as string] ?? 0.5;
      return { seed, balancedAccuracy: (r + 0.9) / 2, macroF1: 0.5, recall: { s: r, big: 0.9 }, scarceRecall: r, majorityRecall: 0.9, confusion: { s: { big: 1 - r } } };
    };
    const r = evaluationOf(['s'], seeds, (a) => seeds.map((seed) => fig(seed, a)));
    expect(insteadLine(r)).toMatch(/is (logit-adjust|oversample) \(level with (oversample|logit-adjust) within the 95 % intervals: any of them\) — /);
  });

  it('names no tie from one seed, which gives no interval', () => {
    const one = evaluationOf(['s'], [0], (a) => [{ seed: 0, balancedAccuracy: 0.8, macroF1: 0.5, recall: { s: a === 'oversample' ? 0.7 : 0.6, big: 0.9 }, scarceRecall: a === 'oversample' ? 0.7 : 0.6, majorityRecall: 0.9, confusion: {} }]);
    expect(insteadLine(one)).toMatch(/is oversample \(by its mean over one seed: no interval tells it from the others\) — random oversampling/);
  });

  it('where the manifest holds no synthetic image and oversampling is best, says the manifest is that already', () => {
    // The run's guard fell back on every class: the manifest's fills are real images listed again.
    const r = { ...result({ oversample: 0.7, synthetic: 0.7 }), quality: null };
    expect(insteadLine(r)).toBe('instead: the best row without synthetic images on this test folder is oversample — what this manifest delivers as it stands (each scarce class filled with its real images listed again): use it as it is');
    // Another row best: its recipe, as for any manifest.
    expect(insteadLine({ ...result({ 'class-weight': 0.75, oversample: 0.7, synthetic: 0.7 }), quality: null })).toMatch(/is class-weight — a class-weighted loss/);
  });

  it('says nothing where they help', () => {
    const r = result({ oversample: 0.6, synthetic: 0.75 });
    expect(r.verdict.helps).toBe(true);
    expect(insteadLine(r)).toBeNull();
    expect(formatEvaluation(r)).not.toContain('instead:');
  });
});

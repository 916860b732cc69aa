import { describe, expect, it } from 'vitest';
import { evaluateGate } from '../../src/evaluate/gate.js';
import { vsOversample } from '../../src/evaluate/rows.js';
import type { ArmName, EvaluationResult, EvaluationRow } from '../../src/evaluate/types.js';

const d0 = { mean: 0, low: 0, high: 0 };
/** A row whose seeds read these scarce recalls and balanced accuracies (fractions). */
function row(name: ArmName, scarce: number[], balanced: number[]): EvaluationRow {
  return {
    name,
    balancedAccuracy: balanced.reduce((a, b) => a + b, 0) / balanced.length,
    macroF1: 0,
    recall: {},
    scarceRecall: scarce.reduce((a, b) => a + b, 0) / scarce.length,
    majorityRecall: 0,
    confusion: {},
    std: { balancedAccuracy: 0, macroF1: 0, scarceRecall: 0 },
    vsBest: { scarceRecall: d0, balancedAccuracy: d0, macroF1: d0 },
    perSeed: scarce.map((s, i) => ({ seed: i, balancedAccuracy: balanced[i]!, macroF1: 0, recall: {}, scarceRecall: s, majorityRecall: 0, confusion: {} })),
    trainImages: 0,
    seconds: 0,
  };
}
function result(syn: [number[], number[]], over: [number[], number[]], helps = false): EvaluationResult {
  return { rows: [row('oversample', ...over), row('synthetic', ...syn)], verdict: { helps, reason: 'the reason' }, best: 'oversample' } as unknown as EvaluationResult;
}
const OVER: [number[], number[]] = [[0.6, 0.62, 0.58, 0.61, 0.6], [0.8, 0.8, 0.8, 0.8, 0.8]];

describe('evaluateGate', () => {
  it('harm: fails when the synthetic row is below oversampling with confidence, on scarce recall or balanced accuracy', () => {
    const lower = result([[0.55, 0.56, 0.53, 0.55, 0.54], OVER[1]], OVER);
    expect(vsOversample(lower)!.scarceRecall.high).toBeLessThan(0);
    expect(evaluateGate(lower, 'harm')).toMatch(/^--fail-on harm: the synthetic data does harm — scarce recall -5\.6 points vs oversample \(95 % CI -\d\.\d to -\d\.\d\)$/);
    const balanced = result([OVER[0], [0.78, 0.79, 0.78, 0.785, 0.78]], OVER);
    expect(evaluateGate(balanced, 'harm')).toMatch(/does harm — balanced accuracy -1\.7 points vs oversample/);
    expect(evaluateGate(lower, 'never')).toBeNull();
  });

  it('harm: passes a level result, and one seed (no interval) however low', () => {
    const level = result([[0.62, 0.6, 0.57, 0.63, 0.58], OVER[1]], OVER);
    expect(evaluateGate(level, 'harm')).toBeNull();
    expect(evaluateGate(result([[0.2], [0.5]], [[0.6], [0.8]]), 'harm')).toBeNull();
  });

  it('no-help: fails whenever the verdict is not "helps", with its reason; passes when it is', () => {
    const level = result([[0.62, 0.6, 0.57, 0.63, 0.58], OVER[1]], OVER);
    expect(evaluateGate(level, 'no-help')).toBe('--fail-on no-help: the synthetic data does not help — the reason');
    expect(evaluateGate(result([[0.7, 0.7, 0.7, 0.7, 0.7], OVER[1]], OVER, true), 'no-help')).toBeNull();
  });
});

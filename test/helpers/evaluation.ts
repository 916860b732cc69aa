/**
 * A whole EvaluationResult from per-seed figures of every arm, as `evaluate` summarises them (rows, best
 * classical row, paired differences, verdict), for tests of what reads a result: pooling, formatting.
 */
import { judgeArms, type ArmFigures } from '../../src/evaluate/rows.js';
import { ARMS, type ArmName, type EvaluationResult, type SeedFigures } from '../../src/evaluate/types.js';

/** `figures(arm)`: that arm's figures, one per seed, in `seeds` order; `over` replaces any field of the result. */
export function evaluationOf(scarce: string[], seeds: number[], figures: (arm: ArmName) => SeedFigures[], over: Partial<EvaluationResult> = {}): EvaluationResult {
  const perArm = new Map<ArmName, ArmFigures>(ARMS.map((a) => [a, { figures: figures(a), seconds: 1, trainImages: 10 }]));
  return {
    ...judgeArms(perArm, scarce, seeds.length),
    logitTau: 1,
    tuning: null,
    // A manifest with synthetic images (null: one without, the run's guard having fallen back on every class).
    quality: { extractor: "the real row's classifier, seed 0", coverageK: 5, perClass: [] },
    seeds,
    settings: { steps: 10, batchSize: 4, lr: 0.001, shift: 2, widths: [8] },
    manifest: '/m',
    test: '/t',
    testCounts: {},
    backend: 'cpu',
    seconds: 2,
    ...over,
  };
}

/**
 * One result from the evaluations of several GAN trainings of the same config (one run folder per GAN
 * seed, each evaluated on its own classifier seeds against the same test folder). Each training is one
 * paired unit: its rows' figures are the mean over its seeds, and the differences to the best classical row,
 * their 95 % t-intervals and the verdict are over the trainings. A single run's interval covers the
 * classifier's seed only; one GAN training can move the figure by several points (docs/measurements.md), so
 * this is the interval a config's claim needs. Pure.
 */
import { UserError } from '../errors.js';
import { meanFigures, summariseArms, verdictOf, type ArmFigures } from './rows.js';
import { ARMS, type ArmName, type EvaluationResult } from './types.js';

export const POOLED_UNIT = 'GAN training';

/**
 * Pools `results` (one per GAN training, at least 2).
 * @throws {UserError} when they were not measured alike (classes, scarce classes, test folder, steps, τ)
 */
export function poolTrainings(results: readonly EvaluationResult[]): EvaluationResult {
  if (results.length < 2) throw new UserError(`pooling GAN trainings: expected at least 2 evaluations, received ${results.length}`);
  const first = results[0]!;
  const same = (what: string, get: (r: EvaluationResult) => unknown) => {
    const want = JSON.stringify(get(first));
    const odd = results.findIndex((r) => JSON.stringify(get(r)) !== want);
    if (odd >= 0) throw new UserError(`pooling GAN trainings: ${results[odd]!.manifest} was evaluated with ${what} ${JSON.stringify(get(results[odd]!))}, ${first.manifest} with ${want}; evaluate every training alike`);
  };
  same('test images per class', (r) => r.testCounts);
  same('scarce classes', (r) => r.scarce);
  same('classifier settings', (r) => r.settings);
  same('τ', (r) => r.logitTau);
  same('the test folder', (r) => r.test);
  for (const r of results) if (r.pooled) throw new UserError(`pooling GAN trainings: ${r.manifest}'s evaluation is already pooled`);

  const perArm = new Map<ArmName, ArmFigures>(
    ARMS.map((name) => {
      const rows = results.map((r) => r.rows.find((x) => x.name === name)!);
      return [name, { figures: rows.map((row, k) => meanFigures(row.perSeed, k)), seconds: rows.reduce((s, row) => s + row.seconds, 0), trainImages: rows[0]!.trainImages }];
    }),
  );
  const { rows, best, synthetic, gain, gainStd } = summariseArms(perArm, first.scarce);
  const v = verdictOf(synthetic, best, results.length, POOLED_UNIT);
  const none = results.every((r) => r.quality === null);
  return {
    scarce: first.scarce,
    rows,
    gain,
    gainStd,
    best: best.name,
    verdict: none ? { ...v, reason: `no training's manifest holds a synthetic image (every scarce class was filled with its real images listed again), so the synthetic row is oversampling; ${v.reason}` } : v,
    logitTau: first.logitTau,
    tuning: null,
    quality: null,
    seeds: results.map((_, k) => k),
    pooled: {
      unit: POOLED_UNIT,
      trainings: results.map((r) => ({
        manifest: r.manifest,
        seeds: r.seeds,
        best: r.best,
        gain: r.rows.find((x) => x.name === 'synthetic')!.vsBest.scarceRecall,
        helps: r.verdict.helps,
        use: r.tuning?.chosen ?? null,
        quality: r.quality?.perClass ?? null,
      })),
    },
    settings: first.settings,
    manifest: first.manifest,
    test: first.test,
    testCounts: first.testCounts,
    ...(first.testLeftOut ? { testLeftOut: first.testLeftOut } : {}),
    backend: first.backend,
    seconds: results.reduce((s, r) => s + r.seconds, 0),
  };
}

/**
 * `gan-augment evaluate`: does the augmentation help a classifier on held-out real images, compared with
 * the cheap alternatives? Trains the same classifier on each of the four arms (see arms.ts) for each
 * seed, tests each on the test folder, and reports means, spreads and the gain on the scarce classes.
 */
import * as tf from '@tensorflow/tfjs';
import path from 'node:path';
import { disposeClassifier } from '../classifier/model.js';
import { UserError } from '../errors.js';
import { Rng } from '../util/rng.js';
import { buildArms } from './arms.js';
import { loadEvaluationData, type EvaluationData } from './load.js';
import { classFigures, meanFinite, sampleStd } from './metrics.js';
import { EVAL_DEFAULTS, predictClasses, trainArm, type EvalTrainSettings } from './train.js';
import { ARMS, type ArmName, type EvaluationResult, type EvaluationRow, type SeedFigures } from './types.js';

export type EvaluateEvent =
  | { type: 'loaded'; real: number; synthetic: number; oversampled: number; test: number; labels: string[]; scarce: string[] }
  | { type: 'step'; seed: number; arm: ArmName; step: number; steps: number }
  | { type: 'arm'; seed: number; arm: ArmName; figures: SeedFigures; seconds: number };

export interface EvaluateOptions {
  manifest: string;
  test: string;
  /** One classifier per arm per seed. */
  seeds: number[];
  settings?: Partial<EvalTrainSettings>;
  /** Labels to treat as scarce; default: the classes the manifest holds synthetic images for. */
  scarce?: string[];
  signal?: AbortSignal;
  onEvent?: (e: EvaluateEvent) => void;
}

/** The scarce classes: given, or those with synthetic images. */
function scarceOf(data: EvaluationData, given: string[] | undefined): string[] {
  if (given && given.length > 0) {
    const unknown = given.filter((l) => !data.labels.includes(l));
    if (unknown.length > 0) throw new UserError(`--scarce: unknown class${unknown.length > 1 ? 'es' : ''} ${unknown.map((l) => `"${l}"`).join(', ')} (known: ${data.labels.join(', ')})`);
    return [...new Set(given)];
  }
  const withSyn = new Set<number>();
  for (let i = data.real; i < data.train.count; i++) withSyn.add(data.train.labels[i]!);
  const scarce = data.labels.filter((_, i) => withSyn.has(i));
  if (scarce.length === 0) throw new UserError('the manifest holds no synthetic images, so there are no scarce classes to compare on; name them with --scarce');
  return scarce;
}

/**
 * Runs the comparison.
 * @throws {UserError} for unusable inputs; {InterruptedError} when `signal` aborts
 */
export async function evaluate(opts: EvaluateOptions): Promise<EvaluationResult & { notes: string[] }> {
  const t0 = performance.now();
  const settings: EvalTrainSettings = { ...EVAL_DEFAULTS, ...opts.settings };
  if (opts.seeds.length === 0) throw new UserError('--seeds: expected at least one seed');
  const data = await loadEvaluationData(opts.manifest, opts.test);
  const scarce = scarceOf(data, opts.scarce);
  const scarceIdx = scarce.map((l) => data.labels.indexOf(l));
  const emit = opts.onEvent ?? (() => {});
  emit({ type: 'loaded', real: data.real, synthetic: data.synthetic, oversampled: data.oversampled, test: data.test.count, labels: data.labels, scarce });
  const k = data.labels.length;
  const realLabels = data.train.labels.subarray(0, data.real);
  const synLabels = data.train.labels.subarray(data.real);

  const perArm = new Map<ArmName, { figures: SeedFigures[]; seconds: number; trainImages: number }>(ARMS.map((a) => [a, { figures: [], seconds: 0, trainImages: 0 }]));
  for (const seed of opts.seeds) {
    // The oversampling draw depends on the seed too: it is part of what varies between seeds.
    const arms = buildArms(realLabels, synLabels, scarceIdx, k, new Rng((seed ^ 0x6a09e667) >>> 0), data.targets);
    for (const arm of arms) {
      const ta = performance.now();
      const every = Math.max(1, Math.floor(settings.steps / 50));
      const c = await trainArm(data.train, arm, settings, seed, {
        ...(opts.signal ? { signal: opts.signal } : {}),
        onStep: (step) => (step % every === 0 || step === settings.steps) && emit({ type: 'step', seed, arm: arm.name, step, steps: settings.steps }),
      });
      let predicted: Int32Array;
      try {
        predicted = await predictClasses(c, data.test);
      } finally {
        disposeClassifier(c);
      }
      const fig = classFigures(data.test.labels, predicted, k);
      const recall: Record<string, number> = {};
      data.labels.forEach((l, i) => Number.isFinite(fig.recall[i]!) && (recall[l] = fig.recall[i]!));
      const figures: SeedFigures = {
        seed,
        balancedAccuracy: fig.balancedAccuracy,
        macroF1: fig.macroF1,
        recall,
        scarceRecall: meanFinite(scarceIdx.map((i) => fig.recall[i]!)),
      };
      const seconds = (performance.now() - ta) / 1000;
      const acc = perArm.get(arm.name)!;
      acc.figures.push(figures);
      acc.seconds += seconds;
      acc.trainImages = arm.pool.length;
      emit({ type: 'arm', seed, arm: arm.name, figures, seconds });
    }
  }

  const rows: EvaluationRow[] = ARMS.map((name) => {
    const { figures, seconds, trainImages } = perArm.get(name)!;
    const pick = (f: (x: SeedFigures) => number) => figures.map(f);
    const recall: Record<string, number> = {};
    for (const l of data.labels) {
      const v = figures.map((x) => x.recall[l]).filter((x): x is number => x !== undefined);
      if (v.length) recall[l] = v.reduce((s, x) => s + x, 0) / v.length;
    }
    const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
    return {
      name,
      balancedAccuracy: mean(pick((x) => x.balancedAccuracy)),
      macroF1: mean(pick((x) => x.macroF1)),
      recall,
      scarceRecall: mean(pick((x) => x.scarceRecall)),
      std: { balancedAccuracy: sampleStd(pick((x) => x.balancedAccuracy)), macroF1: sampleStd(pick((x) => x.macroF1)), scarceRecall: sampleStd(pick((x) => x.scarceRecall)) },
      perSeed: figures,
      trainImages,
      seconds,
    };
  });
  const synthetic = rows.find((r) => r.name === 'synthetic')!;
  const best = rows.filter((r) => r.name !== 'synthetic').reduce((a, b) => (b.scarceRecall > a.scarceRecall ? b : a));
  const diffs = synthetic.perSeed.map((s, i) => 100 * (s.scarceRecall - best.perSeed[i]!.scarceRecall));
  const testCounts: Record<string, number> = {};
  data.test.labels.forEach((l) => (testCounts[data.labels[l]!] = (testCounts[data.labels[l]!] ?? 0) + 1));
  return {
    scarce,
    rows,
    gain: 100 * (synthetic.scarceRecall - best.scarceRecall),
    gainStd: sampleStd(diffs),
    best: best.name,
    seeds: opts.seeds,
    settings,
    manifest: path.resolve(opts.manifest),
    test: path.resolve(opts.test),
    testCounts,
    backend: tf.getBackend(),
    seconds: (performance.now() - t0) / 1000,
    notes: data.notes,
  };
}

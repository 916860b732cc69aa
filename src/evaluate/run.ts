/**
 * `gan-augment evaluate`: does the augmentation help a classifier on held-out real images, compared with
 * the cheap alternatives? Trains the same classifier on each arm (see arms.ts) for each seed, tests each
 * on the test folder, and reports means, paired per-seed differences to the best classical row with
 * their 95 % t-intervals, and the verdict. How the synthetic row uses the synthetic images (the manifest's
 * labels and weights or hard labels, all of them or half) is chosen on a validation split carved from the manifest's
 * real images — never on the test folder.
 */
import { tf } from '../tf.js';
import os from 'node:os';
import path from 'node:path';
import type { Classifier } from '../classifier/model.js';
import { embed } from '../classifier/predict.js';
import type { FeatureMatrix } from '../metrics/stats.js';
import { COVERAGE_K, heldOutQuality, type HeldOutQuality } from './quality.js';
import { UserError } from '../errors.js';
import { didYouMean } from '../util/closest.js';
import { Rng } from '../util/rng.js';
import { pickImages, type LabelledImages } from '../dataset/sampler.js';
import { splitHoldout } from '../dataset/holdout.js';
import { twinGroups } from '../dataset/twins.js';
import { adjustLogits, buildArms, DELIVERED, sameTraining, syntheticArm, type ArmInputs, type SyntheticUse } from './arms.js';
import { loadEvaluationData, type EvaluationData } from './load.js';
import { argmaxRows, classFigures, meanFinite } from './metrics.js';
import { judgeArms, type ArmFigures } from './rows.js';
import { budgetSteps, EVAL_DEFAULTS, type EvalTrainSettings } from './train.js';
import { planClassifierThreads, trainArms, type ArmJob, type ClassifierThreads } from './arm-pool.js';
import { workerBackend } from '../backend/select.js';
import { EVALUATE_RUN_DEFAULTS } from '../config/defaults.js';
import { ARMS, type ArmName, type EvaluationResult, type SeedFigures, type Tuning } from './types.js';

export type EvaluateEvent =
  | { type: 'loaded'; real: number; synthetic: number; oversampled: number; test: number; labels: string[]; scarce: string[]; steps: number; batchSize: number }
  | { type: 'step'; seed: number; arm: ArmName; step: number; steps: number }
  | { type: 'tune'; use: SyntheticUse; scarceRecall: number; balancedAccuracy: number; chosen?: boolean }
  /** How many classifiers train at once, and how many there are (the rows' own: logit-adjust and a synthetic row the same as oversampling train none). */
  | { type: 'threads'; threads: number; reason: string; classifiers: number }
  | { type: 'arm'; seed: number; arm: ArmName; figures: SeedFigures; seconds: number; sameAs?: ArmName };

export interface EvaluateOptions {
  manifest: string;
  test: string;
  /** One classifier per arm per seed. */
  seeds: number[];
  settings?: Partial<EvalTrainSettings>;
  /** Labels to treat as scarce; default: the classes the manifest holds synthetic images for. */
  scarce?: string[];
  /** Seeds of the validation-split choice of the synthetic row's use (default 0 = no tuning: the manifest as written). */
  tuneSeeds?: number;
  /** τ of the logit-adjust row. */
  tau?: number;
  /** Threads that train the classifiers (arm-pool.ts); default `auto`. */
  threads?: ClassifierThreads;
  signal?: AbortSignal;
  onEvent?: (e: EvaluateEvent) => void;
}

/** The scarce classes: given, or those with synthetic images. */
function scarceOf(data: EvaluationData, given: string[] | undefined): string[] {
  if (given && given.length > 0) {
    const unknown = given.filter((l) => !data.labels.includes(l));
    if (unknown.length > 0) throw new UserError(`--scarce: unknown class${unknown.length > 1 ? 'es' : ''} ${unknown.map((l) => `"${l}"${didYouMean(l, data.labels, 'aside')}`).join(', ')} (known: ${data.labels.join(', ')})`);
    return [...new Set(given)];
  }
  const withSyn = new Set<number>();
  for (let i = data.real; i < data.train.count; i++) withSyn.add(data.train.labels[i]!);
  const scarce = data.labels.filter((_, i) => withSyn.has(i));
  if (scarce.length === 0) throw new UserError('the manifest holds no synthetic images, so there are no scarce classes to compare on; name them with --scarce');
  return scarce;
}

/** Share of each class's real images carved out as the validation split for tuning (at least 2 per class). */
export const VALIDATION_FRACTION = 0.2;
/** What the validation split chooses among for the synthetic row. */
export const TUNE_CANDIDATES: readonly SyntheticUse[] = [
  { targets: 'soft', mix: 1 },
  { targets: 'hard', mix: 1 },
  { targets: 'soft', mix: 0.5 },
  { targets: 'hard', mix: 0.5 },
];

/** Figures of one classifier's predictions. */
export function seedFigures(seed: number, truth: Int32Array, predicted: Int32Array, labels: readonly string[], scarceIdx: readonly number[]): SeedFigures {
  const k = labels.length;
  const fig = classFigures(truth, predicted, k);
  const recall: Record<string, number> = {};
  labels.forEach((l, i) => Number.isFinite(fig.recall[i]!) && (recall[l] = fig.recall[i]!));
  const confusion: Record<string, Record<string, number>> = {};
  for (const c of scarceIdx) {
    const counts = new Array<number>(k).fill(0);
    let n = 0;
    truth.forEach((t, i) => t === c && (n++, counts[predicted[i]!]!++));
    const row: Record<string, number> = {};
    counts.forEach((m, j) => j !== c && m > 0 && n > 0 && (row[labels[j]!] = m / n));
    confusion[labels[c]!] = row;
  }
  return {
    seed,
    balancedAccuracy: fig.balancedAccuracy,
    macroF1: fig.macroF1,
    recall,
    scarceRecall: meanFinite(scarceIdx.map((i) => fig.recall[i]!)),
    majorityRecall: meanFinite(fig.recall.filter((_, i) => !scarceIdx.includes(i))),
    confusion,
  };
}

interface Ctx {
  data: EvaluationData;
  settings: EvalTrainSettings;
  /** Classifier threads (arm-pool.ts). */
  threads: ClassifierThreads;
  scarceIdx: number[];
  emit: (e: EvaluateEvent) => void;
  signal?: AbortSignal;
}

/**
 * Each scarce class's kept synthetic images against its test images, in the features of `c` (the first
 * seed's real-data classifier): FID beside its floor and coverage beside the real images' (quality.ts).
 */
async function testQuality(c: Classifier, data: EvaluationData, scarceIdx: readonly number[]): Promise<HeldOutQuality[]> {
  const out: HeldOutQuality[] = [];
  for (const ci of scarceIdx) {
    // One pass per set: its features, and how many of its images the classifier assigns to the class.
    const embedded = async (set: LabelledImages, idx: number[]): Promise<{ rows: FeatureMatrix; hits: number }> => {
      if (idx.length === 0) return { rows: { data: new Float32Array(0), rows: 0, dims: 1 }, hits: 0 };
      const e = await embed(c, pickImages(set, idx).pixels, idx.length);
      const hits = argmaxRows(e.probs, idx.length, e.probs.length / idx.length).filter((p) => p === ci).length;
      return { rows: { data: e.features, rows: idx.length, dims: e.dims }, hits };
    };
    const real: number[] = [];
    const kept: number[] = [];
    const test: number[] = [];
    for (let i = 0; i < data.train.count; i++) {
      if (data.train.labels[i] !== ci) continue;
      if (i < data.real) real.push(i);
      else if (data.addedSynthetic[i - data.real] === 1) kept.push(i);
    }
    data.test.labels.forEach((l, i) => l === ci && test.push(i));
    const [t, r, k] = [await embedded(data.test, test), await embedded(data.train, real), await embedded(data.train, kept)];
    out.push(heldOutQuality(data.labels[ci]!, { test: t.rows, real: r.rows, kept: k.rows }, { kept: k.hits, test: t.hits }));
  }
  return out;
}

/**
 * Chooses how the synthetic row uses the synthetic images: each candidate of {@link TUNE_CANDIDATES} (its
 * `soft` ones only, the manifest's own targets, when the manifest recommends nothing but each image's class) is
 * trained on the manifest minus a validation split of its real images (VALIDATION_FRACTION per class) and
 * judged on that split by scarce recall, then balanced accuracy. The test folder plays no part.
 */
async function tune(ctx: Ctx, seeds: number[], firstSeed: number): Promise<Tuning> {
  const { data } = ctx;
  const k = data.labels.length;
  const realLabels = data.train.labels.subarray(0, data.real);
  const split = splitHoldout(Int32Array.from(realLabels), k, VALIDATION_FRACTION, new Rng((firstSeed ^ 0x7a11da7e) >>> 0), twinGroups({ ...data.train, count: data.real }));
  const added = Array.from({ length: data.train.count - data.real }, (_, j) => data.real + j);
  const keep = [...split.train, ...added];
  const train = pickImages(data.train, keep);
  const val = pickImages(data.train, split.held);
  const inputs: ArmInputs = {
    realLabels: train.labels.subarray(0, split.train.length),
    addedLabels: train.labels.subarray(split.train.length),
    addedSynthetic: data.addedSynthetic,
    weight: Float32Array.from(keep, (i) => data.weight[i]!),
    soft: (() => {
      const out = new Float32Array(keep.length * k);
      keep.forEach((i, j) => out.set(data.soft.subarray(i * k, (i + 1) * k), j * k));
      return out;
    })(),
    scarce: ctx.scarceIdx,
    k,
  };
  const validation: Record<string, number> = {};
  val.labels.forEach((l) => (validation[data.labels[l]!] = (validation[data.labels[l]!] ?? 0) + 1));
  const uses = TUNE_CANDIDATES.filter((u) => data.hasTargets || u.targets === 'soft');
  const jobs: ArmJob[] = uses.flatMap((use) => seeds.map((seed) => ({ arm: syntheticArm(inputs, use, new Rng((seed ^ 0x6a09e667) >>> 0)), seed })));
  const { logits } = await trainArms(train, val, ctx.settings, jobs, { threads: ctx.threads, ...(ctx.signal ? { signal: ctx.signal } : {}) });
  const candidates: Tuning['candidates'] = uses.map((use, u) => {
    const figs = seeds.map((seed, s) => seedFigures(seed, val.labels, argmaxRows(logits[u * seeds.length + s]!, val.count, k), data.labels, ctx.scarceIdx));
    const c = { use, scarceRecall: meanFinite(figs.map((f) => f.scarceRecall)), balancedAccuracy: meanFinite(figs.map((f) => f.balancedAccuracy)) };
    ctx.emit({ type: 'tune', ...c });
    return c;
  });
  const best = candidates.reduce((a, b) => (b.scarceRecall > a.scarceRecall + 1e-12 || (Math.abs(b.scarceRecall - a.scarceRecall) <= 1e-12 && b.balancedAccuracy > a.balancedAccuracy) ? b : a));
  ctx.emit({ type: 'tune', ...best, chosen: true });
  return { chosen: best.use, validation, seeds, candidates };
}

/**
 * Runs the comparison.
 * @throws {UserError} for unusable inputs; {InterruptedError} when `signal` aborts
 */
export async function evaluate(opts: EvaluateOptions): Promise<EvaluationResult & { notes: string[] }> {
  const t0 = performance.now();
  if (opts.seeds.length === 0) throw new UserError('--seeds: expected at least one seed');
  const tau = opts.tau ?? EVALUATE_RUN_DEFAULTS.tau;
  const data = await loadEvaluationData(opts.manifest, opts.test);
  // The largest row trains on every image the manifest lists (real + added): its passes set the steps.
  const batchSize = opts.settings?.batchSize ?? EVAL_DEFAULTS.batchSize;
  const settings: EvalTrainSettings = { ...EVAL_DEFAULTS, ...opts.settings, steps: opts.settings?.steps ?? budgetSteps(data.train.count, batchSize) };
  const scarce = scarceOf(data, opts.scarce);
  const scarceIdx = scarce.map((l) => data.labels.indexOf(l));
  const emit = opts.onEvent ?? (() => {});
  emit({ type: 'loaded', real: data.real, synthetic: data.synthetic, oversampled: data.oversampled, test: data.test.count, labels: data.labels, scarce, steps: settings.steps, batchSize: settings.batchSize });
  const k = data.labels.length;
  const ctx: Ctx = { data, settings, threads: opts.threads ?? 'auto', scarceIdx, emit, ...(opts.signal ? { signal: opts.signal } : {}) };
  const inputs: ArmInputs = {
    realLabels: data.train.labels.subarray(0, data.real),
    addedLabels: data.train.labels.subarray(data.real),
    addedSynthetic: data.addedSynthetic,
    weight: data.weight,
    soft: data.soft,
    scarce: scarceIdx,
    k,
    targets: data.targets,
  };
  const tuneSeeds = opts.tuneSeeds ?? EVALUATE_RUN_DEFAULTS.tuneSeeds;
  const tuning = tuneSeeds > 0 && data.synthetic > 0 ? await tune(ctx, opts.seeds.slice(0, tuneSeeds).length === tuneSeeds ? opts.seeds.slice(0, tuneSeeds) : Array.from({ length: tuneSeeds }, (_, i) => opts.seeds[0]! + i), opts.seeds[0]!) : null;
  const use = tuning?.chosen ?? DELIVERED;

  // The logit-adjust prior: class frequencies of the real training images.
  const prior = new Array<number>(k).fill(0);
  inputs.realLabels.forEach((l) => prior[l]!++);
  const priorFrac = prior.map((n) => n / Math.max(1, data.real));

  const perArm = new Map<ArmName, ArmFigures>(ARMS.map((a) => [a, { figures: [], seconds: 0, trainImages: 0 }]));
  const record = (name: ArmName, figures: SeedFigures, seconds: number, trainImages: number) => {
    const acc = perArm.get(name)!;
    acc.figures.push(figures);
    acc.seconds += seconds;
    acc.trainImages = trainImages;
  };
  // Filled while the first seed's real-row classifier is alive (a holder: TypeScript does not follow assignments in callbacks).
  const measured: { quality: HeldOutQuality[] | null } = { quality: null };
  // Every seed's arms, in order; a synthetic arm that is the oversample arm image for image (no synthetic
  // image in the manifest) trains the same classifier: its figures are the oversample row's, not a second training's.
  const planned = opts.seeds.flatMap((seed) => {
    // The oversampling draw depends on the seed too: it is part of what varies between seeds.
    const arms = buildArms(inputs, new Rng((seed ^ 0x6a09e667) >>> 0), use);
    const over = arms.find((a) => a.name === 'oversample');
    return arms.map((arm) => ({ seed, arm, sameAs: arm.name === 'synthetic' && over && sameTraining(over, arm, data.train.labels, k) ? over.name : undefined }));
  });
  const trained = planned.filter((p) => !p.sameAs);
  const jobs: ArmJob[] = trained.map(({ arm, seed }) => ({
    arm,
    seed,
    ...(arm.name === 'real' && seed === opts.seeds[0] && data.synthetic > 0 ? { inspect: async (c: Classifier) => void (measured.quality = await testQuality(c, data, scarceIdx)) } : {}),
  }));
  const figuresOf = (seed: number, logits: Float32Array) => seedFigures(seed, data.test.labels, argmaxRows(logits, data.test.count, k), data.labels, scarceIdx);
  type Row = { name: ArmName; seed: number; figures: SeedFigures; seconds: number; trainImages: number; sameAs?: ArmName };
  /** The rows classifier `j`'s logits give: its own, the logit-adjusted one of the real row, the synthetic one that trains alike. */
  const rowsOf = (j: number, l: Float32Array, seconds: number): Row[] => {
    const t = trained[j]!;
    const own = figuresOf(t.seed, l);
    const out: Row[] = [{ name: t.arm.name, seed: t.seed, figures: own, seconds, trainImages: t.arm.pool.length }];
    if (t.arm.name === 'real') out.push({ name: 'logit-adjust', seed: t.seed, figures: figuresOf(t.seed, adjustLogits(l, data.test.count, priorFrac, tau)), seconds: 0, trainImages: 0 });
    const twin = planned.find((p) => p.sameAs === t.arm.name && p.seed === t.seed);
    if (twin) out.push({ name: twin.arm.name, seed: t.seed, figures: { ...own }, seconds: 0, trainImages: twin.arm.pool.length, sameAs: t.arm.name });
    return out;
  };
  const plan = planClassifierThreads(ctx.threads, workerBackend(), os.availableParallelism(), jobs.length);
  emit({ type: 'threads', ...plan, classifiers: jobs.length });
  const byJob: Row[][] = [];
  await trainArms(data.train, data.test, settings, jobs, {
    threads: plan.threads,
    ...(opts.signal ? { signal: opts.signal } : {}),
    onStep: (j, step) => emit({ type: 'step', seed: trained[j]!.seed, arm: trained[j]!.arm.name, step, steps: settings.steps }),
    // As each classifier ends, its rows' lines (the logit-adjusted real row's, the synthetic row's where it is
    // this classifier's); the figures are recorded in seed order below, wherever each classifier trained.
    onDone: (j, l, seconds) => {
      byJob[j] = rowsOf(j, l, seconds);
      for (const r of byJob[j]) emit({ type: 'arm', seed: r.seed, arm: r.name, figures: r.figures, seconds: r.seconds, ...(r.sameAs ? { sameAs: r.sameAs } : {}) });
    },
    onWarn: (message) => data.notes.push(message),
  });
  for (const r of byJob.flat()) record(r.name, r.figures, r.seconds, r.trainImages);

  const judged = judgeArms(perArm, scarce, opts.seeds.length);
  const v = judged.verdict;
  const testCounts: Record<string, number> = {};
  data.test.labels.forEach((l) => (testCounts[data.labels[l]!] = (testCounts[data.labels[l]!] ?? 0) + 1));
  return {
    ...judged,
    // Say plainly when there was nothing synthetic to judge (e.g. the run's guard fell back on every class).
    verdict: data.synthetic === 0 ? { ...v, reason: `the manifest holds no synthetic image (the run filled every scarce class with its real images listed again; see summary.json "guard"), so the synthetic row is oversampling; ${v.reason}` } : v,
    logitTau: tau,
    tuning,
    quality: measured.quality && { extractor: `the real row's classifier, seed ${opts.seeds[0]}`, coverageK: COVERAGE_K, perClass: measured.quality },
    seeds: opts.seeds,
    settings,
    manifest: path.resolve(opts.manifest),
    manifestSha256: data.manifestSha256,
    test: path.resolve(opts.test),
    testCounts,
    testLeftOut: data.testLeftOut,
    backend: tf.getBackend(),
    seconds: (performance.now() - t0) / 1000,
    notes: data.notes,
  };
}

/**
 * The do-no-harm guard (`guard` in the config): before anything is written, check on real images the
 * GAN never trained on (its held-out split, `train.validation`) whether each scarce class's synthetic
 * images help a classifier more than listing the class's own real images again would, and keep
 * them only where they do (src/guard/decide.ts). Elsewhere the pipeline fills the class with oversampled
 * real images.
 *
 * Per seed: one classifier with every scarce class filled by its real images listed again in shuffled
 * rounds (`without`, what the fallback delivers), and per scarce class one with that class filled by its
 * kept synthetic images instead — the rest of its fill, `deliver.share`'s real part and any shortfall,
 * still from its real images, as the manifest will deliver it — each trained as `evaluate` trains (uniform
 * minibatches, shifts), on the real images minus the held-out ones;
 * synthetic images enter with their manifest target (`deliver.labels`: their class, or the soft label and
 * weight). All are tested on the held-out images. The classifiers are `evaluate`'s, for its budget by default
 * (`guardSettings`), over `guard.seeds` seeds.
 */
import os from 'node:os';
import { workerBackend } from '../backend/select.js';
import type { Config } from '../config/schema.js';
import { ganHoldoutRng, splitHoldout, splitHoldoutCounts } from '../dataset/holdout.js';
import { twinGroups } from '../dataset/twins.js';
import { pickImages, type LabelledImages } from '../dataset/sampler.js';
import type { EventSink } from '../events.js';
import type { ArmPool } from '../evaluate/arms.js';
import { argmaxRows, classFigures } from '../evaluate/metrics.js';
import { planClassifierThreads, trainArms, type ArmJob, type ClassifierThreads } from '../evaluate/arm-pool.js';
import { budgetSteps, EVAL_DEFAULTS, type EvalTrainSettings } from '../evaluate/train.js';
import { decideClass, type GuardClass, type GuardMode, type HeldOutFigures } from '../guard/decide.js';
import { guardHoldoutCount } from '../guard/preview.js';
import { CLASSES_IN_FULL, CLASSIFIER_MB_PER_IMAGE, CLASSIFIER_THREAD_MB, RUN_MEMORY_BUDGET_MB } from '../config/defaults.js';
import { Rng } from '../util/rng.js';
import { repeatInRounds } from '../util/rounds.js';
import type { ImageTarget } from './targets.js';
import { pushAll } from '../util/array.js';

/**
 * How many classifiers the run's guard trains at a time: two (one per core, as `evaluate` does: the same
 * figures, half the time) while the run's resident memory `rssMB` leaves room within the run's budget for a
 * classifier thread and for what its own classifier on `images` training images adds, else one. On the
 * default fmnist-lt run (328–430 MB when the guard starts, ~10,000 images: 215 MB needed) a second thread
 * took the peak to 539–558 MB to save 18 s of 30: one. The demo (~1,000 images: 121 MB needed) at 253–284 MB
 * gets two: its guard 12 s instead of 22 (until 2026-12-06 the need was 220 MB whatever the images, and the
 * demo's guard took one or two threads as its memory happened to stand either side of 280 MB).
 */
export function guardThreads(rssMB: number, images: number): { threads: ClassifierThreads; reason: string } {
  const need = CLASSIFIER_THREAD_MB + images * CLASSIFIER_MB_PER_IMAGE;
  return rssMB + need <= RUN_MEMORY_BUDGET_MB
    ? { threads: 'auto', reason: `${Math.round(rssMB)} MB in use` }
    : { threads: 1, reason: `${Math.round(rssMB)} MB in use: a second classifier thread would take the run past its ${RUN_MEMORY_BUDGET_MB} MB budget` };
}

/**
 * What each of the guard's classifiers trains like: `evaluate`'s classifier (config/defaults.ts
 * EVALUATE_DEFAULTS), for `guard.steps` steps — under `auto` evaluate's budget over its `images` training
 * images — so that the guard judges the images as `evaluate` will.
 */
export function guardSettings(guard: Config['guard'], images: number): EvalTrainSettings {
  return { ...EVAL_DEFAULTS, steps: guard.steps === 'auto' ? budgetSteps(images, EVAL_DEFAULTS.batchSize) : guard.steps };
}

export interface GuardSummary {
  mode: GuardMode;
  seeds: number[];
  /** Training budget of each classifier. */
  steps: number;
  /** Held-out real images per label (the GAN's `train.validation` split). */
  heldOut: Record<string, number>;
  perClass: GuardClass[];
  seconds: number;
}

export interface GuardInput {
  config: Config;
  /** Every real image, and class labels by index. */
  data: LabelledImages;
  labels: readonly string[];
  /** Indices into `data` of the held-out images: no GAN trained on them. */
  held: readonly number[];
  /** Scarce classes to judge, with the images each must be filled with (its deficit). */
  classes: readonly { label: string; fill: number }[];
  /** Kept synthetic images (best first per class) and their targets. */
  images: readonly { label: string; pixels: Uint8Array }[];
  targets: readonly ImageTarget[];
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
  /** Classifier threads (evaluate/arm-pool.ts); default 1 (the run passes {@link guardThreads}). */
  threads?: ClassifierThreads;
}

function softmaxRow(logits: Float32Array, i: number, k: number, c: number): number {
  let max = -Infinity;
  for (let j = 0; j < k; j++) max = Math.max(max, logits[i * k + j]!);
  let sum = 0;
  for (let j = 0; j < k; j++) sum += Math.exp(logits[i * k + j]! - max);
  return Math.exp(logits[i * k + c]! - max) / sum;
}

/** Held-out figures of one classifier's logits, for class `c`. */
function figuresFor(logits: Float32Array, test: LabelledImages, c: number): HeldOutFigures {
  const k = test.numClasses;
  const fig = classFigures(test.labels, argmaxRows(logits, test.count, k), k);
  const classProbs: number[] = [];
  for (let i = 0; i < test.count; i++) if (test.labels[i] === c) classProbs.push(softmaxRow(logits, i, k, c));
  return { recall: fig.recall[c] ?? NaN, classProbs, balancedAccuracy: fig.balancedAccuracy };
}

/**
 * Runs the check.
 * @throws {InterruptedError} when `signal` aborts
 */
export async function guardStage(inp: GuardInput): Promise<GuardSummary> {
  const t0 = performance.now();
  const { config, data, labels } = inp;
  const mode = config.guard.mode;
  const k = labels.length;
  const per = data.size * data.size * data.channels;
  const heldSet = new Set(inp.held);
  const trainReal = Array.from({ length: data.count }, (_, i) => i).filter((i) => !heldSet.has(i));
  const nTrain = trainReal.length;
  const nSyn = inp.images.length;

  // Training images: real (not held out) ++ synthetic. Test images: the held-out ones.
  const pixels = new Uint8Array((nTrain + nSyn) * per);
  trainReal.forEach((src, j) => pixels.set(data.pixels.subarray(src * per, (src + 1) * per), j * per));
  inp.images.forEach((img, j) => pixels.set(img.pixels, (nTrain + j) * per));
  const trainLabels = Int32Array.from([...trainReal.map((i) => data.labels[i]!), ...inp.images.map((img) => labels.indexOf(img.label))]);
  const train: LabelledImages = { ...data, pixels, count: nTrain + nSyn, labels: trainLabels };
  const test = pickImages(data, [...inp.held].sort((a, b) => a - b));
  const heldOut: Record<string, number> = {};
  labels.forEach((l, c) => (heldOut[l] = test.labels.filter((x) => x === c).length));

  const weight = new Float32Array(train.count).fill(1);
  const soft = new Float32Array(train.count * k);
  for (let i = 0; i < train.count; i++) {
    const t = i >= nTrain ? inp.targets[i - nTrain] : undefined;
    if (t) weight[i] = t.weight;
    const softLabel = t?.softLabel;
    if (softLabel) {
      const row = labels.map((l) => softLabel[l] ?? 0);
      const sum = row.reduce((a, b) => a + b, 0);
      row.forEach((v, j) => (soft[i * k + j] = sum > 0 ? v / sum : j === trainLabels[i] ? 1 : 0));
    } else soft[i * k + trainLabels[i]!] = 1;
  }

  const realByClass: number[][] = Array.from({ length: k }, () => []);
  for (let i = 0; i < nTrain; i++) realByClass[trainLabels[i]!]!.push(i);
  const synByClass: number[][] = Array.from({ length: k }, () => []);
  for (let i = nTrain; i < train.count; i++) synByClass[trainLabels[i]!]!.push(i);
  const judged = inp.classes.map((c) => ({ ...c, index: labels.indexOf(c.label) })).filter((c) => synByClass[c.index]!.length > 0);

  // Every classifier trains on the real training images and each judged class's fill (the same count in every arm).
  const settings = guardSettings(config.guard, nTrain + judged.reduce((n, c) => n + c.fill, 0));
  const seeds = Array.from({ length: config.guard.seeds }, (_, i) => config.seed + i);
  const without: HeldOutFigures[][] = judged.map(() => []);
  const withSyn: HeldOutFigures[][] = judged.map(() => []);
  const total = guardClassifiers(inp, config.guard.seeds);
  let done = 0;
  const armOf = (pool: number[], synthetic: boolean): ArmPool => ({ name: synthetic ? 'synthetic' : 'oversample', pool: Int32Array.from(pool), classWeight: new Float32Array(k).fill(1), ...(synthetic ? { imageWeight: weight, soft } : {}) });
  // Per seed: the classifier without synthetic images, then one per judged class with its synthetic images.
  const jobs: ArmJob[] = [];
  if (judged.length > 0) {
    for (const seed of seeds) {
      // Each class's fill from its real images in shuffled rounds, as the fallback delivers it: the same
      // draws in every arm of this seed.
      const rng = new Rng((seed ^ 0x9a4d0fa1) >>> 0);
      const draws = judged.map((c) => repeatInRounds(realByClass[c.index]!, c.fill, rng));
      jobs.push({ arm: armOf([...Array.from({ length: nTrain }, (_, i) => i), ...draws.flat()], false), seed });
      for (const [j, c] of judged.entries()) {
        const syn = synByClass[c.index]!.slice(0, c.fill);
        const fills = draws.map((d, m) => (m === j ? [...syn, ...d.slice(0, Math.max(0, c.fill - syn.length))] : d));
        jobs.push({ arm: armOf([...Array.from({ length: nTrain }, (_, i) => i), ...fills.flat()], true), seed });
      }
    }
  }
  const { logits } = await trainArms(train, test, settings, jobs, {
    threads: inp.threads ?? 1,
    ...(inp.signal ? { signal: inp.signal } : {}),
    onDone: () => inp.onProgress?.(++done, total),
  });
  const perSeed = 1 + judged.length;
  seeds.forEach((_, s) => {
    const base = logits[s * perSeed]!;
    judged.forEach((c, j) => {
      without[j]!.push(figuresFor(base, test, c.index));
      withSyn[j]!.push(figuresFor(logits[s * perSeed + 1 + j]!, test, c.index));
    });
  });
  const decideMode = mode === 'off' ? 'fallback' : mode;
  return {
    mode,
    seeds,
    steps: settings.steps,
    heldOut,
    perClass: judged.map((c, j) => decideClass(c.label, withSyn[j]!, without[j]!, heldOut[c.label] ?? 0, decideMode, config.generate.from !== null)),
    seconds: (performance.now() - t0) / 1000,
  };
}

/** How many classifiers the guard trains: per seed (`seeds` of them) one without synthetic images and one per class that has some. */
export function guardClassifiers(synth: { images: readonly { label: string }[]; classes: readonly { label: string }[] }, seeds: number): number {
  const withImages = new Set(synth.images.map((img) => img.label));
  const judged = synth.classes.filter((c) => withImages.has(c.label)).length;
  return judged > 0 ? seeds * (1 + judged) : 0;
}

/** A trained GAN job as the guard needs it: its labels and the indices (into its data) it held out. */
export interface HeldOutJob {
  labels: string[];
  result: { held: readonly number[] };
}

/** Indices into `data` of real images no GAN trained on (`shared` and `translate`: the one model's held-out split; per-class jobs: the other classes hold out the same share; `generate.from`: the split a shared model would hold out). */
export function heldOutOf(config: Config, data: LabelledImages, labels: readonly string[], jobs: readonly HeldOutJob[], scarce: readonly string[] = []): number[] {
  if (config.generate.from !== null) return sharedHeldOut(config, data, new Set(scarce.map((l) => labels.indexOf(l))));
  if (config.gan.mode !== 'per-class') return [...(jobs[0]?.result.held ?? [])];
  const held: number[] = [];
  const trainedOn = new Set<number>();
  for (const j of jobs) {
    // A per-class job's data is its class's images in dataset order, relabelled 0.
    const c = labels.indexOf(j.labels[0]!);
    trainedOn.add(c);
    const idx: number[] = [];
    data.labels.forEach((l, i) => l === c && idx.push(i));
    pushAll(held, j.result.held.map((h) => idx[h]!));
  }
  // The GANs' classes count as one extra class here, so the others split exactly as splitHoldout splits.
  const k = labels.length;
  const others = Int32Array.from(data.labels, (l) => (trainedOn.has(l) ? k : l));
  const split = splitHoldout(others, k + 1, config.train.validation, new Rng((config.seed ^ 0x6e1d0a7) >>> 0), twinGroups(data));
  pushAll(held, split.held.filter((i) => others[i] !== k));
  return held;
}

/**
 * The shared held-out split (a `shared` or `translate` GAN's, from its seed), except that under generate.from
 * (no GAN trained) each scarce class (`scarce`: class indices) holds out up to 15 (guard/preview.ts
 * `guardHoldoutCount`). Filters never select by them; the manifest lists them all.
 */
export function sharedHeldOut(config: Config, data: LabelledImages, scarce: ReadonlySet<number> = new Set()): number[] {
  const imported = config.generate.from !== null;
  const count = (c: number, n: number) => guardHoldoutCount(n, config.train.validation, imported && scarce.has(c));
  return splitHoldoutCounts(data.labels, data.numClasses, count, ganHoldoutRng(config.seed), twinGroups(data)).held;
}

/**
 * The guard for a run: its held-out images, the check, and a console line per class (a warning where the
 * synthetic images do not help).
 * @throws {InterruptedError} when `signal` aborts
 */
export async function runGuard(
  config: Config,
  ing: { data: LabelledImages; labels: string[] },
  jobs: readonly HeldOutJob[],
  synth: { images: readonly { label: string; pixels: Uint8Array }[]; classes: readonly { label: string; target: number }[] },
  targets: readonly ImageTarget[],
  emit: EventSink,
  signal?: AbortSignal,
): Promise<GuardSummary> {
  // The guard's classifiers train on the real images (less the held-out ones) and the kept synthetic ones.
  const threads = guardThreads(process.memoryUsage.rss() / 2 ** 20, ing.data.count + synth.images.length);
  const classifiers = guardClassifiers(synth, config.guard.seeds);
  const planned = planClassifierThreads(threads.threads, workerBackend(), os.availableParallelism(), classifiers);
  if (classifiers > 1 && (planned.threads > 1 || threads.threads === 1)) emit({ type: 'info', message: `guard: ${planned.threads === 1 ? 'one classifier' : `${planned.threads} classifiers`} at a time (${threads.threads === 1 ? threads.reason : `${planned.reason}; ${threads.reason}`})` });
  const summary = await guardStage({
    config,
    data: ing.data,
    labels: ing.labels,
    held: heldOutOf(config, ing.data, ing.labels, jobs, synth.classes.map((c) => c.label)),
    classes: synth.classes.map((c) => ({ label: c.label, fill: c.target })),
    images: synth.images,
    targets,
    ...(signal ? { signal } : {}),
    onProgress: (done, total) => emit({ type: 'guard.progress', done, total }),
    threads: planned.threads,
  });
  if (summary.perClass.length > CLASSES_IN_FULL) {
    // Many classes: one line per decision, naming its classes; each class's reason is in summary.json and the report.
    const kept = summary.perClass.filter((c) => c.helps).map((c) => c.label);
    const warned = summary.perClass.filter((c) => !c.helps && c.decision !== 'fallback').map((c) => c.label);
    const dropped = summary.perClass.filter((c) => !c.helps && c.decision === 'fallback').map((c) => c.label);
    const where = 'each class\'s reason is in summary.json ("guard") and the report';
    if (kept.length > 0) emit({ type: 'info', message: `guard: synthetic images kept for ${kept.length} classes (a gain on held-out images): ${kept.join(', ')}` });
    if (warned.length > 0) emit({ type: 'warn', message: `guard: synthetic images kept (guard: warn) for ${warned.length} classes they do not help on held-out images: ${warned.join(', ')}; ${where}` });
    if (dropped.length > 0) emit({ type: 'warn', message: `guard: synthetic images dropped for ${dropped.length} classes, each filled with its real images listed again (no gain on held-out images): ${dropped.join(', ')}; ${where}` });
    return summary;
  }
  for (const c of summary.perClass) {
    // With no held-out image of the class there is no recall to show; the reason says so.
    const figures = c.withSynthetic === null || c.without === null ? '' : ` (held-out recall ${(100 * c.withSynthetic).toFixed(1)} % with them, ${(100 * c.without).toFixed(1)} % without)`;
    // The figures beside the decision, the reason (which has its own parentheses) last.
    if (c.helps) emit({ type: 'info', message: `guard: class "${c.label}": synthetic images kept${figures} — ${c.reason}` });
    else {
      const what = c.decision === 'fallback' ? 'synthetic images dropped, filled with its real images listed again' : 'synthetic images kept (guard: warn), though they do not help';
      emit({ type: 'warn', message: `guard: class "${c.label}": ${what}${figures} — ${c.reason}` });
    }
  }
  return summary;
}

/**
 * The do-no-harm guard (`guard` in the config): before anything is written, check on real images the
 * GAN never trained on (its held-out split, `train.validation`) whether the scarce classes' synthetic
 * images help a classifier more than listing the classes' own real images again would, and keep
 * them only where they do (src/guard/decide.ts). Elsewhere the pipeline fills the class with oversampled
 * real images.
 *
 * Per seed: one classifier with every scarce class filled by its real images listed again in shuffled
 * rounds (`without`, what the fallback delivers), and per scarce class one with that class filled by its
 * kept synthetic images instead — the rest of its fill, `deliver.share`'s real part and any shortfall,
 * still from its real images, as the manifest will deliver it — each trained as `evaluate` trains (uniform
 * minibatches, shifts), on the real images minus the held-out ones; synthetic images enter with their
 * manifest target (`deliver.labels`: their class, or the soft label and weight). All are tested on the
 * held-out images, and each class is decided on its own — a class whose mean gain over the first 2 seeds, or
 * over any more seeds after them, is not above 0 is not trained further, and falls back (guard/decide.ts `GUARD_FIRST_SEEDS`). Under `fallback` the classes that gained are then
 * tested side by side, as the manifest would deliver them (one classifier per seed), and delivered only if the
 * scarce classes together gain with them (guard/decide.ts `decideWhole`); where they do not, smaller sets
 * (guard/decide.ts `setsToTest`), down to each alone (its classifiers already trained), the largest gain first. (Until 2026-12-06 each class was only tested
 * alone: on fmnist-lt with outside images, coats that gained alone were delivered and took as much from the
 * pullovers on the test folder.) Under `warn`, which delivers every class's images, every class is tested side
 * by side, so that the run says whether what it delivers helps the scarce classes together. The classifiers
 * are `evaluate`'s, for its budget by default (`guardSettings`), over `guard.seeds` seeds.
 *
 * That is 1 + scarce classes classifiers a seed, which grows with a long tail: beyond guard/decide.ts
 * `GUARD_EACH_MAX` scarce classes (`guard.screen: auto`, or at any count with `together`) the classes are first
 * judged side by side — per seed one classifier with every class's synthetic images and the one without, each
 * class read on its own held-out images — then again without the classes guard/decide.ts `screenedOut` leaves
 * out, until it leaves out none; the classes that pass are then tested together as above.
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
import { decideClass, decideWhole, GUARD_EACH_MAX, GUARD_FIRST_SEEDS, fallbackInstead, noGainSoFar, screenedOut, screenFor, setsToTest, setsToTestUnderWarn, settleSets, stoppedEarly, wholeStoppedEarly, type GuardClass, type GuardMode, type GuardScreen, type GuardWhole, type HeldOutFigures } from '../guard/decide.js';
import { guardHoldoutCount } from '../guard/preview.js';
import { CLASSES_IN_FULL, CLASSIFIER_MB_PER_IMAGE, CLASSIFIER_THREAD_MB, RUN_MEMORY_BUDGET_MB } from '../config/defaults.js';
import { Rng } from '../util/rng.js';
import { repeatInRounds } from '../util/rounds.js';
import type { ImageTarget } from './targets.js';
import { pushAll } from '../util/array.js';
import { andList } from '../util/text.js';
import { InternalError } from '../errors.js';

/**
 * How many classifiers the run's guard trains at a time: two (one per core, as `evaluate` does: the same
 * figures, half the time) while the run's resident memory `rssMB` leaves room within the run's budget for a
 * classifier thread on `images` training images (config/defaults.ts: 95 MB + 22 KB an image, fitted on
 * measurements), else one. The default fmnist-lt run (328–430 MB when the guard starts, ~10,000 images:
 * 315 MB reckoned) and fmnist-lt7 (318–328 MB, 6,285: 233) take one; the demo (~1,000 images: 117 MB) takes
 * two from 253–284 MB on native and from 353–382 MB on plain wasm (its guard 50 s instead of 100 there).
 */
export function guardThreads(rssMB: number, images: number, asked: ClassifierThreads = 'auto'): { threads: ClassifierThreads; reason: string } {
  if (asked !== 'auto') return { threads: asked, reason: `guard.threads ${asked}; ${Math.round(rssMB)} MB in use` };
  const need = CLASSIFIER_THREAD_MB + images * CLASSIFIER_MB_PER_IMAGE;
  return rssMB + need <= RUN_MEMORY_BUDGET_MB
    ? { threads: 'auto', reason: `${Math.round(rssMB)} MB in use` }
    : { threads: 1, reason: `${Math.round(rssMB)} MB in use: a second classifier thread would take the run past its ${RUN_MEMORY_BUDGET_MB} MB budget; with memory to spare, guard.threads: 2 trains two at a time for ~${Math.round(need)} MB more` };
}

/**
 * What each of the guard's classifiers trains like: `evaluate`'s classifier (config/defaults.ts
 * EVALUATE_DEFAULTS), for `guard.steps` steps — under `auto` evaluate's budget over its `images` training
 * images — so that the guard judges the images as `evaluate` will.
 */
export function guardSettings(guard: Config['guard'], images: number): EvalTrainSettings {
  return { ...EVAL_DEFAULTS, steps: guard.steps === 'auto' ? budgetSteps(images, EVAL_DEFAULTS.batchSize) : guard.steps };
}

/**
 * A class's final decision, and whether its synthetic images helped it when tested alone (absent in summaries
 * before 2026-12-06's late morning, and where the classes were screened together: none was tested alone).
 */
export type GuardedClass = GuardClass & { helpsAlone?: boolean };

export interface GuardSummary {
  mode: GuardMode;
  seeds: number[];
  /** Training budget of each classifier. */
  steps: number;
  /** Classifiers trained (a class that gains nothing over the first seeds is not trained on the rest; absent in summaries before 2026-12-06's late morning). */
  classifiers: number;
  /** Held-out real images per label (the GAN's `train.validation` split). */
  heldOut: Record<string, number>;
  /** How the classes were first judged (`guard.screen`; absent in summaries before 2026-12-07: each alone). */
  screen: GuardScreen;
  perClass: GuardedClass[];
  /**
   * Each set of classes tested side by side, in order, judged on the scarce classes together: under
   * `fallback` the classes that gained alone, then smaller sets down to each alone (guard/decide.ts `setsToTest`), the last
   * the one delivered if it gains (empty where no class gained alone); under `warn` every class, as delivered
   * (empty in summaries before 2026-12-06's afternoon), then, where that gains nothing, the sets `fallback`
   * would test: the first of those that gains is what `fallback` would deliver instead.
   */
  rounds: GuardWhole[];
  seconds: number;
  /**
   * How many classifiers the run's guard trained at a time, and why (`guard.threads`, or under `auto` the
   * run's memory when the guard began: {@link guardThreads}) — what its time and the run's peak memory
   * depend on. Set by the run (runGuard); absent in summaries before 2026-12-07's afternoon.
   */
  threads?: { count: number; reason: string };
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
  const trainSet: LabelledImages = { ...data, pixels, count: nTrain + nSyn, labels: trainLabels };
  const test = pickImages(data, [...inp.held].sort((a, b) => a - b));
  const heldOut: Record<string, number> = {};
  labels.forEach((l, c) => (heldOut[l] = test.labels.filter((x) => x === c).length));

  const weight = new Float32Array(trainSet.count).fill(1);
  const soft = new Float32Array(trainSet.count * k);
  for (let i = 0; i < trainSet.count; i++) {
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
  for (let i = nTrain; i < trainSet.count; i++) synByClass[trainLabels[i]!]!.push(i);
  const judged = inp.classes.map((c) => ({ ...c, index: labels.indexOf(c.label) })).filter((c) => synByClass[c.index]!.length > 0);

  // Every classifier trains on the real training images and each judged class's fill (the same count in every arm).
  const settings = guardSettings(config.guard, nTrain + judged.reduce((n, c) => n + c.fill, 0));
  const seeds = Array.from({ length: config.guard.seeds }, (_, i) => config.seed + i);
  const screen = screenFor(config.guard.screen, judged.length);
  let total = guardClassifiers(inp, config.guard.seeds, mode, config.guard.screen);
  let done = 0;
  // Each count once: the last classifier of a round, then the round's new total, can be the same count.
  let reported = '';
  const report = () => {
    if (`${done}/${total}` === reported) return;
    reported = `${done}/${total}`;
    inp.onProgress?.(done, total);
  };
  const summaryOf = (perClass: GuardedClass[], rounds: GuardWhole[]): GuardSummary => ({ mode, seeds, steps: settings.steps, classifiers: done, heldOut, screen, perClass, rounds, seconds: (performance.now() - t0) / 1000 });
  if (judged.length === 0) return summaryOf([], []);

  const realPool = Array.from({ length: nTrain }, (_, i) => i);
  // Per seed, each class's fill from its real images in shuffled rounds, as the fallback delivers it: the
  // same draws in every arm of that seed.
  const draws = seeds.map((seed) => {
    const rng = new Rng((seed ^ 0x9a4d0fa1) >>> 0);
    return judged.map((c) => repeatInRounds(realByClass[c.index]!, c.fill, rng));
  });
  const armOf = (pool: number[], synthetic: boolean): ArmPool => ({ name: synthetic ? 'synthetic' : 'oversample', pool: Int32Array.from(pool), classWeight: new Float32Array(k).fill(1), ...(synthetic ? { imageWeight: weight, soft } : {}) });
  /** Seed `s`'s classifier with the classes `set` (indices into `judged`) filled by their synthetic images, the rest of each fill (and every other class's) by its real images. */
  const armJob = (s: number, set: ReadonlySet<number>): ArmJob => {
    const fills = draws[s]!.map((d, m) => {
      if (!set.has(m)) return d;
      const syn = synByClass[judged[m]!.index]!.slice(0, judged[m]!.fill);
      return [...syn, ...d.slice(0, Math.max(0, judged[m]!.fill - syn.length))];
    });
    return { arm: armOf([...realPool, ...fills.flat()], set.size > 0), seed: seeds[s]! };
  };
  const train = async (jobs: ArmJob[]) =>
    (
      await trainArms(trainSet, test, settings, jobs, {
        threads: inp.threads ?? 1,
        ...(inp.signal ? { signal: inp.signal } : {}),
        onDone: () => {
          // Counted whether or not anyone listens (an optional call would skip its arguments).
          done += 1;
          report();
        },
      })
    ).logits;

  // First, per seed: the classifier without synthetic images, and per judged class one with its synthetic
  // images alone (screen each), or one with every class's side by side (together); each class decided on its
  // own held-out images — over the first seeds, then seed by seed while a class's mean gain so far is above 0
  // (GUARD_FIRST_SEEDS; together, while any class's is, or under warn the scarce classes' together).
  const early = seeds.length > GUARD_FIRST_SEEDS ? GUARD_FIRST_SEEDS : seeds.length;
  const decideMode = mode === 'off' ? 'fallback' : mode;
  const imported = config.generate.from !== null;
  const base: Float32Array[] = [];
  /** Each tested set's classifiers (one per seed it was trained on), by its classes' indices into `judged`. */
  const arms = new Map<string, Float32Array[]>();
  /**
   * The most classifiers the sets `pending` (indices into `judged`) may still take: each to every seed, and the
   * classifier without on the seeds it has none yet — the progress total, which only falls as sets are given
   * up on, except where fallback's sets tested together are added once the classes are decided.
   */
  const atMost = (pending: readonly (readonly number[])[]) => {
    let n = 0;
    for (const set of pending) n += seeds.length - (arms.get(set.join(','))?.length ?? 0);
    return n > 0 ? n + seeds.length - base.length : 0;
  };
  /**
   * Trains seeds [from, to) of each set (indices into `judged`, under its key in `arms`), with the classifier
   * without synthetic images on each seed that has none yet.
   */
  const trainSets = async (from: number, to: number, sets: readonly (readonly number[])[]) => {
    const jobs: ArmJob[] = [];
    const into: Float32Array[][] = [];
    for (let s = from; s < to; s++) {
      // The classifier without covers seeds [0, base.length) and grows in seed order.
      if (s >= base.length) jobs.push(armJob(s, new Set())), into.push(base);
      for (const set of sets) {
        const key = set.join(',');
        if (!arms.has(key)) arms.set(key, []);
        jobs.push(armJob(s, new Set(set))), into.push(arms.get(key)!);
      }
    }
    const logits = await train(jobs);
    logits.forEach((l, j) => into[j]!.push(l));
  };
  const figuresIn = (arm: readonly Float32Array[], m: number) => ({ withSyn: arm.map((l) => figuresFor(l, test, judged[m]!.index)), without: base.slice(0, arm.length).map((l) => figuresFor(l, test, judged[m]!.index)), heldOut: heldOut[judged[m]!.label] ?? 0 });
  const all = judged.map((_c, m) => m);
  const gainingIn = (set: readonly number[]) => {
    const arm = arms.get(set.join(','))!;
    const anyClass = set.some((m) => {
      const f = figuresIn(arm, m);
      return !noGainSoFar(f.withSyn, f.without);
    });
    // Warn's delivered set (every class) is given up on as a class is: while the scarce classes together gain so far, it goes on.
    return anyClass || (mode === 'warn' && set.length > 1 && set.length === all.length && decideWhole([], set.map((m) => figuresIn(arm, m))).gain.mean > 0);
  };
  /**
   * Trains the sets (indices into `judged`) from seed 0, seed by seed past the first while `gainingIn`; `after`:
   * sets known to follow, `next`: classifiers a screen not yet known may add (counted in the total, so that the
   * last classifier of this one does not read as the end).
   */
  const screenSets = async (sets: readonly (readonly number[])[], after: readonly (readonly number[])[], next = 0) => {
    let live = sets;
    // A set screened after another (together, without the classes that gained nothing) adds to the total.
    total = done + atMost([...live, ...after]) + next;
    for (let s = 0; s < seeds.length && live.length > 0; ) {
      const to = s === 0 ? early : s + 1;
      await trainSets(s, to, live);
      s = to;
      live = s < seeds.length ? live.filter(gainingIn) : [];
      // What is left to train: the classes given up on take nothing more, nor, once none is left, the classifier
      // without. Said after the sets to test are known: a count reached here is not the end where sets follow.
      total = done + atMost([...live, ...after]) + next;
      if (live.length > 0) report();
    }
  };
  // Warn tests every class side by side whatever the classes do alone: in the total from the start (screened
  // together, that is the screen's own classifier).
  const delivered = mode === 'warn' && all.length > 1 && screen === 'each' ? [all] : [];
  /** Each class's screen: the set (indices into `judged`) in whose classifiers it is judged. */
  const screenOf: (readonly number[])[] = all.map((m) => [m]);
  /** Class `m`'s decision from the classifiers of `set`, trained on every seed or given up on after some. */
  const decisionIn = (set: readonly number[], m: number): GuardClass => {
    const f = figuresIn(arms.get(set.join(','))!, m);
    const c = judged[m]!;
    return f.withSyn.length === seeds.length ? decideClass(c.label, f.withSyn, f.without, f.heldOut, decideMode, imported) : stoppedEarly(c.label, f.withSyn, f.without, f.heldOut, seeds.length, decideMode, imported);
  };
  if (screen === 'each') await screenSets(screenOf, delivered);
  else {
    // Side by side, then again without some classes, until every class left passes or there is no one to leave
    // out (screenedOut). A class's images can take from a neighbour as much as they add: on fmnist-lt with 900
    // outside garments a class, coats gained +17.2 alone and +8.0 beside the pullovers' and shirts', not
    // enough to pass (docs/measurements.md, 2026-12-07).
    let set: readonly number[] = all;
    for (;;) {
      // Another screen may follow while two or more classes are left: up to a classifier a seed.
      await screenSets([set], [], set.length > 1 ? seeds.length : 0);
      const out = screenedOut(set.map((m) => ({ m, decision: decisionIn(set, m) })));
      for (const m of set) if (out.length === 0 || out.includes(m)) screenOf[m] = set;
      const next = set.filter((m) => !out.includes(m));
      if (out.length === 0 || next.length === 0) break;
      set = next;
    }
  }
  /** What a class's reason says about the classifiers it was judged in, screened together. */
  const judgedIn = (set: readonly number[]) => {
    if (set.length === all.length) return "with every scarce class's synthetic images side by side (guard.screen: together)";
    const out = andList(all.filter((m) => !set.includes(m)).map((m) => judged[m]!.label));
    const which = set.length === 1 ? 'with its synthetic images alone' : `with the synthetic images of ${andList(set.map((m) => judged[m]!.label))} side by side`;
    return `${which} (guard.screen: together; without ${out}, whose images gained their class least beside the others')`;
  };
  const perClass = judged.map((_c, m) => {
    const d = decisionIn(screenOf[m]!, m);
    // Screened together, the reason says beside which classes' images the class was judged.
    return screen === 'each' ? d : { ...d, reason: `${judgedIn(screenOf[m]!)}, ${d.reason}` };
  });
  // Then the classes that gained alone (fallback), or every class (warn: what it delivers), side by side as the
  // manifest would deliver them, judged on the scarce classes together; under fallback, where that set does
  // not gain, smaller ones down to each alone (setsToTest) — under warn too, where every class together gains
  // nothing, to say what fallback would deliver instead (setsToTestUnderWarn). Warn's delivered set decides
  // nothing, so it gets the classes' early give-up: trained seed by seed past the first only while its mean gain so far is above 0.
  const rounds: GuardWhole[] = [];
  const helping = perClass.filter((d) => d.helps);
  const sets = mode === 'warn' ? setsToTestUnderWarn(judged.map((c) => c.label), helping, screen) : mode === 'fallback' ? setsToTest(helping, screen) : [];
  const testedSets = sets.map((set) => set.map((l) => judged.findIndex((c) => c.label === l)));
  total = done + atMost(testedSets);
  report();
  for (const [i, set] of sets.entries()) {
    const tested = testedSets[i]!;
    const key = tested.join(',');
    const wholeOf = () => decideWhole(set, judged.map((_c, m) => figuresIn(arms.get(key)!, m)));
    // Only warn's delivered set (its first) is given up on early; what fallback would deliver keeps every seed, as under fallback.
    const givenUp = mode === 'warn' && i === 0;
    const step = async (from: number, to: number) => {
      await trainSets(from, to, [tested]);
      total = done + atMost(testedSets.slice(i));
      report();
    };
    if (!arms.has(key)) await step(0, givenUp ? early : seeds.length);
    while (arms.get(key)!.length < seeds.length && wholeOf().gain.mean > 0) await step(arms.get(key)!.length, arms.get(key)!.length + 1);
    const trained = arms.get(key)!.length;
    const whole = trained < seeds.length ? wholeStoppedEarly(wholeOf(), trained, seeds.length) : wholeOf();
    rounds.push(whole);
    if (whole.helps) break;
    total = done + atMost(testedSets.slice(i + 1));
    report();
  }
  total = done;
  report();
  const final = settleSets(perClass, rounds, decideMode);
  return summaryOf(
    final.map((d, m) => (screen === 'each' ? { ...d, helpsAlone: perClass[m]!.helps } : d)),
    rounds,
  );
}

/** The scarce classes the guard judges: those with synthetic images. */
const judgedClasses = (synth: { images: readonly { label: string }[]; classes: readonly { label: string }[] }): number => {
  const withImages = new Set(synth.images.map((img) => img.label));
  return synth.classes.filter((c) => withImages.has(c.label)).length;
};

/**
 * How many classifiers the guard trains at most, as far as is known before it starts: per seed (`seeds` of
 * them) one without synthetic images and one per class that has some — fewer where a class gains nothing over
 * the first seeds (guard/decide.ts `GUARD_FIRST_SEEDS`) — and under `warn`, with two or more such classes, one
 * per seed with all of them side by side (what it delivers); screened together (`guard.screen`), one without,
 * one with every class side by side and one for a screen again without the classes that gained nothing there
 * (each further screen adds its own). Under `fallback` each set of two or more classes
 * that gained alone, tested side by side, adds one per seed once the classes are decided.
 */
export function guardClassifiers(synth: { images: readonly { label: string }[]; classes: readonly { label: string }[] }, seeds: number, mode: GuardMode, asked: Config['guard']['screen'] = 'auto'): number {
  const judged = judgedClasses(synth);
  if (judged === 0) return 0;
  // Together: the classifier without, the one with every class, and a screen again without those that gained nothing.
  return screenFor(asked, judged) === 'together' ? seeds * (2 + (judged > 1 ? 1 : 0)) : seeds * (1 + judged + (mode === 'warn' && judged > 1 ? 1 : 0));
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
 * The real images the guard will judge on ({@link heldOutOf}), known before any GAN trains: each GAN's split
 * re-derived as synthesis re-derives it (`ganHeldOut`), every scarce class's GAN trained. What the feature
 * classifier leaves out (stages/quality.ts).
 */
export function plannedHeldOut(config: Config, data: LabelledImages, labels: readonly string[], scarce: readonly string[]): number[] {
  if (config.generate.from !== null || config.gan.mode !== 'per-class') return heldOutOf(config, data, labels, [{ labels: [...labels], result: { held: sharedHeldOut(config, data) } }], scarce);
  const jobs = scarce.map((l) => {
    const c = labels.indexOf(l);
    const own: number[] = [];
    data.labels.forEach((x, i) => x === c && own.push(i));
    return { labels: [l], result: { held: classHeldOut(config, data, own) } };
  });
  return heldOutOf(config, data, labels, jobs, scarce);
}

/** A per-class GAN's held-out split of its class's images `own` (indices into `data`), as positions in `own`: as its trainer splits them. */
export function classHeldOut(config: Config, data: LabelledImages, own: readonly number[]): number[] {
  return splitHoldout(new Int32Array(own.length), 1, config.train.validation, ganHoldoutRng(config.seed), twinGroups(data, own)).held;
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
 * Checks that the images the guard is to judge on (`held`, from {@link plannedHeldOut}) are, class by class,
 * the ones the trained GANs `jobs` held out — the guard must never judge on an image a GAN trained on.
 * @throws {InternalError} where they differ
 */
export function checkHeldOut(config: Config, data: LabelledImages, labels: readonly string[], jobs: readonly HeldOutJob[], held: readonly number[]): void {
  if (config.generate.from !== null || jobs.length === 0) return;
  const classes = new Set(jobs.flatMap((j) => j.labels.map((l) => labels.indexOf(l))));
  const of = (xs: readonly number[]) => xs.filter((i) => classes.has(data.labels[i]!)).sort((a, b) => a - b).join(',');
  if (of(heldOutOf(config, data, labels, jobs)) !== of(held)) throw new InternalError(`the guard's held-out images differ from those the GANs held out (${andList(jobs.flatMap((j) => j.labels))}); please report it`);
}

/**
 * The guard for a run: the check on the held-out images `held` ({@link plannedHeldOut}, checked against what
 * the GANs held out), and a console line per class (a warning where the synthetic images do not help).
 * @throws {InterruptedError} when `signal` aborts
 * @throws {InternalError} where `held` is not what the GANs held out
 */
export async function runGuard(
  config: Config,
  ing: { data: LabelledImages; labels: string[] },
  jobs: readonly HeldOutJob[],
  synth: { images: readonly { label: string; pixels: Uint8Array }[]; classes: readonly { label: string; target: number }[] },
  targets: readonly ImageTarget[],
  emit: EventSink,
  held: readonly number[],
  signal?: AbortSignal,
): Promise<GuardSummary> {
  checkHeldOut(config, ing.data, ing.labels, jobs, held);
  // The guard's classifiers train on the real images (less the held-out ones) and the kept synthetic ones.
  const threads = guardThreads(process.memoryUsage.rss() / 2 ** 20, ing.data.count + synth.images.length, config.guard.threads);
  const classifiers = guardClassifiers(synth, config.guard.seeds, config.guard.mode, config.guard.screen);
  const judged = judgedClasses(synth);
  if (screenFor(config.guard.screen, judged) === 'together' && judged > 1) {
    const why = config.guard.screen === 'auto' ? `guard.screen: auto, beyond ${GUARD_EACH_MAX} scarce classes` : 'guard.screen: together';
    emit({ type: 'info', message: `guard: the ${judged} scarce classes judged side by side (${why}): 2 classifiers a seed, and one a seed for each screen again without the classes that gained nothing there, not ${guardClassifiers(synth, 1, config.guard.mode, 'each')} with each class alone; each class's gain includes what the others' synthetic images take from it or give it` });
  }
  const planned = planClassifierThreads(threads.threads, workerBackend(), os.availableParallelism(), classifiers);
  const asked = config.guard.threads;
  const why = asked !== 'auto' ? (planned.threads < Math.min(asked, classifiers) ? `${threads.reason}: ${planned.reason}` : threads.reason) : threads.threads === 1 ? threads.reason : `${planned.reason}; ${threads.reason}`;
  if (classifiers > 1) emit({ type: 'info', message: `guard: ${planned.threads === 1 ? 'one classifier' : `${planned.threads} classifiers`} at a time (${why})` });
  const summary: GuardSummary = await guardStage({
    config,
    data: ing.data,
    labels: ing.labels,
    held,
    classes: synth.classes.map((c) => ({ label: c.label, fill: c.target })),
    images: synth.images,
    targets,
    ...(signal ? { signal } : {}),
    onProgress: (done, total) => emit({ type: 'guard.progress', done, total }),
    threads: planned.threads,
  });
  summary.threads = { count: planned.threads, reason: why };
  if (summary.perClass.length > CLASSES_IN_FULL) {
    // Many classes: one line per decision, naming its classes; each class's reason is in summary.json and the report.
    const kept = summary.perClass.filter((c) => c.helps).map((c) => c.label);
    const warned = summary.perClass.filter((c) => !c.helps && c.decision !== 'fallback').map((c) => c.label);
    const dropped = summary.perClass.filter((c) => !c.helps && c.decision === 'fallback').map((c) => c.label);
    const where = 'each class\'s reason is in summary.json ("guard") and the report';
    if (kept.length > 0) emit({ type: 'info', message: `guard: synthetic images kept for ${kept.length} classes (a gain on held-out images): ${kept.join(', ')}` });
    if (warned.length > 0) emit({ type: 'warn', message: `guard: synthetic images kept (guard: warn) for ${warned.length} classes they do not help on held-out images: ${warned.join(', ')}; ${where}` });
    if (dropped.length > 0) emit({ type: 'warn', message: `guard: synthetic images dropped for ${dropped.length} classes, each filled with its real images listed again (no gain on held-out images): ${dropped.join(', ')}; ${where}` });
    emitWhole(summary, emit);
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
  emitWhole(summary, emit);
  return summary;
}

/**
 * The console line on the scarce classes together: under `fallback` in the last set tested; under `warn` in
 * what it delivers (a warning where that does not help them), then what `fallback` would deliver instead where
 * smaller sets were tested.
 */
function emitWhole(summary: GuardSummary, emit: EventSink): void {
  const last = summary.rounds.at(-1);
  if (!last) return;
  if (summary.mode === 'warn') {
    const whole = summary.rounds[0]!;
    emit({ type: whole.helps ? 'info' : 'warn', message: `guard: the scarce classes together, with the synthetic images of ${whole.classes.join(', ')} as delivered (guard: warn): ${whole.helps ? '' : 'no gain — '}${whole.reason}` });
    if (summary.rounds.length === 1) return;
    const instead = summary.rounds.slice(1).find((r) => r.helps);
    const message = instead
      ? `guard: ${fallbackInstead(instead.classes)}: ${instead.reason}`
      : `guard: under guard: fallback the run would deliver none: the classes that gained alone (${andList([...new Set(summary.rounds.slice(1).flatMap((r) => r.classes))])}) did not gain the scarce classes together in any set tested`;
    emit({ type: 'info', message });
    return;
  }
  const first = summary.rounds[0]!.classes;
  const again = summary.rounds.length > 1 ? ` (tested again without ${first.filter((l) => !last.classes.includes(l)).join(', ')})` : '';
  const message = `guard: the scarce classes together, with the synthetic images of ${last.classes.join(', ')}${again}: ${last.helps ? '' : 'no gain — '}${last.reason}`;
  emit({ type: 'info', message });
}

/**
 * The do-no-harm rule: does a set of scarce classes' synthetic fill beat filling them with their own real
 * images again, on real images the GAN never trained on? Pure: per-seed held-out figures in, decisions out.
 *
 * Per seed s, two classifiers differ only in one class's fill: `with` its synthetic images, `without` its
 * real images drawn again. The class passes when
 *   1. its held-out soft recall (mean probability of the class on its held-out images — a smoother figure
 *      than hard recall on a handful of images) gains with 95 % one-sided confidence over the seeds:
 *      mean − t_{0.95, n−1}·s/√n > 0,
 *   2. and over the held-out images: each image's gain in the class's probability, averaged over the
 *      seeds, has a one-sided 95 % lower bound above 0 (t over the images). The seeds vary only the
 *      classifier, not the images: a gain every seed repeats can still rest on one or two of the class's
 *      held-out images and say little about the class. A class with one held-out image cannot be kept. And
 *   3. held-out balanced accuracy (every class) does not drop on average.
 * The classes kept so are delivered side by side (under `warn`, every class), and a class's images can lift it
 * and take as much from a neighbour (coats taught as coats take pullovers), so the set is judged as a whole too (`decideWhole`), as
 * `evaluate` judges a manifest: the scarce classes' mean soft recall gains with 95 % confidence over the seeds
 * and balanced accuracy does not drop. Not over the images: the scarce classes' images are not one sample —
 * a neighbour's loss is what is being weighed — and each class's gain was already shown over its own.
 * With one seed there is no confidence: the class falls back. Anything unproven falls back, because the
 * fallback is exactly the classical baseline a user would otherwise reach for.
 */
import { lowerBound } from '../evaluate/stats.js';
import { percentPair } from '../util/text.js';

export const GUARD_MODES = ['fallback', 'warn', 'off'] as const;
export type GuardMode = (typeof GUARD_MODES)[number];

/**
 * How the classes are first screened (`guard.screen`): `each` — per class, one classifier per seed with that
 * class's synthetic images alone (1 + scarce classes classifiers per seed); `together` — one classifier per seed
 * with every scarce class's synthetic images side by side, each class judged on its own held-out images in it
 * (2 per seed, whatever the count), then again without the classes {@link screenedOut} leaves out, until none
 * is. `auto`: each up to {@link GUARD_EACH_MAX} scarce classes, together beyond.
 */
export const GUARD_SCREENS = ['auto', 'each', 'together'] as const;
export type GuardScreen = Exclude<(typeof GUARD_SCREENS)[number], 'auto'>;

/**
 * Up to this many scarce classes `guard.screen: auto` screens each class alone; beyond, together. Each alone
 * takes a classifier per class on each of 2–5 seeds: on fmnist-lt7 (7 scarce) 26 classifiers where together
 * took 15, with the same decisions, and a long tail of 50 scarce classes would take at least 102. At 3–5
 * together was not cheaper in general: run both ways on five splits, 4 against 12 on fmnist-lt, where every
 * class lost from the first seeds, but 12 / 20 / 20 / 25 against 8 / 15 / 14 / 24 on fmnist-mid, fmnist-lt2,
 * photo-lt (3 scarce each) and digits-lt (5), where a class gaining beside the others kept each screen going
 * for every seed and was screened again — the same decisions everywhere (docs/measurements.md, 2026-12-07).
 * Each alone also sees a gain that neighbours' images hide side by side.
 */
export const GUARD_EACH_MAX = 5;

/** The screen `guard.screen` asks for, over `classes` scarce classes with synthetic images. */
export const screenFor = (asked: (typeof GUARD_SCREENS)[number], classes: number): GuardScreen => (asked !== 'auto' ? asked : classes <= GUARD_EACH_MAX ? 'each' : 'together');

/** One classifier's figures on the held-out images. */
export interface HeldOutFigures {
  /** Hard recall of the class judged. */
  recall: number;
  /** The class's probability on each of its held-out images, in one fixed order for every classifier; their mean is the soft recall. */
  classProbs: readonly number[];
  balancedAccuracy: number;
}

export interface GuardClass {
  label: string;
  /** What the run delivers for the class. */
  decision: 'kept' | 'fallback';
  /** Whether the rule found the synthetic images helpful (in `warn` mode they are kept either way). */
  helps: boolean;
  /** Mean held-out recall of the class with its synthetic images, and with its real images again (fractions); null with no held-out image of the class. */
  withSynthetic: number | null;
  without: number | null;
  /**
   * Soft-recall gain in points: mean over seeds, its one-sided 95 % lower bound over the seeds (null for one
   * seed) and over the held-out images (null for fewer than two).
   */
  gain: { mean: number; low: number | null; lowOverImages: number | null };
  /** Mean held-out balanced accuracy with and without (fractions). */
  balancedAccuracy: { withSynthetic: number; without: number };
  heldOut: number;
  reason: string;
}

/**
 * Below this many held-out images of the class, a decision that finds no gain also says it was judged on too
 * few. Measured (bench/oracle-guard.mjs, docs/measurements.md): 950 new *real* images per class, which give
 * +8.1 points on fmnist-lt's test folder, fell back on all three classes judged on 5 held-out images each, at
 * every classifier budget tried; at 15 one of the three was kept. A 20-image class holds out 2.
 */
export const FEW_HELD_OUT = 15;

/**
 * Seeds every class is trained on before the guard gives up on one (`stoppedEarly`): a class whose soft-recall
 * gain over these is not above 0 on average is not trained on the rest, and from then on seed by seed, a class
 * whose mean gain so far falls to 0 or below is not trained on the seeds left. It could pass at 5 seeds only if
 * the seeds left all read well above the gain needed; a class whose true gain just passes (its lower bound at 0)
 * is given up on about 9 % of the time at the 2nd seed, 11 % by the 4th, a gain twice that under 0.4 % (normal
 * seed-to-seed spread, simulated) — and a class stopped falls back, the classical baseline. Every GAN run
 * measured fell back on every class (2026-12-06): there it saves seeds that could not have changed that.
 */
export const GUARD_FIRST_SEEDS = 2;

const mean = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
/** Points with their sign, a tiny negative that rounds to 0 as +0.0 (not -0.0). */
const pts = (x: number) => {
  const r = Math.round(x * 10) / 10;
  return `${r >= 0 ? '+' : ''}${(r === 0 ? 0 : r).toFixed(1)}`;
};

/** The classes a guard fell back on: their synthetic images are withheld, not in the manifest (null or no perClass: none). */
export function fellBackClasses(guard: { perClass?: readonly { label: string; decision: string }[] | undefined } | null | undefined): Set<string> {
  return new Set(guard?.perClass?.filter((c) => c.decision === 'fallback').map((c) => c.label) ?? []);
}

/**
 * In a merge, the classes each shard's guard kept, by shard index (shards keeping none left out): each
 * shard's guard judged only its own classes, so where two or more shards keep some, no guard tested the
 * classes the merged manifest delivers side by side. Pure, on summary fields, for `merge` and the report.
 */
export function keptByShard(shards: readonly { index: number; classes: readonly string[] }[], perClass: readonly { label: string; decision: string }[]): { index: number; kept: string[] }[] {
  const kept = new Set(perClass.filter((c) => c.decision === 'kept').map((c) => c.label));
  return [...shards]
    .sort((a, b) => a.index - b.index)
    .map((s) => ({ index: s.index, kept: s.classes.filter((l) => kept.has(l)) }))
    .filter((s) => s.kept.length > 0);
}

/**
 * Each held-out image's gain in the class's probability, in points, averaged over the paired seeds.
 * @throws {RangeError} when the figures disagree on the number of held-out images
 */
export function imageGains(withSyn: readonly HeldOutFigures[], without: readonly HeldOutFigures[]): number[] {
  const n = withSyn[0]?.classProbs.length ?? 0;
  const sums = new Array<number>(n).fill(0);
  withSyn.forEach((w, s) => {
    const o = without[s]!;
    if (w.classProbs.length !== n || o.classProbs.length !== n) throw new RangeError(`Expected every classifier's figures over the same ${n} held-out images but received ${w.classProbs.length} and ${o.classProbs.length}`);
    for (let i = 0; i < n; i++) sums[i]! += 100 * (w.classProbs[i]! - o.classProbs[i]!);
  });
  return sums.map((x) => x / withSyn.length);
}

/**
 * What holding out more real images costs: the GAN's training images — or, where the candidates were
 * imported (generate.from), nothing delivered (no GAN trains here; only the guard's classifiers see fewer).
 */
export function holdingOutCosts(imported: boolean): string {
  return imported ? "at no cost to the delivered dataset here (generate.from: no GAN trains on them; the manifest lists every real image)" : "at the cost of the GAN's training images";
}

/** What the rule finds in paired gains: the figures, and what stands against keeping (empty: they help). */
interface Judged {
  g: number;
  low: number;
  lowImages: number;
  baWith: number;
  baWithout: number;
  problems: string[];
}

/**
 * The rule over per-seed gains and per-image gains (points), for `what` ("the class", "the scarce classes"):
 * rules 1–3 of the module comment (rule 2 only with `overImages`).
 */
function judge(gains: readonly number[], perImage: readonly number[], baWith: number, baWithout: number, heldOut: number, what: string, overImages = true): Judged {
  const low = lowerBound(gains, 0.95);
  const g = mean(gains);
  const lowImages = perImage.length > 0 ? lowerBound(perImage, 0.95) : NaN;
  const problems: string[] = [];
  if (heldOut === 0) problems.push(`no held-out real image of ${what} to judge on`);
  else if (!Number.isFinite(low)) problems.push(`one seed gives no confidence (soft-recall gain ${pts(g)} points)`);
  else if (!(low > 0)) problems.push(`held-out soft recall gain ${pts(g)} points is not above 0 with 95 % confidence (lower bound ${pts(low)})`);
  else if (!overImages) {
    // Rule 2 is the class rule's; the whole is judged over seeds only.
  } else if (!Number.isFinite(lowImages)) problems.push(`one held-out image gives no confidence over images (soft-recall gain ${pts(g)} points)`);
  else if (!(lowImages > 0)) problems.push(`held-out soft recall gain ${pts(g)} points is not above 0 with 95 % confidence over the ${perImage.length} held-out images (lower bound ${pts(lowImages)}): it rests on some of them`);
  if (!(baWith >= baWithout)) problems.push(`held-out balanced accuracy drops (${percentPair(baWith, baWithout)})`);
  return { g, low, lowImages, baWith, baWithout, problems };
}

const helpsReason = (j: Judged) =>
  `held-out soft recall ${pts(j.g)} points (lower bound ${pts(j.low)} over seeds, ${pts(j.lowImages)} over images), balanced accuracy ${percentPair(j.baWith, j.baWithout)}`;
const gainOf = (j: Judged) => ({ mean: j.g, low: Number.isFinite(j.low) ? j.low : null, lowOverImages: Number.isFinite(j.lowImages) ? j.lowImages : null });

/** A class that shows no gain on fewer than {@link FEW_HELD_OUT} held-out images says so (null: enough, or none). */
function tooFew(heldOut: number, imported: boolean): string | null {
  return heldOut > 0 && heldOut < FEW_HELD_OUT ? `judged on ${heldOut} held-out image${heldOut === 1 ? '' : 's'} of the class, too few to show a gain (a larger train.validation holds out more, ${holdingOutCosts(imported)})` : null;
}

/**
 * Decides one class from paired per-seed figures (`imported`: the candidates came from generate.from).
 * @throws {RangeError} when the two lists differ in length or are empty
 */
export function decideClass(label: string, withSyn: readonly HeldOutFigures[], without: readonly HeldOutFigures[], heldOut: number, mode: Exclude<GuardMode, 'off'>, imported = false): GuardClass {
  if (withSyn.length === 0 || withSyn.length !== without.length) throw new RangeError(`Expected as many paired figures with as without synthetic images (≥ 1) but received ${withSyn.length} and ${without.length}`);
  const gains = withSyn.map((w, i) => 100 * (mean(w.classProbs) - mean(without[i]!.classProbs)));
  const j = judge(gains, imageGains(withSyn, without), mean(withSyn.map((f) => f.balancedAccuracy)), mean(without.map((f) => f.balancedAccuracy)), heldOut, 'the class');
  const helps = j.problems.length === 0;
  const few = tooFew(heldOut, imported);
  if (!helps && few) j.problems.push(few);
  return {
    label,
    decision: helps || mode === 'warn' ? 'kept' : 'fallback',
    helps,
    withSynthetic: heldOut === 0 ? null : mean(withSyn.map((f) => f.recall)),
    without: heldOut === 0 ? null : mean(without.map((f) => f.recall)),
    gain: gainOf(j),
    balancedAccuracy: { withSynthetic: j.baWith, without: j.baWithout },
    heldOut,
    reason: helps ? helpsReason(j) : j.problems.join('; '),
  };
}

/** Why a class or set was given up on after `trained` of `seeds` seeds, its mean gain `gain` in points. */
const gaveUp = (trained: number, seeds: number, gain: number) => `no gain over the first ${trained} of ${seeds} seeds (held-out soft recall ${pts(gain)} points), so not trained on the other ${seeds - trained}`;

/** Whether a class trained on the first seeds only (`GUARD_FIRST_SEEDS`) gains nothing on average, so that its other seeds can be skipped. */
export function noGainSoFar(withSyn: readonly HeldOutFigures[], without: readonly HeldOutFigures[]): boolean {
  return !(mean(withSyn.map((w, i) => mean(w.classProbs) - mean(without[i]!.classProbs))) > 0);
}

/**
 * Decides a class trained on `withSyn.length` of `seeds` seeds only (`noGainSoFar`): as {@link decideClass}
 * (which cannot find it helps: a mean gain ≤ 0 has its lower bound ≤ 0), with a reason that says so.
 */
export function stoppedEarly(label: string, withSyn: readonly HeldOutFigures[], without: readonly HeldOutFigures[], heldOut: number, seeds: number, mode: Exclude<GuardMode, 'off'>, imported = false): GuardClass {
  const d = decideClass(label, withSyn, without, heldOut, mode, imported);
  const few = tooFew(heldOut, imported);
  return { ...d, reason: `${gaveUp(withSyn.length, seeds, d.gain.mean)}${few ? `; ${few}` : ''}` };
}

/**
 * Which classes of a set screened side by side (`guard.screen: together`) to leave out before screening it
 * again (none: stop). Each class with its decision in the set's classifiers (its mean gain there, `gain.mean`):
 *   - every class passes: none (stop);
 *   - classes that gained nothing on average: those (cheap: about half of a set of noise each time);
 *   - some pass: the others (the set the guard then tests together);
 *   - some gained with confidence over the seeds but not over their held-out images: the one that gained least
 *     of the others, or of them where all did — the neighbour most likely to be taking from them;
 *   - otherwise none: no class is near passing, and screening on would cost a round a class.
 */
export function screenedOut(set: readonly { m: number; decision: GuardClass }[]): number[] {
  const open = set.filter((c) => !c.decision.helps);
  if (open.length === 0) return [];
  const losing = open.filter((c) => !(c.decision.gain.mean > 0));
  if (losing.length > 0) return losing.map((c) => c.m);
  if (open.length < set.length) return open.map((c) => c.m);
  const near = open.filter((c) => (c.decision.gain.low ?? -Infinity) > 0);
  if (near.length === 0) return [];
  const others = open.filter((c) => !near.includes(c));
  const least = (xs: typeof open) => xs.reduce((a, c) => (c.decision.gain.mean < a.decision.gain.mean ? c : a));
  return [least(others.length > 0 ? others : near).m];
}

/** The scarce classes together with one arm's synthetic images (`decideWhole`). */
export interface GuardWhole {
  /** The classes whose synthetic images the arm delivered, side by side. */
  classes: string[];
  helps: boolean;
  /** Gain in the scarce classes' mean held-out soft recall, in points, as {@link GuardClass.gain}. */
  gain: { mean: number; low: number | null; lowOverImages: number | null };
  balancedAccuracy: { withSynthetic: number; without: number };
  /** Held-out images of the scarce classes judged on. */
  heldOut: number;
  reason: string;
  /** In a merged summary only: the shard whose guard tested the set (among its own classes). */
  shard?: number;
}

/**
 * Judges one arm on the scarce classes together (`scarce`: each class's paired figures in that arm, the same
 * classifiers for every class): per seed, the gain in their mean soft recall (classes with held-out images,
 * each counting once, as `evaluate`'s scarce recall does), and held-out balanced accuracy. The lower bound over
 * every held-out image of them is recorded, not required (module comment).
 * @throws {RangeError} when the figures are unpaired or `scarce` is empty
 */
export function decideWhole(classes: readonly string[], scarce: readonly { withSyn: readonly HeldOutFigures[]; without: readonly HeldOutFigures[]; heldOut: number }[]): GuardWhole {
  const first = scarce[0];
  if (!first || first.withSyn.length === 0) throw new RangeError('Expected the figures of at least one scarce class over at least one seed but received none');
  const judged = scarce.filter((c) => c.heldOut > 0);
  const seeds = first.withSyn.length;
  for (const c of scarce) if (c.withSyn.length !== seeds || c.without.length !== seeds) throw new RangeError(`Expected every class's figures over the same ${seeds} seeds, with and without, but received ${c.withSyn.length} and ${c.without.length}`);
  const gains = Array.from({ length: seeds }, (_, s) => (judged.length === 0 ? 0 : mean(judged.map((c) => 100 * (mean(c.withSyn[s]!.classProbs) - mean(c.without[s]!.classProbs))))));
  const perImage = judged.flatMap((c) => imageGains(c.withSyn, c.without));
  const heldOut = judged.reduce((n, c) => n + c.heldOut, 0);
  const j = judge(gains, perImage, mean(first.withSyn.map((f) => f.balancedAccuracy)), mean(first.without.map((f) => f.balancedAccuracy)), heldOut, 'the scarce classes', false);
  const helps = j.problems.length === 0;
  const ok = `held-out soft recall ${pts(j.g)} points (lower bound ${pts(j.low)} over seeds), balanced accuracy ${percentPair(j.baWith, j.baWithout)}`;
  return { classes: [...classes], helps, gain: gainOf(j), balancedAccuracy: { withSynthetic: j.baWith, without: j.baWithout }, heldOut, reason: helps ? ok : j.problems.join('; ') };
}

/**
 * The sets of classes to test side by side under `fallback`, in order, from the classes whose images helped
 * them alone (`helping`): all of them; then, with three or more, the set without the smallest gain alone, and
 * so on down to the two largest (each one classifier per seed more); then each alone, the largest gain first
 * (its classifiers are already trained) — screened together (`screen`), only the largest, which was not. The
 * first set whose whole gains is delivered.
 */
export function setsToTest(helping: readonly GuardClass[], screen: GuardScreen = 'each'): string[][] {
  if (helping.length === 0) return [];
  const all = helping.map((c) => c.label);
  if (helping.length === 1) return [all];
  const byGain = [...helping].sort((a, b) => b.gain.mean - a.gain.mean).map((c) => c.label);
  // Nested sets keep the dataset's class order, as the first does.
  const top = (n: number) => all.filter((l) => byGain.slice(0, n).includes(l));
  const fewer = Array.from({ length: helping.length - 2 }, (_, i) => top(helping.length - 1 - i));
  // Screened together, no class was trained alone: of the single classes only the largest gain, so that the
  // sets stay one chain (at most one per class that helped) rather than one more per class.
  return [all, ...fewer, ...(screen === 'each' ? byGain : byGain.slice(0, 1)).map((l) => [l])];
}

/**
 * The sets tested under `warn`, in order: every class, as `warn` delivers them; then, where that gains nothing,
 * the sets `fallback` would test ({@link setsToTest}) — so the run can say what `fallback` would deliver instead.
 */
export function setsToTestUnderWarn(all: readonly string[], helping: readonly GuardClass[], screen: GuardScreen = 'each'): string[][] {
  const key = (set: readonly string[]) => set.join('\u0000');
  return [[...all], ...setsToTest(helping, screen).filter((set) => key(set) !== key(all))];
}

/**
 * A whole trained on `trained` of `seeds` seeds only (under `warn`, where it decides nothing, it is given up on
 * as a class is: `GUARD_FIRST_SEEDS`): as {@link decideWhole} found it over those seeds — a mean gain ≤ 0
 * cannot pass — with a reason that says so.
 */
export function wholeStoppedEarly(whole: GuardWhole, trained: number, seeds: number): GuardWhole {
  return { ...whole, helps: false, reason: gaveUp(trained, seeds, whole.gain.mean) };
}

/** What `warn` says `fallback` would deliver instead (console, report, a class's reason). */
export const fallbackInstead = (classes: readonly string[]): string => `under guard: fallback the run would deliver the synthetic images of ${classes.join(', ')} instead`;

/**
 * The final decisions: the classes of the first set tested whose whole gains (`tried`, in order) keep their
 * images; every other class that helped alone is found not to help, saying what the scarce classes together
 * did with it — under `fallback` it falls back; under `warn` (whose first set is every class, as delivered,
 * then those `fallback` would test) it is delivered all the same, as `warn` delivers everything, and the
 * reason names what `fallback` would deliver instead.
 */
export function settleSets(perClass: readonly GuardClass[], tried: readonly GuardWhole[], mode: Exclude<GuardMode, 'off'> = 'fallback'): GuardClass[] {
  const delivered = tried.find((w) => w.helps);
  const keep = new Set(delivered?.classes ?? []);
  return perClass.map((c) => {
    if (!c.helps || keep.has(c.label)) return c;
    const own = tried.filter((w) => w.classes.includes(c.label));
    const why = own.map((w) => `with ${w.classes.join(', ')} filled with synthetic images, ${w.reason}`).join('; ');
    const instead = !delivered ? '' : mode === 'warn' ? `; ${fallbackInstead(delivered.classes)}` : `; delivered instead: the synthetic images of ${delivered.classes.join(', ')}`;
    return { ...c, decision: mode === 'warn' ? c.decision : 'fallback', helps: false, reason: `${c.reason}; but the scarce classes together do not gain: ${why}${instead}` };
  });
}

/**
 * The plain-text form of an evaluation: the table (every row's means and its paired difference to the
 * best classical row with the 95 % CI), where the scarce classes' test images go, how the validation
 * split chose the synthetic row's use, and the verdict. Pure; `evaluate` and bench/eval.mjs print it.
 */
import { table } from '../cli/format.js';
import { CLASSES_IN_FULL } from '../config/defaults.js';
import { vsOversample } from './rows.js';
import { DELIVERED } from './arms.js';
import type { ArmName, EvaluationResult, PairedDiff, SyntheticUse } from './types.js';
import { pushAll } from '../util/array.js';
import { andList } from '../util/text.js';

const pct = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? '–' : (100 * x).toFixed(1));
const sign = (x: number) => `${x >= 0 ? '+' : ''}${x.toFixed(1)}`;
const diff = (d: PairedDiff, self: boolean) => (self ? 'best' : Number.isFinite(d.low) ? `${sign(d.mean)} [${sign(d.low)}, ${sign(d.high)}]` : sign(d.mean));

/** What the paired differences are over: seeds, or (pooled) GAN trainings. */
const units = (r: EvaluationResult) => (r.pooled ? `${r.pooled.unit}s` : 'seeds');

/** The scarce classes that get a column of their own: all of them, up to CLASSES_IN_FULL. */
export const columnClasses = (r: EvaluationResult): string[] => (r.scarce.length <= CLASSES_IN_FULL ? r.scarce : []);

/**
 * Beyond CLASSES_IN_FULL scarce classes, the ones a listing shows: the `CLASSES_IN_FULL` with the lowest `key`
 * (ties in class order), and a note of how many there are in all.
 */
export function fewest(labels: readonly string[], key: (l: string) => number, what: string): { shown: string[]; note: string } {
  if (labels.length <= CLASSES_IN_FULL) return { shown: [...labels], note: '' };
  const order = labels.map((l, i) => ({ l, i, k: key(l) })).sort((a, b) => (Number.isNaN(a.k) ? 1 : Number.isNaN(b.k) ? -1 : a.k - b.k) || a.i - b.i);
  return { shown: order.slice(0, CLASSES_IN_FULL).map((x) => x.l), note: ` (the ${CLASSES_IN_FULL} of ${labels.length} scarce classes with the ${what}; every class in evaluate.json)` };
}

/** The comparison table: one row per training set. */
export function resultTable(r: EvaluationResult): string {
  const pm = (m: number, s: number) => `${pct(m)}${r.seeds.length > 1 ? ` ± ${pct(s)}` : ''}`;
  const cols = columnClasses(r);
  const head = ['training set', 'scarce recall %', 'Δ scarce vs best, 95% CI', 'bal. acc. %', 'Δ bal. acc.', 'macro-F1 %', 'majority recall %', ...cols.map((l) => `${l} %`)];
  const rows = r.rows.map((row) => [
    row.name,
    pm(row.scarceRecall, row.std.scarceRecall),
    diff(row.vsBest.scarceRecall, row.name === r.best),
    pm(row.balancedAccuracy, row.std.balancedAccuracy),
    diff(row.vsBest.balancedAccuracy, row.name === r.best),
    pm(row.macroF1, row.std.macroF1),
    pct(row.majorityRecall),
    ...cols.map((l) => pct(row.recall[l])),
  ]);
  return table(head, rows, head.map((_, i) => i > 0));
}

/** Where each scarce class's test images go, for the best classical row and the synthetic row (top 3 each). */
export function confusionLines(r: EvaluationResult): string[] {
  const lines: string[] = [];
  const bestRow = r.rows.find((x) => x.name === r.best);
  for (const name of [r.best, 'synthetic'] as const) {
    const row = r.rows.find((x) => x.name === name);
    if (!row) continue;
    // A manifest with no synthetic image: its synthetic row is the oversample row's classifier, line for line.
    if (name === 'synthetic' && r.best !== 'synthetic' && bestRow && JSON.stringify(row.confusion) === JSON.stringify(bestRow.confusion)) {
      lines.push(`scarce test images mistaken for (synthetic): the same as (${r.best})`);
      continue;
    }
    const { shown, note } = fewest(r.scarce, (l) => row.recall[l] ?? NaN, 'lowest recall in this row');
    const parts = shown.map((l) => {
      const top = Object.entries(row.confusion[l] ?? {})
        .sort((a, b) => b[1] - a[1])
        .slice(0, 3)
        .map(([to, v]) => `${to} ${pct(v)}%`);
      if (!(l in row.recall)) return `${l} → no test images`;
      return `${l} → ${top.length ? top.join(', ') : 'nothing else'}`;
    });
    lines.push(`scarce test images mistaken for (${name})${note}: ${parts.join('; ')}`);
  }
  return lines;
}

/** Each scarce class's recall in the synthetic row against the best classical row, paired over the seeds. */
export function perClassLines(r: EvaluationResult): string[] {
  const d = r.rows.find((x) => x.name === 'synthetic')?.vsBest.recall;
  if (!d) return [];
  const labels = r.scarce.filter((l) => d[l]);
  const head = `synthetic − ${r.best}, recall per scarce class in points (paired over ${units(r)}, 95 % CI)`;
  if (labels.length <= CLASSES_IN_FULL) {
    const parts = labels.map((l) => `${l} ${diff(d[l]!, false)}`);
    return parts.length ? [`${head}: ${parts.join('; ')}`] : [];
  }
  // Many classes: those that differ with confidence, by name; the rest counted.
  const above = labels.filter((l) => d[l]!.low > 0);
  const below = labels.filter((l) => d[l]!.high < 0);
  const sure = Number.isFinite(d[labels[0]!]!.low);
  const named = (xs: string[]) => xs.map((l) => `${l} ${diff(d[l]!, false)}`).join('; ');
  const parts = sure
    ? [above.length ? `above with confidence: ${named(above)}` : '', below.length ? `below with confidence: ${named(below)}` : '', `${labels.length - above.length - below.length} of ${labels.length} level`].filter(Boolean)
    : [`${labels.length} classes, one ${units(r).replace(/s$/, '')}: no intervals`];
  return [`${head}: ${parts.join('; ')} (every class in evaluate.json, rows[].vsBest.recall)`];
}

/** Each scarce class's kept images against its test images: FID beside its floor, coverage beside the real images'. */
export function qualityLines(r: EvaluationResult): string[] {
  if (!r.quality) return [];
  const x = (a: number | null, b: number | null) => (a !== null && b !== null && b > 0 ? ` = ${(a / b).toFixed(2)} ×` : '');
  const ratio = (label: string) => {
    const q = r.quality!.perClass.find((x) => x.label === label)!;
    return q.fid !== null && q.fidFloor ? -(q.fid / q.fidFloor) : NaN;
  };
  const { shown, note } = fewest(r.quality.perClass.map((q) => q.label), ratio, 'highest FID ÷ floor');
  const parts = r.quality.perClass.filter((q) => shown.includes(q.label)).map((q) => {
    const fid = q.fid === null ? 'FID –' : `FID ${q.fid.toFixed(1)}${x(q.fid, q.fidFloor)} floor ${q.fidFloor?.toFixed(1) ?? '–'}`;
    const cov = q.coverage === null ? 'coverage –' : `coverage ${q.coverage.toFixed(2)}${x(q.coverage, q.coverageFloor)} the real images' ${q.coverageFloor?.toFixed(2) ?? '–'}`;
    const pc = (v: number) => `${(100 * v).toFixed(0)} %`;
    const assigned = q.assigned == null || q.assignedTest == null ? '' : `, assigned to ${q.label} ${pc(q.assigned)} of kept vs ${pc(q.assignedTest)} of test images`;
    return `${q.label} ${fid}, ${cov}${assigned} (${q.test} test, ${q.real} real, ${q.kept} kept)`;
  });
  return [`kept synthetic images vs the test folder (features and class assignment: ${r.quality.extractor}; coverage k ${r.quality.coverageK}, by as many kept images as real ones)${note}: ${parts.join('; ')}`];
}

/**
 * Where the best classical row is not oversampling: the synthetic row against oversampling too, paired the
 * same way — the issue's do-no-harm yardstick ("never below random oversampling by more than the CI").
 */
export function vsOversampleLines(r: EvaluationResult): string[] {
  const d = vsOversample(r);
  if (r.best === 'oversample' || !d) return [];
  return [`synthetic − oversample (paired over ${units(r)}, 95 % CI): scarce recall ${diff(d.scarceRecall, false)}, balanced accuracy ${diff(d.balancedAccuracy, false)} points`];
}

/** A pooled result's trainings, one line each: its own difference over its seeds, what its synthetic row used, its kept images' FID ÷ floor. */
export function trainingLines(r: EvaluationResult): string[] {
  if (!r.pooled) return [];
  return r.pooled.trainings.map((t, k) => {
    const fid = (t.quality ?? []).map((q) => `${q.label} ${q.fid !== null && q.fidFloor ? (q.fid / q.fidFloor).toFixed(2) : '–'}`).join(', ');
    const use = t.use ? `; ${targetsText(t.use)}, mix ${t.use.mix}` : '';
    return `${r.pooled!.unit} ${k} (${t.manifest}): synthetic − ${t.best} ${diff(t.gain, false)} over its ${t.seeds.length} seed${t.seeds.length === 1 ? '' : 's'}${use}; ${fid ? `kept FID ÷ floor ${fid}` : 'no synthetic image kept'}`;
  });
}

const sameUse = (a: SyntheticUse, b: SyntheticUse) => a.targets === b.targets && a.mix === b.mix;

/** How a use's synthetic images were labelled, in words: `soft` is whatever the manifest recommends (its softLabel and weight, or the class where it has none). */
export const targetsText = (u: SyntheticUse): string => (u.targets === 'hard' ? 'hard labels' : "the manifest's labels");

/**
 * When the synthetic row used the synthetic images otherwise than the manifest delivers them (its labels and
 * weights, every image it lists), because the validation split chose so: what the manifest as written read on that split
 * and how the row trained — or, pooled, how many trainings did so — so that nobody takes the synthetic row for
 * what training on the manifest as it stands gives (on the bench splits the two were up to 19 points apart).
 */
export function asWrittenLines(r: EvaluationResult): string[] {
  if (r.pooled) {
    const other = r.pooled.trainings.filter((t) => t.use && !sameUse(t.use, DELIVERED)).length;
    return other > 0 ? [`${other} of ${r.pooled.trainings.length} ${units(r)}' synthetic rows used another use than their manifests as written (their labels and weights, every synthetic image they list): the pooled synthetic row is not what training on them as they stand gives; measure that without --tune-seeds`] : [];
  }
  const t = r.tuning;
  if (!t || sameUse(t.chosen, DELIVERED)) return [];
  const written = t.candidates.find((c) => sameUse(c.use, DELIVERED));
  const chosen = t.candidates.find((c) => sameUse(c.use, t.chosen));
  if (!written || !chosen) return [];
  const how = `${t.chosen.targets === 'hard' ? 'hard labels, no weights' : 'its labels and weights'}, ${t.chosen.mix === 1 ? 'every synthetic image' : `the best ${100 * t.chosen.mix} % of each class's synthetic images and its real images again for the rest of the fill`}`;
  return [
    `the manifest as written (its labels and weights, every synthetic image it lists) read ${pct(written.scarceRecall)} % scarce recall on that split against ${pct(chosen.scarceRecall)} %: the synthetic row is not what training on it as it stands gives. Train as the row did (${how}), or measure the manifest as written without --tune-seeds`,
  ];
}

/**
 * How to get each classical row in one's own training, said where the synthetic images do not help: the
 * best row is then what to use instead, and a user who has not met it should not have to look it up.
 */
const RECIPES: Record<Exclude<ArmName, 'synthetic'>, (tau: number) => string> = {
  real: () => 'train on the real images as they are: no rebalancing did better here',
  oversample: () => "random oversampling: list each scarce class's real images again up to its target (imbalanced-learn's RandomOverSampler; the manifest's `oversampled` rows do just that)",
  'class-weight': () => "a class-weighted loss on the real images: weight class c by N ÷ (classes × N_c) (scikit-learn's class_weight='balanced'; PyTorch: CrossEntropyLoss(weight=…))",
  'logit-adjust': (tau) => `logit adjustment: train on the real images as they are, then before the argmax subtract ${tau}·log(the class's share of the training images) from each class's logit (Menon et al. 2021)`,
};

/** What to use instead where the synthetic images do not help: the best classical row and how to get it (null where they help). */
export function insteadLine(r: EvaluationResult): string | null {
  if (r.verdict.helps || r.best === 'synthetic') return null;
  // Picked by its mean on the test folder: where another classical row's interval to it spans 0, they are level.
  const others = r.rows.filter((row) => row.name !== r.best && row.name !== 'synthetic');
  const level = others.filter((row) => !(row.vsBest.scarceRecall.high < 0)).map((row) => row.name);
  const tie = others.some((row) => !Number.isFinite(row.vsBest.scarceRecall.high))
    ? ' (by its mean over one seed: no interval tells it from the others)'
    : level.length > 0
      ? ` (level with ${andList(level)} within the 95 % intervals: any of them)`
      : '';
  // A manifest without synthetic images (the run's guard fell back on every class) is oversampling already.
  const how = r.best === 'oversample' && !hasSynthetic(r) ? `what ${r.pooled ? 'these manifests deliver' : 'this manifest delivers'} as it stands (each scarce class filled with its real images listed again): use it as it is` : RECIPES[r.best](r.logitTau);
  return `instead: the best row without synthetic images on this test folder is ${r.best}${tie} — ${how}`;
}

/** Whether the synthetic row trained on any synthetic image (without one, the verdict says so and there is no use to choose). */
export const hasSynthetic = (r: EvaluationResult): boolean => (r.pooled ? r.pooled.trainings.some((t) => (t.quality ?? []).length > 0) : r.quality !== null);

/** The whole text: table, each scarce class's difference, confusion, the kept images against the test folder, validation choice, verdict. */
export function formatEvaluation(r: EvaluationResult): string {
  const out = [resultTable(r), ''];
  pushAll(out, perClassLines(r));
  pushAll(out, vsOversampleLines(r));
  pushAll(out, trainingLines(r));
  pushAll(out, confusionLines(r));
  pushAll(out, qualityLines(r));
  if (r.tuning) {
    const t = r.tuning;
    const n = Object.values(t.validation).reduce((a, b) => a + b, 0);
    const cands = t.candidates.map((c) => `${c.use.targets === 'hard' ? 'hard' : 'as written'}/mix ${c.use.mix}: ${pct(c.scarceRecall)}`).join(', ');
    out.push(`synthetic row: ${targetsText(t.chosen)}, ${t.chosen.mix === 1 ? 'all' : `${100 * t.chosen.mix} % of`} its synthetic images — chosen on a validation split of ${n} real training images (scarce recall ${cands}; ${t.seeds.length} seed${t.seeds.length === 1 ? '' : 's'})`);
  } else if (hasSynthetic(r) && !r.pooled?.trainings.some((t) => t.use)) {
    out.push(`synthetic row${r.pooled ? 's: the manifests' : ': the manifest'} as written (labels, weights and every synthetic image listed: what training on ${r.pooled ? 'them' : 'it'} gives); --tune-seeds n lets a validation split choose another use`);
  }
  pushAll(out, asWrittenLines(r));
  out.push(
    `logit-adjust: the real row's classifier, logits − ${r.logitTau}·log prior (Menon et al. 2021); Δ columns: per-${r.pooled ? 'training' : 'seed'} paired difference to ${r.best} in points, mean [95 % t-interval] over ${r.pooled ? `${r.seeds.length} ${units(r)}, each the mean of its own classifier seeds (${r.pooled.trainings.map((t) => t.seeds.join('/')).join(', ')})` : `${r.seeds.length} seed${r.seeds.length === 1 ? '' : 's'}`}`,
    '',
    `verdict: ${r.verdict.helps ? 'HELPS' : 'DOES NOT HELP'} — ${r.verdict.reason}`,
  );
  const instead = insteadLine(r);
  if (instead) out.push(instead);
  return out.join('\n');
}

/**
 * From per-seed figures to the reported rows: each arm's means and spreads over the seeds, its paired
 * per-seed difference to the best classical row with the 95 % t-interval, and the verdict. Pure: `evaluate`
 * builds its result with it, and pool.ts builds a result pooled over several GAN trainings with it.
 */
import { meanFinite, sampleStd } from './metrics.js';
import { tInterval } from './stats.js';
import { ARMS, CLASSICAL, type ArmName, type EvaluationResult, type EvaluationRow, type PairedDiff, type SeedFigures } from './types.js';
import { percentPair } from '../util/text.js';

/** One arm's figures, one entry per seed, in the same seed order for every arm (the pairing). */
export interface ArmFigures {
  figures: SeedFigures[];
  seconds: number;
  trainImages: number;
}

/** Paired per-seed difference `a − b` in points, with its 95 % t-interval. */
export function paired(a: number[], b: number[]): PairedDiff {
  const ci = tInterval(a.map((x, i) => 100 * (x - b[i]!)));
  return { mean: ci.mean, low: ci.low, high: ci.high };
}

/**
 * The verdict of the rule: CI lower bound > 0 on scarce recall and balanced accuracy not below the
 * best classical row. `n` is how many paired differences the interval is over, each one `unit`.
 */
export function verdictOf(synthetic: Pick<EvaluationRow, 'balancedAccuracy' | 'vsBest'>, best: Pick<EvaluationRow, 'name' | 'balancedAccuracy'>, n: number, unit = 'seed'): { helps: boolean; reason: string } {
  const d = synthetic.vsBest.scarceRecall;
  const sign = (x: number) => `${x >= 0 ? '+' : ''}${x.toFixed(1)}`;
  const ci = Number.isFinite(d.low) ? `${sign(d.mean)} points, 95 % CI ${sign(d.low)} to ${sign(d.high)}` : `${sign(d.mean)} points, no CI from ${n} ${unit}`;
  // One decimal, or more where one would print the same figure twice ("74.3 % vs 74.3 %: below").
  const ba = `balanced accuracy ${percentPair(synthetic.balancedAccuracy, best.balancedAccuracy)}`;
  const failed: string[] = [];
  if (!Number.isFinite(d.low)) {
    failed.push(n < 2 ? `one ${unit} gives no confidence interval (use --seeds ≥ 2)` : `no confidence interval over the ${n} ${unit}s: the test folder holds no image of a scarce class, so there is no scarce recall to compare`);
  } else if (!(d.low > 0)) failed.push(`the scarce-recall gain over ${best.name} is not above 0 with 95 % confidence (${ci})`);
  if (!(synthetic.balancedAccuracy >= best.balancedAccuracy)) failed.push(`${ba} of ${best.name}: below`);
  if (failed.length === 0) return { helps: true, reason: `scarce recall ${ci} over ${best.name}; ${ba}` };
  return { helps: false, reason: failed.join('; ') };
}

const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;

/**
 * The judged part of an evaluation result from per-seed figures of every arm (`seeds` of them): the rows, the
 * best classical row, the synthetic row's paired gain over it and the verdict — what `evaluate` returns and what
 * tests of what reads a result build.
 */
export function judgeArms(perArm: ReadonlyMap<ArmName, ArmFigures>, scarce: readonly string[], seeds: number): Pick<EvaluationResult, 'scarce' | 'rows' | 'gain' | 'gainStd' | 'best' | 'verdict'> {
  const { rows, best, synthetic, gain, gainStd } = summariseArms(perArm, scarce);
  return { scarce: [...scarce], rows, gain, gainStd, best: best.name, verdict: verdictOf(synthetic, best, seeds) };
}

/**
 * The rows of every arm in {@link ARMS} order, the best classical row on scarce recall, and the synthetic
 * row's gain over it (mean and standard deviation of the per-seed differences, in points).
 * @throws {RangeError} when an arm has no figures or the arms differ in how many they have
 */
export function summariseArms(perArm: ReadonlyMap<ArmName, ArmFigures>, scarce: readonly string[]): { rows: EvaluationRow[]; best: EvaluationRow; synthetic: EvaluationRow; gain: number; gainStd: number } {
  const n = perArm.get('real')?.figures.length ?? 0;
  for (const name of ARMS) {
    const m = perArm.get(name)?.figures.length ?? 0;
    if (m === 0 || m !== n) throw new RangeError(`Expected ${n || 'some'} figures for arm "${name}" but received ${m}`);
  }
  const partial = ARMS.map((name) => {
    const { figures, seconds, trainImages } = perArm.get(name)!;
    // The means are one seed's figures averaged (recall per label, confusion per scarce class) — meanFigures.
    const { balancedAccuracy, macroF1, recall, scarceRecall, majorityRecall, confusion } = meanFigures(figures, 0);
    const f = (g: (x: SeedFigures) => number) => figures.map(g);
    return {
      name,
      balancedAccuracy,
      macroF1,
      recall,
      scarceRecall,
      majorityRecall,
      confusion,
      std: { balancedAccuracy: sampleStd(f((x) => x.balancedAccuracy)), macroF1: sampleStd(f((x) => x.macroF1)), scarceRecall: sampleStd(f((x) => x.scarceRecall)) },
      perSeed: figures,
      trainImages,
      seconds,
    };
  });
  const bestPartial = partial.filter((r) => CLASSICAL.includes(r.name)).reduce((a, b) => (b.scarceRecall > a.scarceRecall ? b : a));
  const vs = (r: (typeof partial)[number], g: (x: SeedFigures) => number) => paired(r.perSeed.map(g), bestPartial.perSeed.map(g));
  const rows: EvaluationRow[] = partial.map((r) => ({
    ...r,
    vsBest: {
      scarceRecall: vs(r, (x) => x.scarceRecall),
      balancedAccuracy: vs(r, (x) => x.balancedAccuracy),
      macroF1: vs(r, (x) => x.macroF1),
      recall: Object.fromEntries(scarce.filter((l) => l in r.recall).map((l) => [l, vs(r, (x) => x.recall[l] ?? NaN)])),
    },
  }));
  const best = rows.find((r) => r.name === bestPartial.name)!;
  const synthetic = rows.find((r) => r.name === 'synthetic')!;
  const diffs = synthetic.perSeed.map((s, i) => 100 * (s.scarceRecall - best.perSeed[i]!.scarceRecall));
  return { rows, best, synthetic, gain: 100 * (synthetic.scarceRecall - best.scarceRecall), gainStd: sampleStd(diffs) };
}

/** The mean of several seeds' figures, as one entry (recall and confusion label by label, over the seeds that have them). */
export function meanFigures(figures: readonly SeedFigures[], seed: number): SeedFigures {
  if (figures.length === 0) throw new RangeError('Expected at least one seed\'s figures but received none');
  const byLabel = (get: (f: SeedFigures) => Record<string, number> | undefined) => {
    const keys = new Set(figures.flatMap((f) => Object.keys(get(f) ?? {})));
    return Object.fromEntries([...keys].map((k) => [k, meanFinite(figures.map((f) => get(f)?.[k]).filter((x): x is number => x !== undefined))]));
  };
  const scarce = new Set(figures.flatMap((f) => Object.keys(f.confusion)));
  return {
    seed,
    balancedAccuracy: mean(figures.map((f) => f.balancedAccuracy)),
    macroF1: mean(figures.map((f) => f.macroF1)),
    recall: byLabel((f) => f.recall),
    scarceRecall: mean(figures.map((f) => f.scarceRecall)),
    majorityRecall: mean(figures.map((f) => f.majorityRecall)),
    // A confusion share absent from a seed is 0 there (seedFigures leaves out zeros), so divide by every seed.
    confusion: Object.fromEntries(
      [...scarce].map((l) => {
        const row: Record<string, number> = {};
        for (const f of figures) for (const [to, v] of Object.entries(f.confusion[l] ?? {})) row[to] = (row[to] ?? 0) + v / figures.length;
        return [l, row];
      }),
    ),
  };
}

/** The synthetic row's paired differences to the oversample row (over seeds, or over trainings when pooled); null without both rows. */
export function vsOversample(r: EvaluationResult): { scarceRecall: PairedDiff; balancedAccuracy: PairedDiff } | null {
  const syn = r.rows.find((x) => x.name === 'synthetic');
  const over = r.rows.find((x) => x.name === 'oversample');
  if (!syn || !over || syn.perSeed.length !== over.perSeed.length || syn.perSeed.length === 0) return null;
  return {
    scarceRecall: paired(syn.perSeed.map((s) => s.scarceRecall), over.perSeed.map((s) => s.scarceRecall)),
    balancedAccuracy: paired(syn.perSeed.map((s) => s.balancedAccuracy), over.perSeed.map((s) => s.balancedAccuracy)),
  };
}

/**
 * Stage 3, synthesis: for each scarce class, generate candidates (`generate.ts`), run the configured
 * filters over them (`filter.ts`), keep the best `deliver.share` × `deficit` that pass (the rest of the
 * class's fill is its real images listed again: write.ts), measure the kept set against the
 * real class (FID, KID: `metrics/measure.ts`) and apply the quality gate. The features and classifier it
 * uses are prepared before training (`quality.ts`); the kept and rejected images are written by `write.ts`.
 */
import type { Config } from '../config/schema.js';
import { CLASSES_IN_FULL } from '../config/defaults.js';
import type { ClassBalance } from '../dataset/balance.js';
import { pickImages, type LabelledImages } from '../dataset/sampler.js';
import type { EventSink } from '../events.js';
import type { Rows } from '../filter/nearest.js';
import { GATE_LIMITS, qualityGate, type GateLimits } from '../filter/quality-gate.js';
import { gatherRows } from '../filter/rows.js';
import { REJECT_REASONS, type RejectReason } from '../filter/steps.js';
import type { NearCopyCalibration } from '../filter/types.js';
import { measureClass, type ClassQuality } from '../metrics/measure.js';
import { binScores } from '../report/bins.js';
import type { ScoreBins } from '../report/types.js';
import { deliverShare, plannedSynthetic } from './deliver.js';
import { filterCandidates } from './filter.js';
import type { Anchors } from '../generate/anchor.js';
import { generateCandidates, type ModelFor, type SourcePool } from './generate.js';
import { SamplerPools } from '../generate/sampler-pool.js';
import { classHeldOut, sharedHeldOut } from './guard.js';
import type { ImportedClass, ImportedFile } from '../generate/import.js';
import type { QualityContext, QualitySummary } from './quality.js';

export type { ClassQuality } from '../metrics/measure.js';
export type { NearCopyCalibration } from '../filter/types.js';
export type { ModelFor } from './generate.js';
export { prepareQuality, type QualityContext, type QualitySummary } from './quality.js';
export { filterCandidates, type CandidateSet, type FilteredCandidates } from './filter.js';

export interface SyntheticImage {
  label: string;
  seed: number;
  score: number;
  /** Rank among the kept images of its class (0 = best). */
  rank: number;
  /**
   * Every score the filters computed for it: `discriminator` (logit), `label-prob` (classifier probability
   * of its class), `near-feature` / `near-pixel` (distance to the nearest real image; pixels as RMS on 0–1).
   */
  scores: Record<string, number>;
  pixels: Uint8Array;
  /** `gan.mode: translate`: the real image (index into the ingested images) it was translated from. */
  source?: number;
  /** `generate.from`: the file it was imported from (its `seed` is then its place in the class's candidates, naming its file only). */
  imported?: ImportedFile;
}

/** A candidate the filters rejected, kept for inspection under `filter.keepRejected`. */
export interface RejectedImage {
  label: string;
  seed: number;
  score: number;
  reason: RejectReason;
  detail: string;
  pixels: Uint8Array;
}

export interface ClassSynthesis {
  label: string;
  /** Images the class needed (its deficit). */
  target: number;
  /** Of them, synthetic images asked of the filters: `deliver.share` × target, rounded. */
  planned: number;
  candidates: number;
  kept: number;
  /** planned − kept: how many the filters could not fill. */
  shortfall: number;
  /** Real images listed again in its fill: target − planned, the shortfall under `filter.shortfall: oversample`, or the whole target where the guard fell back. */
  oversampled: number;
  /** Lowest kept discriminator score. */
  cut: number | null;
  /** Rejected candidates by reason. */
  rejected: Record<RejectReason, number>;
  /** Candidates left after each filter step, in the order run, with the step's cut. */
  steps: { step: string; left: number; cut: number | null }[];
  /** Every candidate's discriminator logit, binned, kept and rejected apart (the report's histogram). */
  scoreBins: ScoreBins | null;
  nearCopy: NearCopyCalibration[];
  quality: ClassQuality;
  /** generate.anchor: candidates were drawn around latents fitted to this many real images (σ, fit's pixel MSE on [-1, 1]); absent when they came from the prior. */
  anchored?: { images: number; sigma: number; mse: number };
}

export interface SynthesisResult {
  images: SyntheticImage[];
  /** generate.anchor's fitted latents, by class (saved beside the generator, so `generate` can reproduce). */
  anchors: Map<string, Anchors>;
  classes: ClassSynthesis[];
  /** Rejected candidates, only under `filter.keepRejected`. */
  rejected: RejectedImage[];
  quality: QualitySummary;
}

/** Where each scarce class's candidates come from: the trained models, or a folder made elsewhere (`generate.from`). */
export type CandidateSource = { models: ModelFor; pool?: SourcePool } | { imported: ReadonlyMap<string, ImportedClass> };

/**
 * Generates (or takes the imported), filters and measures each scarce class. Warns (an event) for every
 * class the filters could not fill and every class that fails the quality gate; what a failed gate does is
 * the caller's.
 */
export async function synthesize(
  source: CandidateSource,
  scarce: ClassBalance[],
  config: Config,
  emit: EventSink,
  q: QualityContext,
  signal?: AbortSignal,
): Promise<SynthesisResult> {
  const per = config.decode.size * config.decode.size * config.decode.channels;
  const dims = q.extractor.info.dims;
  const images: SyntheticImage[] = [];
  const rejectedImages: RejectedImage[] = [];
  const classes: ClassSynthesis[] = [];
  const anchors = new Map<string, Anchors>();
  const realFeatures: Rows = { data: q.realFeatures, rows: q.real.count, dims };
  const heldOut = ganHeldOut(q.real, config, new Set(scarce.map((c) => q.labels.indexOf(c.label))));

  const short: Short[] = [];
  // Sampler threads for the candidates, kept from class to class while the model is the same.
  const samplers = new SamplerPools((message) => emit({ type: 'warn', message }));
  try {
    for (const c of scarce) {
      const dataIndex = q.labels.indexOf(c.label);
      const held = new Set(heldOut(dataIndex));
      const realOfClass = indicesOf(q.real.labels, dataIndex);
      const trainedOn = realOfClass.filter((i) => !held.has(i));
      // generate.anchor fits its latents to the images the GAN trained on, never to its held-out ones.
      const anchorImages = config.generate.anchor.sigma === null ? undefined : pickImages(q.real, trainedOn);
      const planned = plannedSynthetic(c.deficit, deliverShare(config));
      const cands =
        'imported' in source
          ? importedCandidates(source.imported.get(c.label))
          : await generateCandidates(source.models.get(c.label)!, c.label, c.deficit, config, emit, signal, source.pool, samplers, anchorImages);
      if (cands.anchors) anchors.set(c.label, cands.anchors);
      const n = cands.count;
      if ('imported' in source) emit({ type: 'generate.progress', label: c.label, done: n, total: n });
      const sources = cands.sources;
      const files = 'imported' in cands ? cands.imported : undefined;
      const { sel, scores, perImage, nearCopy, feats } = await filterCandidates(
        { pixels: cands.pixels, count: n, scores: cands.scores, ...(sources ? { sources } : {}) },
        c.label,
        planned,
        config,
        q,
        held,
      );
      sel.kept.forEach((idx, rank) => {
        // A score a candidate does not have (an imported image's discriminator logit, NaN) is left out.
        const imageScores = Object.fromEntries(Object.entries(perImage).map(([key, v]) => [key, v[idx]!]).filter(([, v]) => Number.isFinite(v)));
        images.push({
          label: c.label,
          seed: cands.seeds[idx]!,
          score: scores[idx]!,
          rank,
          scores: imageScores,
          pixels: cands.pixels.slice(idx * per, (idx + 1) * per),
          ...(sources ? { source: sources[idx]! } : {}),
          ...(files ? { imported: files[idx]! } : {}),
        });
      });
      // Every reason was checked against its filter's registry row (stages/filter.ts), so it is a RejectReason.
      if (config.filter.keepRejected) {
        for (const r of sel.rejected) {
          rejectedImages.push({ label: c.label, seed: cands.seeds[r.index]!, score: scores[r.index]!, reason: r.reason as RejectReason, detail: r.detail, pixels: cands.pixels.slice(r.index * per, (r.index + 1) * per) });
        }
      }
      if (sel.shortfall > 0) {
        const s: Short = { label: c.label, kept: sel.kept.length, planned, candidates: n, byReason: sel.byReason };
        // Many scarce classes: one line for all of them after the last (below), not one a class.
        if (scarce.length > CLASSES_IN_FULL) short.push(s);
        else for (const message of shortfallWarnings([s], scarce.length, config)) emit({ type: 'warn', message });
      }
      const kidOptions = { subsets: config.quality.kidSubsets, subsetSize: config.quality.kidSubsetSize, seed: config.seed };
      const split = held.size >= 2 ? { held: rowsOf(realFeatures, [...held]), train: rowsOf(realFeatures, trainedOn) } : null;
      const quality = measureClass(c.label, rowsOf({ data: feats, rows: n, dims }, sel.kept), rowsOf(realFeatures, realOfClass), q.extractor.info, kidOptions, split);
      classes.push({
        label: c.label,
        target: c.deficit,
        planned,
        candidates: n,
        kept: sel.kept.length,
        shortfall: sel.shortfall,
        oversampled: 0,
        cut: sel.kept.length > 0 && Number.isFinite(scores[sel.kept.at(-1)!]!) ? scores[sel.kept.at(-1)!]! : null,
        rejected: sel.byReason,
        steps: sel.after,
        scoreBins: binScores(scores, sel.kept),
        nearCopy,
        quality,
        ...(cands.anchors && config.generate.anchor.sigma !== null ? { anchored: { images: cands.anchors.count, sigma: config.generate.anchor.sigma, mse: cands.anchors.mse } } : {}),
      });
    }
  } finally {
    await samplers.close();
  }
  for (const message of shortfallWarnings(short, scarce.length, config)) emit({ type: 'warn', message });

  const gate = qualityGate(
    classes.map((c) => ({ label: c.label, fid: c.quality.fid, kid: c.quality.kid, spread: c.quality.spread })),
    gateLimitsOf(config),
  );
  gate.forEach((g, i) => {
    const cq = classes[i]!.quality;
    cq.passed = g.passed;
    cq.reasons = g.reasons;
    if (!g.passed) emit({ type: 'warn', message: `quality gate: class "${g.label}" fails: ${g.reasons.join('; ')} (${cq.samples.synthetic} kept; FID and KID against ${cq.samples.real} ${cq.reference === 'held-out' ? 'held-out ' : ''}real images; features ${cq.extractor.id})` });
  });
  const rejected = Object.fromEntries(REJECT_REASONS.map((r) => [r, classes.reduce((s, c) => s + c.rejected[r], 0)])) as Record<RejectReason, number>;
  return {
    images,
    anchors,
    classes,
    rejected: rejectedImages,
    quality: {
      ...q.summary,
      gate: { ...gateLimitsOf(config), onFail: config.quality.onFail, failed: gate.filter((g) => !g.passed).map(({ label, reasons }) => ({ label, reasons })) },
      rejected,
      shortfall: classes.reduce((s, c) => s + c.shortfall, 0),
    },
  };
}

/** A class the filters could not fill. */
export interface Short {
  label: string;
  kept: number;
  planned: number;
  candidates: number;
  byReason: Record<RejectReason, number>;
}

/**
 * The warnings for classes the filters left short: one a class up to CLASSES_IN_FULL scarce classes, else one
 * for all of them (a 30-class run printed 19 lines of ~200 characters).
 */
export function shortfallWarnings(short: readonly Short[], scarce: number, config: Pick<Config, 'filter'>): string[] {
  if (short.length === 0) return [];
  const why = (count: (r: RejectReason) => number) =>
    REJECT_REASONS.filter((r) => r !== 'surplus' && count(r) > 0).map((r) => `${r} ${count(r)}`).join(', ') || 'none';
  const next = (whose: string) =>
    config.filter.shortfall === 'oversample' ? `The rest are filled with ${whose} real images (filter.shortfall: oversample)` : 'Raise generate.oversample, loosen filter.*, or set filter.shortfall: oversample';
  if (scarce <= CLASSES_IN_FULL) {
    return short.map((x) => `class "${x.label}": the filters kept ${x.kept} of the ${x.planned} needed (short by ${x.planned - x.kept}) from ${x.candidates} candidates; rejected: ${why((r) => x.byReason[r])}. ${next('its')}`);
  }
  const total = (r: RejectReason) => short.reduce((t, x) => t + x.byReason[r], 0);
  return [
    `the filters kept fewer than needed for ${short.length} of ${scarce} scarce classes (kept of needed): ${short.map((x) => `${x.label} ${x.kept}/${x.planned}`).join(', ')}; rejected in all: ${why(total)} (each class's figures are in summary.json). ${next('their')}`,
  ];
}

/** A class's imported candidates as the filters take them: no discriminator score (NaN), each named by its place. */
function importedCandidates(c: ImportedClass | undefined): { pixels: Uint8Array; count: number; seeds: number[]; scores: Float32Array; imported: ImportedFile[]; sources?: undefined; anchors?: undefined } {
  const count = c?.count ?? 0;
  return { pixels: c?.pixels ?? new Uint8Array(0), count, seeds: Array.from({ length: count }, (_, i) => i), scores: new Float32Array(count).fill(NaN), imported: c?.files ?? [] };
}

/**
 * The real images of each class the GAN held out (never trained on), re-derived exactly as its trainer split
 * them: over the whole dataset in `shared` (and `translate`) mode, over the class's own images in `per-class` mode;
 * under generate.from, those the guard holds out (`sharedHeldOut`: up to 15 of each scarce class, `scarce`).
 */
export function ganHeldOut(real: LabelledImages, config: Config, scarce: ReadonlySet<number> = new Set()): (classIndex: number) => number[] {
  const shared = config.gan.mode !== 'per-class' || config.generate.from !== null ? new Set(sharedHeldOut(config, real, scarce)) : null;
  return (classIndex) => {
    const own = indicesOf(real.labels, classIndex);
    if (shared) return own.filter((i) => shared.has(i));
    return classHeldOut(config, real, own).map((k) => own[k]!);
  };
}

function indicesOf(labels: Int32Array, c: number): number[] {
  const out: number[] = [];
  labels.forEach((l, i) => {
    if (l === c) out.push(i);
  });
  return out;
}

/** The rows `rows` of `m`, as float64. */
function rowsOf(m: Rows, rows: readonly number[]): { data: Float64Array; rows: number; dims: number } {
  return { data: gatherRows(m.data, m.dims, rows), rows: rows.length, dims: m.dims };
}

/** The gate's limits from the config's `quality` section, one per {@link GATE_LIMITS} row. */
function gateLimitsOf(config: Config): GateLimits {
  return Object.fromEntries(GATE_LIMITS.map((row) => [row.key, config.quality[row.key]])) as unknown as GateLimits;
}

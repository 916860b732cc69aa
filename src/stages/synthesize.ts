/**
 * Stage 3: for each scarce class, sample `deficit × oversample` candidates from the trained generator,
 * score them (discriminator logit, classifier probability, distance to the nearest real image in feature
 * and pixel space), run the filters in the order `filter.order` gives, keep the best `deficit` that pass,
 * and measure the kept set against the real class (FID, KID) for the quality gate.
 *
 * `prepareQuality` runs before training: it trains or loads the feature classifier (or loads the user's
 * model) and extracts the real images' features, so a broken extractor fails before minutes of training.
 */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { loadOrTrainClassifier } from '../classifier/cache.js';
import { disposeClassifier, type Classifier } from '../classifier/model.js';
import { probabilities } from '../classifier/predict.js';
import type { Config } from '../config/schema.js';
import type { ClassBalance } from '../dataset/balance.js';
import type { LabelledImages } from '../dataset/sampler.js';
import type { EventSink } from '../events.js';
import { keepAboveThreshold, keepTopByScore, keepTopFraction, rejectionSample } from '../filter/discriminator-score.js';
import { keepLabelConsistent } from '../filter/label-consistency.js';
import { calibrateNearCopy, rejectNearCopies, type NearCopySpace } from '../filter/near-copy.js';
import { nearestNeighbours, type Rows } from '../filter/nearest.js';
import { qualityGate } from '../filter/quality-gate.js';
import { applyFilters, gather, gatherRows, type FilterStep, type Selection } from '../filter/select.js';
import { REJECT_REASONS, type RejectReason } from '../filter/types.js';
import type { Discriminator } from '../gan/discriminator.js';
import { isTranslator, type ImageModel } from '../gan/translator.js';
import { labelSalt } from '../generate/from-model.js';
import { sampleClass, seedsFor } from '../generate/sample.js';
import { pickSources, sourceClasses, translateImages } from '../generate/translate.js';
import { writePngs } from '../manifest/write.js';
import { fid } from '../metrics/fid.js';
import { kid } from '../metrics/kid.js';
import { cachedFeatures } from '../metrics/features-cache.js';
import { classifierExtractor, datasetHash, loadUserExtractor, type ExtractorInfo, type FeatureExtractor } from '../metrics/features.js';
import { writeFileAtomic } from '../util/fs.js';
import { Rng } from '../util/rng.js';
import { safeSegment } from '../util/safe-name.js';

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

/** The near-copy threshold of one space for one class, and what calibrated it. */
export interface NearCopyCalibration {
  space: NearCopySpace;
  /** Whose real images calibrated it: every class's (`pooled`) or the candidate's class's. */
  scope: 'pooled' | 'class';
  /** Distances are Euclidean: in feature units, or in pixels as RMS difference on a 0–1 scale. */
  threshold: number;
  quantile: number;
  /** Real images whose nearest other real image calibrated the threshold. */
  calibrationSamples: number;
}

/** FID and KID of one class's kept synthetic images against its real images, with what measured them. */
export interface ClassQuality {
  label: string;
  fid: number | null;
  kid: number | null;
  /** Spread of KID over its subsets (0 when the sets were used whole). */
  kidStd: number | null;
  kidSubsets: number | null;
  kidSubsetSize: number | null;
  samples: { real: number; synthetic: number };
  extractor: { id: string; dims: number; resize: string; decodeKernel: string };
  /** Within quality.maxFid / maxKid (true when no limit is set or a score is missing). */
  passed: boolean;
  reasons: string[];
  /** Why a score is missing. */
  note?: string;
}

export interface ClassSynthesis {
  label: string;
  /** Images the class needed (its deficit). */
  target: number;
  candidates: number;
  kept: number;
  /** target − kept: how many the filters could not fill. */
  shortfall: number;
  /** Of the shortfall, real images listed again (`filter.shortfall: oversample`); 0 otherwise. */
  oversampled: number;
  /** Lowest kept discriminator score. */
  cut: number | null;
  /** Rejected candidates by reason. */
  rejected: Record<RejectReason, number>;
  /** Candidates left after each filter step, in the order run, with the step's cut. */
  steps: { step: string; left: number; cut: number | null }[];
  nearCopy: NearCopyCalibration[];
  quality: ClassQuality;
}

/** What summary.json says about features, filters and the gate. */
export interface QualitySummary {
  extractor: ExtractorInfo;
  classifier: {
    key: string;
    cached: boolean;
    trainAccuracy: number;
    steps: number;
    seconds: number;
  } | null;
  dataHash: string;
  gate: { maxFid: number | null; maxKid: number | null; onFail: 'warn' | 'fail'; failed: { label: string; reasons: string[] }[] };
  /** Rejections over all classes by reason. */
  rejected: Record<RejectReason, number>;
  /** Images the filters could not fill, over all classes. */
  shortfall: number;
  /** Seconds spent preparing features (classifier + real features). */
  prepareSeconds: number;
}

/** Features and models the filters and metrics share for one run. */
export interface QualityContext {
  real: LabelledImages;
  /** Class labels by dataset class index. */
  labels: string[];
  /** A name for each real image (its path), used in rejection details. */
  realNames: string[];
  extractor: FeatureExtractor;
  realFeatures: Float32Array;
  /** The feature classifier, when the extractor or the label filter needs it. */
  classifier: Classifier | null;
  summary: Omit<QualitySummary, 'gate' | 'rejected' | 'shortfall'>;
  /** Near-copy thresholds already calibrated this run, by space, scope and quantile (pooled ones are shared by every class). */
  calibrated: Map<string, NearCopyCalibration>;
  dispose(): void;
}

/** Real images used to calibrate a near-copy threshold (more are subsampled, seeded). */
export const CALIBRATION_MAX = 2000;

/**
 * Trains or loads the feature classifier (if the extractor or the label filter needs it), loads a user
 * extractor otherwise, and extracts the real images' features; caches both in `<out>/.cache/` when
 * `features.cache` is on.
 * @throws {UserError} for a user model that cannot be read
 */
export async function prepareQuality(
  config: Config,
  ing: { data: LabelledImages; labels: string[]; files: { rel: string }[] },
  emit: EventSink,
  signal?: AbortSignal,
): Promise<QualityContext> {
  const t0 = performance.now();
  const f = config.features;
  const dataHash = datasetHash(ing.data, ing.labels);
  const cacheRoot = f.cache ? path.join(config.out, '.cache') : null;
  const needClassifier = f.extractor === 'classifier' || config.filter.order.includes('label');
  let classifier: Classifier | null = null;
  let classifierInfo: QualitySummary['classifier'] = null;
  if (needClassifier) {
    const c = await loadOrTrainClassifier(
      ing.data,
      ing.labels,
      dataHash,
      { ...f.classifier, seed: config.seed },
      cacheRoot && path.join(cacheRoot, 'classifier'),
      signal ? { signal } : {},
    );
    classifier = c.classifier;
    classifierInfo = { key: c.key, cached: c.cached, trainAccuracy: c.training.trainAccuracy, steps: c.training.steps, seconds: c.training.seconds };
    emit({
      type: 'info',
      message: `feature classifier ${c.cached ? 'loaded from cache' : `trained in ${c.training.seconds.toFixed(1)} s`} (${c.key}; accuracy on the real images ${(100 * c.training.trainAccuracy).toFixed(1)}%)`,
    });
  }
  let extractor: FeatureExtractor;
  try {
    extractor =
      f.extractor === 'classifier'
        ? classifierExtractor(classifier!, classifierInfo!.key, config.decode.kernel)
        : await loadUserExtractor(
            { format: f.extractor, model: f.model!, inputSize: f.inputSize, channels: f.channels, mean: f.mean, std: f.std, output: f.output },
            { size: ing.data.size, channels: ing.data.channels, kernel: config.decode.kernel },
          );
  } catch (err) {
    if (classifier) disposeClassifier(classifier);
    throw err;
  }
  const real = await cachedFeatures(cacheRoot && path.join(cacheRoot, 'features'), extractor.info, dataHash, ing.data.count, () =>
    extractor.extract(ing.data.pixels, ing.data.count),
  );
  emit({ type: 'info', message: `features: ${extractor.info.id}, ${extractor.info.dims}-d, ${ing.data.count} real images${real.cached ? ' (cached)' : ''}` });
  return {
    real: ing.data,
    labels: ing.labels,
    realNames: ing.files.map((x) => x.rel),
    extractor,
    realFeatures: real.features,
    classifier,
    summary: { extractor: extractor.info, classifier: classifierInfo, dataHash, prepareSeconds: (performance.now() - t0) / 1000 },
    calibrated: new Map(),
    dispose() {
      extractor.dispose();
      if (classifier) disposeClassifier(classifier);
    },
  };
}

/** The trained model that makes a class, and the class's index in that model. */
export type ModelFor = Map<string, { g: ImageModel; d: Discriminator; classIndex: number }>;

export interface SynthesisResult {
  images: SyntheticImage[];
  classes: ClassSynthesis[];
  /** Rejected candidates, only under `filter.keepRejected`. */
  rejected: RejectedImage[];
  quality: QualitySummary;
}

/**
 * Generates, filters and measures each scarce class. Warns (an event) for every class the filters could
 * not fill and every class that fails the quality gate; what a failed gate does is the caller's.
 */
export async function synthesize(
  models: ModelFor,
  scarce: ClassBalance[],
  config: Config,
  emit: EventSink,
  q: QualityContext,
): Promise<SynthesisResult> {
  const per = config.decode.size * config.decode.size * config.decode.channels;
  const dims = q.extractor.info.dims;
  const images: SyntheticImage[] = [];
  const rejectedImages: RejectedImage[] = [];
  const classes: ClassSynthesis[] = [];
  const realFeatures: Rows = { data: q.realFeatures, rows: q.real.count, dims };

  for (const c of scarce) {
    const { g, d, classIndex: ci } = models.get(c.label)!;
    let n = Math.ceil(c.deficit * config.generate.oversample);
    const salt = labelSalt(c.label);
    const progress = (done: number) => emit({ type: 'generate.progress', label: c.label, done, total: n });
    let sources: number[] | undefined;
    let cands: { pixels: Uint8Array; scores: Float32Array | null; seeds: number[] };
    if (isTranslator(g)) {
      // Translate real images of the source classes; each candidate's seed only names its file.
      const from = sourceClasses(q.labels, c.label, scarce.map((x) => x.label), config.gan.translate.sources).map((l) => q.labels.indexOf(l));
      sources = pickSources(q.real.labels, from, n, config.gan.translate.sourceMix, (config.seed ^ salt ^ 0x7a11) >>> 0);
      n = sources.length;
      const t = await translateImages(g, d, ci, q.real.pixels, sources, config.generate.batchSize, progress);
      cands = { ...t, seeds: seedsFor(config.seed, salt, n) };
    } else {
      // Seeds depend on the label, not on the model's class index, so both modes give each class its own.
      cands = await sampleClass(g, d, ci, n, seedsFor(config.seed, salt, n), config.generate.batchSize, progress);
    }
    const { sel, scores, perImage, nearCopy, feats } = await filterCandidates(
      { pixels: cands.pixels, count: n, scores: cands.scores!, ...(sources ? { sources } : {}) },
      c.label,
      c.deficit,
      config,
      q,
    );
    const dataIndex = q.labels.indexOf(c.label);
    const realOfClass = indicesOf(q.real.labels, dataIndex);
    sel.kept.forEach((idx, rank) => {
      const imageScores = Object.fromEntries(Object.entries(perImage).map(([key, v]) => [key, v[idx]!]));
      images.push({
        label: c.label,
        seed: cands.seeds[idx]!,
        score: scores[idx]!,
        rank,
        scores: imageScores,
        pixels: cands.pixels.slice(idx * per, (idx + 1) * per),
        ...(sources ? { source: sources[idx]! } : {}),
      });
    });
    if (config.filter.keepRejected) {
      for (const r of sel.rejected) {
        rejectedImages.push({ label: c.label, seed: cands.seeds[r.index]!, score: scores[r.index]!, reason: r.reason, detail: r.detail, pixels: cands.pixels.slice(r.index * per, (r.index + 1) * per) });
      }
    }
    if (sel.shortfall > 0) {
      const why = REJECT_REASONS.filter((r) => r !== 'surplus' && sel.byReason[r] > 0).map((r) => `${r} ${sel.byReason[r]}`).join(', ');
      emit({
        type: 'warn',
        message: `class "${c.label}": the filters kept ${sel.kept.length} of the ${c.deficit} needed (short by ${sel.shortfall}) from ${n} candidates; rejected: ${why || 'none'}. ${
          config.filter.shortfall === 'oversample' ? 'The rest are filled with its real images (filter.shortfall: oversample)' : 'Raise generate.oversample, loosen filter.*, or set filter.shortfall: oversample'
        }`,
      });
    }
    const quality = measure(c.label, rowsOf({ data: feats, rows: n, dims }, sel.kept), rowsOf(realFeatures, realOfClass), q.extractor.info, config);
    classes.push({
      label: c.label,
      target: c.deficit,
      candidates: n,
      kept: sel.kept.length,
      shortfall: sel.shortfall,
      oversampled: 0,
      cut: sel.kept.length > 0 ? scores[sel.kept.at(-1)!]! : null,
      rejected: sel.byReason,
      steps: sel.after,
      nearCopy,
      quality,
    });
  }

  const gate = qualityGate(
    classes.map((c) => ({ label: c.label, fid: c.quality.fid, kid: c.quality.kid })),
    { maxFid: config.quality.maxFid, maxKid: config.quality.maxKid },
  );
  gate.forEach((g, i) => {
    const cq = classes[i]!.quality;
    cq.passed = g.passed;
    cq.reasons = g.reasons;
    if (!g.passed) emit({ type: 'warn', message: `quality gate: class "${g.label}" fails: ${g.reasons.join('; ')} (${cq.samples.synthetic} synthetic vs ${cq.samples.real} real images, ${cq.extractor.id})` });
  });
  const rejected = Object.fromEntries(REJECT_REASONS.map((r) => [r, classes.reduce((s, c) => s + c.rejected[r], 0)])) as Record<RejectReason, number>;
  return {
    images,
    classes,
    rejected: rejectedImages,
    quality: {
      ...q.summary,
      gate: { maxFid: config.quality.maxFid, maxKid: config.quality.maxKid, onFail: config.quality.onFail, failed: gate.filter((g) => !g.passed).map(({ label, reasons }) => ({ label, reasons })) },
      rejected,
      shortfall: classes.reduce((s, c) => s + c.shortfall, 0),
    },
  };
}

/** Candidates of one class: NHWC uint8 pixels and the discriminator's logit of each. */
export interface CandidateSet {
  pixels: Uint8Array;
  count: number;
  scores: Float32Array;
  /** Translated candidates: the real image (index into `q.real`) each was made from; the near-copy filter also checks against it. */
  sources?: readonly number[];
}

/** What {@link filterCandidates} decided and measured. */
export interface FilteredCandidates {
  sel: Selection;
  scores: Float32Array;
  /** Per-candidate scores by name (see {@link SyntheticImage.scores}). */
  perImage: Record<string, ArrayLike<number>>;
  nearCopy: NearCopyCalibration[];
  /** The candidates' features (count × extractor dims). */
  feats: Float32Array;
}

/**
 * Scores `cands` for the filters `config.filter.order` names — features, classifier probabilities,
 * nearest real image in feature and pixel space with thresholds calibrated on this class's real images —
 * and runs the filters in that order, keeping the best `target` that pass.
 */
export async function filterCandidates(cands: CandidateSet, label: string, target: number, config: Config, q: QualityContext): Promise<FilteredCandidates> {
  const per = q.real.size * q.real.size * q.real.channels;
  const dims = q.extractor.info.dims;
  const n = cands.count;
  const dataIndex = q.labels.indexOf(label);
  if (dataIndex < 0) throw new RangeError(`Expected a class of the dataset (${q.labels.join(', ')}) but received "${label}"`);
  const salt = labelSalt(label);
  const realPixels: Rows = { data: q.real.pixels, rows: q.real.count, dims: per };
  const realFeatures: Rows = { data: q.realFeatures, rows: q.real.count, dims };
  const scores = cands.scores;
  const feats = await q.extractor.extract(cands.pixels, n);

  // Each step scores the survivors it is handed; what it needs is computed once, up front.
  const steps: { name: string; run: FilterStep }[] = [];
  const perImage: Record<string, ArrayLike<number>> = { discriminator: scores };
  const nearCopy: NearCopyCalibration[] = [];
  for (const name of config.filter.order) {
    if (name === 'near-copy') {
      for (const space of config.filter.nearCopySpaces) {
        const ref = space === 'pixel' ? realPixels : realFeatures;
        // Pixel distances as RMS difference on a 0–1 scale, so thresholds read the same at any size.
        const unit = space === 'pixel' ? 1 / (255 * Math.sqrt(per)) : 1;
        const queries: Rows = space === 'pixel' ? { data: cands.pixels, rows: n, dims: per } : { data: feats, rows: n, dims };
        const calibration = calibrate(q, space, config.filter.nearCopyCalibration === 'pooled' ? null : dataIndex, ref, unit, config);
        const threshold = calibration.threshold;
        nearCopy.push(calibration);
        const nn = nearestNeighbours(queries, ref);
        const dist = scale(nn.distance, unit);
        perImage[`near-${space}`] = dist;
        steps.push({
          name: `near-copy-${space}`,
          run: (s) => rejectNearCopies(gather(dist, s), threshold, space, gather(nn.index, s), (i) => q.realNames[i] ?? `real image #${i}`),
        });
        if (cands.sources) {
          // A translation must not be a near-copy of its own source either (its nearest real image may be another).
          const src = cands.sources;
          const toSource = scale(distanceToRows(queries, ref, src), unit);
          perImage[`source-${space}`] = toSource;
          steps.push({
            name: `near-copy-source-${space}`,
            run: (s) => rejectNearCopies(gather(toSource, s), threshold, space, gather(src, s), (i) => `its source ${q.realNames[i] ?? `real image #${i}`}`),
          });
        }
      }
    } else if (name === 'label') {
      if (!q.classifier) throw new Error('the label filter needs the feature classifier');
      const k = q.labels.length;
      const probs = await probabilities(q.classifier, cands.pixels, n);
      perImage['label-prob'] = gather(probs, Array.from({ length: n }, (_, i) => i * k + dataIndex));
      steps.push({ name, run: (s) => keepLabelConsistent(gatherRows(probs, k, s), k, dataIndex, config.filter.minLabelProb, q.labels) });
    } else {
      steps.push({ name: `discriminator-${config.filter.discriminator}`, run: discriminatorStep(config, scores, target, (config.seed ^ salt ^ 0x5bd1e995) >>> 0) });
    }
  }
  const sel = applyFilters(n, steps, scores, target);
  return { sel, scores, perImage, nearCopy, feats };
}

/**
 * Writes rejected candidates to `<out>/rejected/<class>/<reason>-<seed>.png` and `<out>/rejected/rejected.jsonl`
 * (one line each: path, label, seed, score, reason, detail). A previous run's rejected folder is removed
 * first, and always, so it never mixes with this run's.
 */
export async function writeRejected(out: string, rejected: RejectedImage[], size: number, channels: 1 | 3): Promise<void> {
  const dir = path.join(out, 'rejected');
  await rm(dir, { recursive: true, force: true });
  if (rejected.length === 0) return;
  const files = rejected.map((r) => path.join(dir, safeSegment(r.label), `${r.reason}-${r.seed.toString(16).padStart(8, '0')}.png`));
  await writePngs(rejected.map((r, i) => ({ file: files[i]!, pixels: r.pixels })), size, channels);
  const lines = rejected.map((r, i) =>
    JSON.stringify({ path: path.relative(out, files[i]!).split(path.sep).join('/'), label: r.label, seed: r.seed, score: r.score, reason: r.reason, detail: r.detail }),
  );
  await writeFileAtomic(path.join(dir, 'rejected.jsonl'), lines.join('\n') + '\n');
}

function discriminatorStep(config: Config, scores: Float32Array, deficit: number, seed: number): FilterStep {
  const f = config.filter;
  switch (f.discriminator) {
    case 'top':
      return (s) => keepTopByScore(gather(scores, s), deficit);
    case 'fraction':
      return (s) => keepTopFraction(gather(scores, s), f.fraction);
    case 'threshold':
      return (s) => keepAboveThreshold(gather(scores, s), f.threshold);
    case 'drs':
      return (s) => rejectionSample(gather(scores, s), { percentile: f.drsPercentile, seed });
  }
}

/** FID and KID of the kept synthetic features against the real class's. */
function measure(label: string, synth: { data: Float64Array; rows: number; dims: number }, real: { data: Float64Array; rows: number; dims: number }, info: ExtractorInfo, config: Config): ClassQuality {
  const nSynth = synth.rows;
  const nReal = real.rows;
  const base: ClassQuality = {
    label,
    fid: null,
    kid: null,
    kidStd: null,
    kidSubsets: null,
    kidSubsetSize: null,
    samples: { real: nReal, synthetic: nSynth },
    extractor: { id: info.id, dims: info.dims, resize: info.resize, decodeKernel: info.decodeKernel },
    passed: true,
    reasons: [],
  };
  if (nSynth < 2 || nReal < 2) return { ...base, note: `FID and KID need at least 2 images on each side (${nSynth} kept synthetic, ${nReal} real)` };
  const k = kid(real, synth, { subsets: config.quality.kidSubsets, subsetSize: config.quality.kidSubsetSize, seed: config.seed });
  return { ...base, fid: fid(real, synth), kid: k.kid, kidStd: k.std, kidSubsets: k.subsets, kidSubsetSize: k.subsetSize };
}

function indicesOf(labels: Int32Array, c: number): number[] {
  const out: number[] = [];
  labels.forEach((l, i) => {
    if (l === c) out.push(i);
  });
  return out;
}

/**
 * The near-copy threshold of one space: the quantile of each calibration image's distance to its nearest
 * other real image. `classIndex` null = pooled over every class. Cached in `q` for the run.
 */
function calibrate(q: QualityContext, space: NearCopySpace, classIndex: number | null, ref: Rows, unit: number, config: Config): NearCopyCalibration {
  const quantile = config.filter.nearCopyQuantile;
  const key = `${space}:${classIndex ?? 'pooled'}:${quantile}`;
  const hit = q.calibrated.get(key);
  if (hit) return hit;
  const pool = classIndex === null ? Array.from({ length: q.real.count }, (_, i) => i) : indicesOf(q.real.labels, classIndex);
  const calib = calibrationSample(pool, (config.seed ^ 0x9e3779b9 ^ (classIndex ?? 0xffff)) >>> 0);
  const realNN = nearestNeighbours(rowsOf(ref, calib), ref, calib);
  const result: NearCopyCalibration = {
    space,
    scope: classIndex === null ? 'pooled' : 'class',
    threshold: calibrateNearCopy(scale(realNN.distance, unit), quantile),
    quantile,
    calibrationSamples: calib.length,
  };
  q.calibrated.set(key, result);
  return result;
}

/** Up to CALIBRATION_MAX of `indices`, a seeded sample when there are more. */
function calibrationSample(indices: number[], seed: number): number[] {
  if (indices.length <= CALIBRATION_MAX) return indices;
  const rng = new Rng(seed >>> 0);
  const a = indices.slice();
  for (let i = 0; i < CALIBRATION_MAX; i++) {
    const j = i + rng.int(a.length - i);
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a.slice(0, CALIBRATION_MAX).sort((x, y) => x - y);
}

/** The rows `rows` of `m`, as float64. */
function rowsOf(m: Rows, rows: readonly number[]): { data: Float64Array; rows: number; dims: number } {
  return { data: gatherRows(m.data, m.dims, rows), rows: rows.length, dims: m.dims };
}

/** Euclidean distance of each query row i to reference row `refIndex[i]`, in float64. */
function distanceToRows(queries: Rows, ref: Rows, refIndex: readonly number[]): Float64Array {
  const out = new Float64Array(queries.rows);
  const d = queries.dims;
  for (let i = 0; i < queries.rows; i++) {
    let sum = 0;
    const r = refIndex[i]! * d;
    for (let k = 0; k < d; k++) {
      const t = queries.data[i * d + k]! - ref.data[r + k]!;
      sum += t * t;
    }
    out[i] = Math.sqrt(sum);
  }
  return out;
}

function scale(v: Float64Array, k: number): Float64Array {
  return k === 1 ? v : v.map((x) => x * k);
}

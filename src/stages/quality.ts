/**
 * Quality preparation, before training: trains or loads the feature classifier (when the extractor or a
 * configured filter needs it) or loads the user's extractor, and extracts the real images' features, so
 * a broken extractor fails before minutes of training. Caches both in `<out>/.cache/`.
 */
import { loadOrTrainClassifier } from '../classifier/cache.js';
import { featureClassifierSteps } from '../classifier/budget.js';
import { disposeClassifier, type Classifier } from '../classifier/model.js';
import type { Config } from '../config/schema.js';
import { pickImages, type LabelledImages } from '../dataset/sampler.js';
import type { EventSink } from '../events.js';
import type { GateLimits } from '../filter/quality-gate.js';
import { FILTERS, type RejectReason } from '../filter/steps.js';
import type { NearCopyCalibration } from '../filter/types.js';
import { cachedFeatures } from '../metrics/features-cache.js';
import { classifierExtractor, datasetHash, loadUserExtractor, type ExtractorInfo, type FeatureExtractor } from '../metrics/features.js';
import { outLayout } from '../out/layout.js';

/** What summary.json says about features, filters and the gate. */
export interface QualitySummary {
  extractor: ExtractorInfo;
  classifier: {
    key: string;
    cached: boolean;
    trainAccuracy: number;
    steps: number;
    seconds: number;
    /** Real images left out of its training: the held-out ones the guard judges on (absent before 2026-12-07). */
    heldOut?: number;
  } | null;
  dataHash: string;
  gate: GateLimits & { onFail: 'warn' | 'fail'; failed: { label: string; reasons: string[] }[] };
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

/**
 * Trains or loads the feature classifier (if the extractor or the label filter needs it), loads a user
 * extractor otherwise, and extracts the real images' features; caches both in `<out>/.cache/` when
 * `features.cache` is on. The classifier never trains on `heldOut` (indices into `ing.data`): the images the
 * guard judges on. It selects the candidates (the label filter) and gives the synthetic images their soft
 * labels, so having learned those images it would pick and label synthetic images by them, and the guard's
 * classifiers would be judged on images their training data was chosen by.
 * @throws {UserError} for a user model that cannot be read
 */
export async function prepareQuality(
  config: Config,
  ing: { data: LabelledImages; labels: string[]; files: { rel: string }[] },
  emit: EventSink,
  signal?: AbortSignal,
  heldOut: readonly number[] = [],
): Promise<QualityContext> {
  const t0 = performance.now();
  const f = config.features;
  const dataHash = datasetHash(ing.data, ing.labels);
  const held = new Set(heldOut);
  const learnFrom = held.size === 0 ? ing.data : pickImages(ing.data, Array.from({ length: ing.data.count }, (_, i) => i).filter((i) => !held.has(i)));
  const layout = outLayout(config.out);
  const needClassifier = f.extractor === 'classifier' || config.filter.order.some((name) => FILTERS[name].needsClassifier);
  let classifier: Classifier | null = null;
  let classifierInfo: QualitySummary['classifier'] = null;
  if (needClassifier) {
    const c = await loadOrTrainClassifier(
      learnFrom,
      ing.labels,
      held.size === 0 ? dataHash : datasetHash(learnFrom, ing.labels),
      { ...f.classifier, steps: featureClassifierSteps(f.classifier.steps, learnFrom.numClasses), seed: config.seed },
      f.cache ? layout.classifierCache : null,
      signal ? { signal } : {},
    );
    classifier = c.classifier;
    classifierInfo = { key: c.key, cached: c.cached, trainAccuracy: c.training.trainAccuracy, steps: c.training.steps, seconds: c.training.seconds, heldOut: held.size };
    const on = held.size === 0 ? 'the real images' : `the ${learnFrom.count} real images it trained on`;
    // Under guard: off nothing trains on them either, but the run's FID and KID still compare kept images with them.
    const judge = config.guard.mode === 'off' ? "the run's FID and KID compare kept images with" : 'the guard judges on';
    const without = held.size === 0 ? '' : `; not on the ${held.size} held out, which ${judge}`;
    emit({
      type: 'info',
      message: `feature classifier ${c.cached ? 'loaded from cache' : `trained in ${c.training.seconds.toFixed(1)} s`} (${c.key}; accuracy on ${on} ${(100 * c.training.trainAccuracy).toFixed(1)}%${without})`,
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
  const real = await cachedFeatures(f.cache ? layout.featuresCache : null, extractor.info, dataHash, ing.data.count, () =>
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

/**
 * The classifier cache: a trained classifier is stored under `<dir>/<key>/` where `key` hashes the
 * dataset (pixels, labels, label names), the spec, the training settings, the gan-augment and tfjs
 * versions and the backend (kernels differ in their last bits between backends). A second run on the same data and settings loads it instead of training again.
 */
import { tf } from '../tf.js';
import path from 'node:path';
import type { LabelledImages } from '../dataset/sampler.js';
import { hashJson } from '../util/hash.js';
import { VERSION } from '../version.js';
import { loadClassifier, saveClassifier, type ClassifierMeta } from './io.js';
import { buildClassifier, disposeClassifier, type Classifier } from './model.js';
import { trainClassifier, type ClassifierTraining, type TrainClassifierOptions } from './train.js';

/** The settings that make a classifier (besides the data). */
export interface ClassifierSettings {
  widths: number[];
  steps: number;
  batchSize: number;
  lr: number;
  shift: number;
  seed: number;
}

export interface CachedClassifier {
  classifier: Classifier;
  /** The cache key: identity of this classifier. */
  key: string;
  /** True when it was loaded rather than trained. */
  cached: boolean;
  training: ClassifierTraining;
  meta: ClassifierMeta;
}

/** The cache key for a dataset hash and settings on the current backend. */
export function classifierKey(dataHash: string, data: LabelledImages, settings: ClassifierSettings): string {
  return hashJson({
    v: 1,
    dataHash,
    size: data.size,
    channels: data.channels,
    numClasses: data.numClasses,
    settings,
    version: VERSION,
    tfjs: tf.version.tfjs,
    backend: tf.getBackend(),
  });
}

/**
 * Loads the classifier for this dataset and these settings from `cacheDir`, or trains and stores it.
 * With `cacheDir` null nothing is read or written. An unreadable cache entry is retrained over.
 */
export async function loadOrTrainClassifier(
  data: LabelledImages,
  labels: string[],
  dataHash: string,
  settings: ClassifierSettings,
  cacheDir: string | null,
  options: Pick<TrainClassifierOptions, 'onStep' | 'signal'> = {},
): Promise<CachedClassifier> {
  const key = classifierKey(dataHash, data, settings);
  const dir = cacheDir === null ? null : path.join(cacheDir, key);
  if (dir !== null) {
    const hit = await loadClassifier(dir).catch(() => null);
    if (hit) return { classifier: hit.classifier, key, cached: true, training: hit.meta.made.training as ClassifierTraining, meta: hit.meta };
  }
  const classifier = buildClassifier({ size: data.size, channels: data.channels, numClasses: data.numClasses, widths: settings.widths, seed: settings.seed });
  let training: ClassifierTraining;
  try {
    training = await trainClassifier(classifier, data, { ...settings, ...options });
  } catch (err) {
    disposeClassifier(classifier);
    throw err;
  }
  const made = { key, dataHash, settings, training, version: VERSION, tfjs: tf.version.tfjs, backend: tf.getBackend() };
  const meta: ClassifierMeta = { format: 'gan-augment/classifier@1', spec: classifier.spec, labels, made };
  if (dir !== null) await saveClassifier(dir, classifier, labels, made);
  return { classifier, key, cached: false, training, meta };
}

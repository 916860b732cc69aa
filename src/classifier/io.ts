/**
 * Saving and loading a classifier: a tfjs Layers `model.json` + `weights.bin`, whose
 * `userDefinedMetadata` carries the spec, the class labels and the settings and data that made it.
 */
import { tf } from '../tf.js';
import { UserError } from '../errors.js';
import { fileModel, modelJsonPath } from './file-io.js';
import { withEmbedder, type Classifier, type ClassifierSpec } from './model.js';

export const CLASSIFIER_FORMAT = 'gan-augment/classifier@1';

export interface ClassifierMeta {
  format: typeof CLASSIFIER_FORMAT;
  spec: ClassifierSpec;
  /** Class labels, by class index. */
  labels: string[];
  /** What made it: training settings, dataset hash, library versions, training figures. */
  made: Record<string, unknown>;
}

/** Writes `dir/model.json` and `dir/weights.bin` (model.json last). */
export async function saveClassifier(dir: string, c: Classifier, labels: string[], made: Record<string, unknown>): Promise<void> {
  const meta: ClassifierMeta = { format: CLASSIFIER_FORMAT, spec: c.spec, labels, made };
  c.model.setUserDefinedMetadata(meta);
  await c.model.save(fileModel(dir));
}

/**
 * Loads a classifier saved by {@link saveClassifier}.
 * @throws {UserError} when the folder holds no model or not a gan-augment classifier
 */
export async function loadClassifier(dir: string): Promise<{ classifier: Classifier; meta: ClassifierMeta }> {
  const model = await tf.loadLayersModel(fileModel(dir));
  const meta = model.getUserDefinedMetadata() as ClassifierMeta | undefined;
  if (!meta || meta.format !== CLASSIFIER_FORMAT) {
    model.dispose();
    throw new UserError(`${modelJsonPath(dir)}: expected a gan-augment classifier (${CLASSIFIER_FORMAT}), received ${meta?.format ?? 'a model without its metadata'}`);
  }
  return { classifier: withEmbedder(meta.spec, model), meta };
}

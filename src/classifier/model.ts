/**
 * The one small CNN classifier of gan-augment. It serves the feature extractor (its penultimate layer),
 * the label-consistency filter (its class probabilities), and `evaluate`.
 *
 *   uint8 image → x/127.5 − 1 → [conv 3×3 stride 2 → ReLU] × widths.length → global average pool
 *   ("features", widths.at(-1) values) → dense ("logits", one per class)
 *
 * Global average pooling makes the features a fixed-length summary of the last feature map, as
 * Inception's pool3 is for FID; every conv halves the resolution, so it stays cheap on a CPU.
 */
import { tf } from '../tf.js';
import { Rng } from '../util/rng.js';

export interface ClassifierSpec {
  /** Side length of the (square) input images. */
  size: number;
  channels: number;
  numClasses: number;
  /** Channels of each 3×3, stride-2 conv; the last is the feature dimension. */
  widths: number[];
  /** Seed of the initial weights. */
  seed: number;
}

/** The classifier and the sub-model that also returns its penultimate layer. */
export interface Classifier {
  spec: ClassifierSpec;
  /** images in [-1, 1] → logits. */
  model: tf.LayersModel;
  /** images in [-1, 1] → [features, logits]; shares weights with `model`. */
  embedder: tf.LayersModel;
}

export const FEATURES_LAYER = 'features';
export const LOGITS_LAYER = 'logits';

/**
 * Builds a classifier with fresh, seeded weights (He-normal convs, Glorot dense, zero biases).
 * @throws {RangeError} for a spec that cannot make a model (no widths, < 2 classes, a bad size)
 */
export function buildClassifier(spec: ClassifierSpec): Classifier {
  checkSpec(spec);
  // One seed per layer from the spec's seed; tfjs treats a seed of 0 as "unseeded", so never 0.
  const rng = new Rng(spec.seed);
  const seeds = Array.from({ length: spec.widths.length + 1 }, () => rng.nextUint32() || 1);
  const input = tf.input({ shape: [spec.size, spec.size, spec.channels], name: 'image' });
  let h: tf.SymbolicTensor = input;
  spec.widths.forEach((w, i) => {
    h = tf.layers
      .conv2d({
        filters: w,
        kernelSize: 3,
        strides: 2,
        padding: 'same',
        activation: 'relu',
        kernelInitializer: tf.initializers.heNormal({ seed: seeds[i]! }),
        name: `conv${i + 1}`,
      })
      .apply(h) as tf.SymbolicTensor;
  });
  const features = tf.layers.globalAveragePooling2d({ name: FEATURES_LAYER }).apply(h) as tf.SymbolicTensor;
  const logits = tf.layers
    .dense({ units: spec.numClasses, kernelInitializer: tf.initializers.glorotUniform({ seed: seeds[spec.widths.length]! }), name: LOGITS_LAYER })
    .apply(features) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: logits, name: 'gan_augment_classifier' });
  return withEmbedder(spec, model);
}

/** Wraps a (built or loaded) model, adding the features+logits view. */
export function withEmbedder(spec: ClassifierSpec, model: tf.LayersModel): Classifier {
  const features = model.getLayer(FEATURES_LAYER).output as tf.SymbolicTensor;
  const embedder = tf.model({ inputs: model.inputs, outputs: [features, model.outputs[0]!] });
  return { spec, model, embedder };
}

/** The trainable variables, in a stable order (for optimisers and tests). */
export function classifierVariables(c: Classifier): tf.Variable[] {
  return c.model.trainableWeights.map((w) => w.read() as tf.Variable);
}

export function disposeClassifier(c: Classifier): void {
  c.model.dispose();
}

function checkSpec(s: ClassifierSpec): void {
  const bad = (what: string, v: unknown) => new RangeError(`Expected ${what} but received ${JSON.stringify(v)}`);
  if (!Number.isInteger(s.size) || s.size < 2) throw bad('spec.size to be an integer ≥ 2', s.size);
  if (s.channels !== 1 && s.channels !== 3) throw bad('spec.channels to be 1 or 3', s.channels);
  if (!Number.isInteger(s.numClasses) || s.numClasses < 2) throw bad('spec.numClasses to be an integer ≥ 2', s.numClasses);
  if (!Array.isArray(s.widths) || s.widths.length === 0 || !s.widths.every((w) => Number.isInteger(w) && w > 0)) {
    throw bad('spec.widths to be a non-empty list of positive integers', s.widths);
  }
  if (!Number.isInteger(s.seed) || s.seed < 0) throw bad('spec.seed to be an integer ≥ 0', s.seed);
}

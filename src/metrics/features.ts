/**
 * Feature extractors for FID, KID and the near-copy filter: uint8 images in, one float32 row per image out.
 *
 * - `classifier`: the penultimate layer of gan-augment's own small CNN, trained on the real images
 *   (src/classifier/). Cheap on a CPU, specific to the dataset; its scores compare runs on that dataset.
 * - `layers` / `graph`: any local tfjs model (e.g. a converted InceptionV3 pool3 for FID comparable with
 *   the literature), read from disk with `fileModel`, given its input size and normalisation.
 *
 * Every extractor describes itself ({@link ExtractorInfo}); every score written carries that description.
 */
import { tf } from '../tf.js';
import { fileModel, modelJsonPath } from '../classifier/file-io.js';
import type { Classifier } from '../classifier/model.js';
import { embed } from '../classifier/predict.js';
import type { LabelledImages } from '../dataset/sampler.js';
import { UserError } from '../errors.js';
import { sha256 } from '../util/hash.js';

/** What produced a set of features; written next to every score computed from them. */
export interface ExtractorInfo {
  /** Stable identity: `classifier:<cache key>`, or `layers:<model.json path>@<content hash>`. */
  id: string;
  kind: 'classifier' | 'layers' | 'graph';
  /** Feature dimension. */
  dims: number;
  /** Input side length and channels the extractor sees. */
  inputSize: number;
  inputChannels: number;
  /**
   * How dataset images reach the input size: `none`, or `bilinear (tfjs resizeBilinear, half-pixel
   * centres) 28→299`. Decoding to the dataset size used sharp's `decodeKernel`.
   */
  resize: string;
  /** sharp kernel that resized the source files to the dataset size (decode.kernel). */
  decodeKernel: string;
  /** How uint8 pixels were scaled, e.g. `x/127.5 − 1`. */
  normalize: string;
}

export interface FeatureExtractor {
  info: ExtractorInfo;
  /**
   * Features of `count` NHWC uint8 images of the dataset's size and channels.
   * @returns count × info.dims, row-major
   */
  extract(pixels: Uint8Array, count: number): Promise<Float32Array>;
  dispose(): void;
}

/** Images per forward pass. */
export const EXTRACT_BATCH = 256;

/** sha256 (16 hex) of decoded images, their labels and label names: the identity of a dataset. */
export function datasetHash(data: LabelledImages, labels: string[]): string {
  const head = JSON.stringify({ size: data.size, channels: data.channels, count: data.count, labels });
  const h = sha256(Buffer.concat([Buffer.from(head), Buffer.from(data.labels.buffer, data.labels.byteOffset, data.labels.byteLength), Buffer.from(data.pixels.buffer, data.pixels.byteOffset, data.count * data.size * data.size * data.channels)]));
  return h.slice(0, 16);
}

/**
 * The classifier's penultimate layer as an extractor. The extractor does not own the classifier
 * (`dispose` leaves it alone): the label-consistency filter uses the same one.
 * @param id identity of this classifier (its cache key), recorded with every score
 */
export function classifierExtractor(c: Classifier, id: string, decodeKernel: string): FeatureExtractor {
  return {
    info: {
      id: `classifier:${id}`,
      kind: 'classifier',
      dims: c.spec.widths.at(-1)!,
      inputSize: c.spec.size,
      inputChannels: c.spec.channels,
      resize: 'none',
      decodeKernel,
      normalize: 'x/127.5 − 1',
    },
    extract: async (pixels, count) => (await embed(c, pixels, count, EXTRACT_BATCH)).features,
    dispose: () => {},
  };
}

/** A user's model, as the `features` config section describes it. */
export interface UserModelSettings {
  format: 'layers' | 'graph';
  /** model.json path, or its folder; `file://` allowed. */
  model: string;
  /** Input side length; null = the model's own input shape. */
  inputSize: number | null;
  /** Input channels; null = the model's own. */
  channels: 1 | 3 | null;
  /** Per-channel mean and std applied to x/255 (one value = all channels). */
  mean: number[];
  std: number[];
  /** Layer (Layers model) or node (Graph model) whose output is the feature; null = the model's output. */
  output: string | null;
}

/** The dataset's images, as the extractor receives them. */
export interface ImageFormat {
  size: number;
  channels: number;
  /** decode.kernel, recorded. */
  kernel: string;
}

/**
 * Loads a local tfjs Layers or Graph model as a feature extractor. Images are scaled to [0, 1], converted
 * between grayscale and RGB if the model asks for the other, resized bilinearly to the input size, then
 * normalised by mean and std. A 4-D output (a feature map) is average-pooled over its spatial axes.
 * @throws {UserError} when the model cannot be read, has no such output, or its input shape is unknown
 */
export async function loadUserExtractor(s: UserModelSettings, image: ImageFormat): Promise<FeatureExtractor> {
  const jsonPath = modelJsonPath(s.model);
  const artifacts = await fileModel(jsonPath).load();
  const weights = artifacts.weightData === undefined ? new ArrayBuffer(0) : tf.io.CompositeArrayBuffer.join(artifacts.weightData);
  const contentHash = sha256(Buffer.concat([Buffer.from(JSON.stringify(artifacts.modelTopology ?? null)), Buffer.from(weights)])).slice(0, 16);
  const memory = tf.io.fromMemory({ ...artifacts, weightData: weights });

  let run: (x: tf.Tensor4D) => tf.Tensor;
  let inputShape: (number | null)[] | undefined;
  let disposeModel: () => void;
  if (s.format === 'layers') {
    const model = await tf.loadLayersModel(memory);
    let target: tf.LayersModel = model;
    if (s.output) {
      let layer: tf.layers.Layer;
      try {
        layer = model.getLayer(s.output);
      } catch {
        model.dispose();
        throw new UserError(`features.output: expected a layer of ${jsonPath} (${model.layers.map((l) => l.name).join(', ')}), received "${s.output}"`);
      }
      target = tf.model({ inputs: model.inputs, outputs: layer.output as tf.SymbolicTensor });
    }
    inputShape = model.inputs[0]?.shape;
    run = (x) => target.predict(x) as tf.Tensor;
    disposeModel = () => model.dispose();
  } else {
    const model = await tf.loadGraphModel(memory);
    inputShape = model.inputs[0]?.shape;
    const output = s.output;
    run = (x) => (output ? (model.execute(x, output) as tf.Tensor) : (model.predict(x) as tf.Tensor));
    disposeModel = () => model.dispose();
  }

  const size = s.inputSize ?? positive(inputShape?.[1]) ?? null;
  const channels = s.channels ?? (positive(inputShape?.[3]) as 1 | 3 | undefined) ?? null;
  if (size === null || channels === null) {
    disposeModel();
    throw new UserError(
      `features.inputSize / features.channels: expected them set, since ${jsonPath} does not fix its input shape (${JSON.stringify(inputShape)})`,
    );
  }
  const mean = perChannel(s.mean, channels, 'features.mean');
  const std = perChannel(s.std, channels, 'features.std');
  if (std.some((v) => v === 0)) throw new UserError('features.std: expected non-zero values, received 0');

  const prepare = (pixels: Uint8Array, start: number, n: number): tf.Tensor4D => {
    const per = image.size * image.size * image.channels;
    let x = tf.tensor4d(pixels.subarray(start * per, (start + n) * per), [n, image.size, image.size, image.channels], 'int32').toFloat().div(255) as tf.Tensor4D;
    if (image.channels === 1 && channels === 3) x = tf.concat([x, x, x], 3);
    else if (image.channels === 3 && channels === 1) x = x.mean(3, true);
    if (image.size !== size) x = tf.image.resizeBilinear(x, [size, size], false, true);
    return x.sub(tf.tensor1d(mean)).div(tf.tensor1d(std));
  };
  const pool = (y: tf.Tensor): tf.Tensor2D => (y.rank === 4 ? y.mean([1, 2]) : y.reshape([y.shape[0]!, -1])) as tf.Tensor2D;

  // The feature dimension, from one image.
  const probe = tf.tidy(() => pool(run(prepare(new Uint8Array(image.size * image.size * image.channels), 0, 1))));
  const dims = probe.shape[1];
  probe.dispose();

  const fmt = (v: number[]) => (v.length === 1 ? String(v[0]) : `[${v.join(', ')}]`);
  return {
    info: {
      id: `${s.format}:${jsonPath}@${contentHash}${s.output ? `#${s.output}` : ''}`,
      kind: s.format,
      dims,
      inputSize: size,
      inputChannels: channels,
      resize: image.size === size ? 'none' : `bilinear (tfjs resizeBilinear, half-pixel centres) ${image.size}→${size}`,
      decodeKernel: image.kernel,
      normalize: `(x/255 − ${fmt(s.mean)}) / ${fmt(s.std)}${image.channels !== channels ? (channels === 3 ? ', gray repeated to RGB' : ', RGB averaged to gray') : ''}`,
    },
    async extract(pixels, count) {
      const out = new Float32Array(count * dims);
      for (let start = 0; start < count; start += EXTRACT_BATCH) {
        const n = Math.min(EXTRACT_BATCH, count - start);
        const y = tf.tidy(() => pool(run(prepare(pixels, start, n))));
        out.set(await y.data(), start * dims);
        y.dispose();
      }
      return out;
    },
    dispose: disposeModel,
  };
}

function positive(v: number | null | undefined): number | undefined {
  return typeof v === 'number' && v > 0 ? v : undefined;
}

function perChannel(v: number[], channels: number, key: string): number[] {
  if (v.length === 1) return new Array<number>(channels).fill(v[0]!);
  if (v.length === channels) return v;
  throw new UserError(`${key}: expected 1 or ${channels} values (one per input channel), received ${v.length}`);
}

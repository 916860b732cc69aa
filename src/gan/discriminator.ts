/**
 * The conditional DCGAN discriminator: the label enters as an extra input channel (a learned size × size
 * map per class) → conv ×½ (width) → LReLU → conv ×½ (2·width) → LReLU → dense → one logit.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../util/rng.js';
import { constVar, fanInVar, normalVar, type Params } from './params.js';

export interface DiscriminatorSpec {
  numClasses: number;
  width: number;
  size: number;
  channels: number;
}

export interface Discriminator {
  spec: DiscriminatorSpec;
  params: Params;
}

const LEAK = 0.2;

export function buildDiscriminator(spec: DiscriminatorSpec, rng: Rng): Discriminator {
  const { size, channels, width, numClasses } = spec;
  const flat = (size / 4) * (size / 4) * 2 * width;
  const params: Params = {
    labelMap: normalVar(rng, [numClasses, size * size], 1),
    conv1W: fanInVar(rng, [5, 5, channels + 1, width], 25 * (channels + 1)),
    conv1B: constVar([width], 0),
    conv2W: fanInVar(rng, [5, 5, width, 2 * width], 25 * width),
    conv2B: constVar([2 * width], 0),
    denseW: fanInVar(rng, [flat, 1], flat),
    denseB: constVar([1], 0),
  };
  return { spec, params };
}

/** Logits [B] for images [B, size, size, channels] in [-1, 1] and class indices [B]. */
export function discriminate(d: Discriminator, images: tf.Tensor4D, labels: tf.Tensor1D): tf.Tensor1D {
  return tf.tidy(() => {
    const p = d.params;
    const { size } = d.spec;
    const b = images.shape[0];
    const labelPlane = tf.gather(p['labelMap']!, labels).reshape([b, size, size, 1]);
    let h: tf.Tensor = tf.concat([images, labelPlane], 3);
    h = tf.leakyRelu(tf.conv2d(h as tf.Tensor4D, p['conv1W'] as tf.Tensor4D, 2, 'same').add(p['conv1B']!), LEAK);
    h = tf.leakyRelu(tf.conv2d(h as tf.Tensor4D, p['conv2W'] as tf.Tensor4D, 2, 'same').add(p['conv2B']!), LEAK);
    return h.reshape([b, -1]).matMul(p['denseW']!).add(p['denseB']!).reshape([b]) as tf.Tensor1D;
  });
}

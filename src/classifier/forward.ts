/**
 * The classifier's forward pass for training, written out of ops on the model's own variables instead of
 * `model.apply`: each conv layer is one op, ReLU(conv2d(x, W) + b), run as the backend's FusedConv2D
 * kernel (on the native backend the convolution's sgemm, then bias and ReLU in one pass; XNNPACK's fused
 * convolution on wasm) with a hand-written gradient. tf.layers runs the same layer as three kernels
 * (Conv2D, Add, Relu: tfjs-core does not fuse an activation under a gradient tape) and its ReLU gradient
 * as three more (Step, Cast, Multiply).
 *
 * The gradient is tfjs-core's for the unfused layer, op for op — dy·step(y) (y > 0 exactly where the
 * pre-activation is), its sum over N, H, W for the bias, Conv2DBackpropFilter for W, and
 * Conv2DBackpropInput for x except at the first layer, whose input (the images) needs none. Where the
 * backend's fused kernel adds the bias as `model.apply`'s Add does (native, cpu) a training step gives
 * the same weights bit for bit (test/classifier/forward.test.ts); XNNPACK adds the bias before the
 * products, so plain wasm rounds differently.
 */
import { tf } from '../tf.js';
import { FEATURES_LAYER, LOGITS_LAYER, type Classifier } from './model.js';
import { InternalError } from '../errors.js';

/** 3×3 convolutions, 'same' padding, stride 2 (model.ts builds every conv layer so). */
const STRIDE = 2;

function convAttrs(inputShape?: number[], filterShape?: number[]): tf.NamedAttrMap {
  return {
    strides: [STRIDE, STRIDE],
    pad: 'same',
    dataFormat: 'NHWC',
    dilations: [1, 1],
    dimRoundingMode: undefined as unknown as string,
    ...(inputShape ? { inputShape } : {}),
    ...(filterShape ? { filterShape } : {}),
  };
}

/** ReLU(conv2d(x, w) + b) with the gradient described above; `x` gets no gradient when `inputGrad` is false. */
export function convBiasRelu(x: tf.Tensor4D, w: tf.Tensor4D, b: tf.Tensor1D, inputGrad: boolean): tf.Tensor4D {
  const forward = (xi: tf.Tensor, wi: tf.Tensor, bi: tf.Tensor) =>
    tf.engine().runKernel('FusedConv2D', { x: xi, filter: wi, bias: bi }, { ...convAttrs(), activation: 'relu', leakyreluAlpha: 0 }) as tf.Tensor4D;
  // dy at the pre-activation, and the bias and filter gradients from it.
  const grads = (dy: tf.Tensor, xi: tf.Tensor, wi: tf.Tensor, y: tf.Tensor) => {
    const d = tf.mul(dy, tf.step(y));
    const dw = tf.engine().runKernel('Conv2DBackpropFilter', { x: xi, dy: d }, convAttrs(undefined, wi.shape)) as tf.Tensor;
    const db = tf.sum(d, [0, 1, 2]);
    return { d, dw, db };
  };
  if (inputGrad) {
    const op = tf.customGrad((xi, wi, bi, save) => {
      const y = forward(xi as tf.Tensor, wi as tf.Tensor, bi as tf.Tensor);
      (save as tf.GradSaveFunc)([xi as tf.Tensor, wi as tf.Tensor, y]);
      return {
        value: y,
        gradFunc: (dy: tf.Tensor, [xs, ws, ys]: tf.Tensor[]) => {
          const { d, dw, db } = grads(dy, xs!, ws!, ys!);
          const dx = tf.engine().runKernel('Conv2DBackpropInput', { dy: d, filter: ws! }, convAttrs(xs!.shape)) as tf.Tensor;
          d.dispose();
          return [dx, dw, db];
        },
      };
    });
    return op(x, w, b) as tf.Tensor4D;
  }
  const op = tf.customGrad((wi, bi, save) => {
    const y = forward(x, wi as tf.Tensor, bi as tf.Tensor);
    (save as tf.GradSaveFunc)([wi as tf.Tensor, y]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, [ws, ys]: tf.Tensor[]) => {
        const { d, dw, db } = grads(dy, x, ws!, ys!);
        d.dispose();
        return [dw, db];
      },
    };
  });
  return op(w, b) as tf.Tensor4D;
}

/** A layer's kernel and bias variables, in the order tf.layers keeps them. */
function weightsOf(c: Classifier, name: string): [tf.Tensor, tf.Tensor] {
  const ws = c.model.getLayer(name).trainableWeights;
  if (ws.length !== 2) throw new InternalError(`classifier layer ${name} has ${ws.length} weights, expected a kernel and a bias`);
  return [ws[0]!.read(), ws[1]!.read()];
}

/**
 * The logits of images `x` (NHWC in [-1, 1]) as `c.model.apply(x, { training: true })` computes them:
 * the convs, the global average pool ("features"), the dense layer ("logits").
 */
export function trainingLogits(c: Classifier, x: tf.Tensor4D): tf.Tensor2D {
  let h = x;
  c.spec.widths.forEach((_, i) => {
    const [w, b] = weightsOf(c, `conv${i + 1}`);
    h = convBiasRelu(h, w as tf.Tensor4D, b as tf.Tensor1D, i > 0);
  });
  if (c.model.getLayer(FEATURES_LAYER).getClassName() !== 'GlobalAveragePooling2D') throw new InternalError('classifier features layer is not a global average pool');
  const features = tf.mean(h, [1, 2]) as tf.Tensor2D;
  const [kernel, bias] = weightsOf(c, LOGITS_LAYER);
  return tf.fused.matMul({ a: features, b: kernel as tf.Tensor2D, bias }) as tf.Tensor2D;
}

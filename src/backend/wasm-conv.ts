/**
 * Convolution gradients for the wasm backend, composed from its XNNPACK Conv2D so that they run at
 * forward-convolution speed. tfjs 4.22's wasm backend has no Conv2DBackpropFilter, and its
 * Conv2DBackpropInput (the forward pass of conv2dTranspose, and every conv's input gradient) is a
 * scalar loop ~8× slower than its Conv2D on the same multiply-adds.
 *
 * Each composed kernel calls the other kernels' `kernelFunc`s directly rather than through `tf.*` ops:
 * going through the engine would record extra tape nodes when a gradient is itself differentiated
 * (gradient penalties), double-counting gradients. Every intermediate is freed before returning.
 */
import * as tf from '@tensorflow/tfjs';
import { alloc, at, copyRuns, free, heapF32, run, type Info, type KernelArgs } from './wasm-heap.js';

type Pad = 'same' | 'valid' | number | tf.backend_util.ExplicitPadding;
interface ConvGradAttrs {
  strides: number | [number, number];
  pad: Pad;
  dataFormat?: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

function assertNHWC(kernel: string, dataFormat: string | undefined): void {
  if (dataFormat !== undefined && dataFormat !== 'NHWC') {
    throw new Error(`${kernel} (wasm): only NHWC is supported, received ${dataFormat}`);
  }
}

/**
 * dW of a 2-D convolution (also the filter gradient of conv2dTranspose).
 *
 * dW[i,j,c,o] = Σ_n Σ_{p,q} x[n, p·s + i − top, q·s + j − left, c] · dy[n, p, q, o]
 * which is a stride-1 convolution of x transposed to [C, H, W, N] with dy transposed to [OH, OW, N, O]
 * as its filter, dilated by the forward stride s; the result [C, fh, fw, O] is transposed back.
 */
export function conv2DBackpropFilter({ inputs, backend, attrs }: KernelArgs): Info {
  const x = inputs['x']!;
  const dy = inputs['dy']!;
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as ConvGradAttrs & {
    filterShape: [number, number, number, number];
  };
  assertNHWC('Conv2DBackpropFilter', dataFormat);
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filterShape,
    strides,
    1,
    pad,
    dimRoundingMode,
    false,
    'channelsLast',
  );
  const [n, h, w, c] = x.shape as [number, number, number, number];
  const [, oh, ow] = dy.shape as [number, number, number, number];
  const [fh, fw] = filterShape;
  const sh = info.strideHeight;
  const sw = info.strideWidth;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  // Padding on the far side so that the composed conv's output is exactly fh × fw; negative means the
  // forward conv never read the last rows/columns of x, so they are sliced off instead.
  let bottom = fh + (oh - 1) * sh - h - top;
  let right = fw + (ow - 1) * sw - w - left;
  const temps: Info[] = [];
  let xIn = x;
  if (bottom < 0 || right < 0) {
    xIn = run('Slice', backend, { x }, { begin: [0, 0, 0, 0], size: [n, h + Math.min(bottom, 0), w + Math.min(right, 0), c] });
    temps.push(xIn);
    bottom = Math.max(bottom, 0);
    right = Math.max(right, 0);
  }
  const xt = run('Transpose', backend, { x: xIn }, { perm: [3, 1, 2, 0] });
  const dyt = run('Transpose', backend, { x: dy }, { perm: [1, 2, 0, 3] });
  const conv = run(
    'Conv2D',
    backend,
    { x: xt, filter: dyt },
    { strides: [1, 1], pad: [[0, 0], [top, bottom], [left, right], [0, 0]], dataFormat: 'NHWC', dilations: [sh, sw] },
  );
  const dw = run('Transpose', backend, { x: conv }, { perm: [1, 2, 0, 3] });
  free(backend, xt, dyt, conv, ...temps);
  return dw;
}

/** One output phase along one axis of a strided transposed convolution. */
interface PhaseAxis {
  /** First filter tap of this phase (taps r, r+s, r+2s, …). */
  r: number;
  taps: number;
  /** Padding of dy before and after for the stride-1 conv (negative: crop). */
  before: number;
  after: number;
}

function phaseAxis(phase: number, padBefore: number, stride: number, fsize: number, dyLen: number, m: number): PhaseAxis {
  const r = (phase + padBefore) % stride;
  const delta = Math.floor((phase + padBefore) / stride);
  const taps = r < fsize ? Math.ceil((fsize - r) / stride) : 0;
  const before = taps - 1 - delta;
  const after = m + taps - 1 - (dyLen + before);
  return { r, taps, before, after };
}

/**
 * dx of a 2-D convolution (also the forward pass of conv2dTranspose), by output phases: for stride s,
 * the rows h ≡ φ (mod s) of dx receive only the filter taps i ≡ (φ + top) (mod s), so each of the s²
 * phases is a stride-1 XNNPACK convolution of dy with a (flipped) sub-filter — the same multiply-adds
 * as the direct method, no zero insertion.
 *
 *   dx[s·m + φ] = Σ_t dy[m + δ − t] · f[r + s·t],  r = (φ + top) mod s,  δ = ⌊(φ + top) / s⌋
 *
 * The sub-filters are gathered and the phases interleaved into dx by JS loops on the wasm heap: wasm's
 * Transpose of the 6-D [sh, sw, n, mh, mw, c] → [n, mh, sh, mw, sw, c] interleave is a generic
 * per-element loop that cost more than all the phase convolutions together.
 */
export function conv2DBackpropInput({ inputs, backend, attrs }: KernelArgs): Info {
  const dy = inputs['dy']!;
  const filter = inputs['filter']!;
  const { strides, pad, dataFormat, dimRoundingMode, inputShape } = attrs as unknown as ConvGradAttrs & {
    inputShape: [number, number, number, number];
  };
  assertNHWC('Conv2DBackpropInput', dataFormat);
  const [fh, fw, c, o] = filter.shape as [number, number, number, number];
  const info = tf.backend_util.computeConv2DInfo(inputShape, [fh, fw, c, o], strides, 1, pad, dimRoundingMode, false, 'channelsLast');
  const [n, h, w] = inputShape;
  const [, oh, ow] = dy.shape as [number, number, number, number];
  const sh = info.strideHeight;
  const sw = info.strideWidth;
  const mh = Math.ceil(h / sh);
  const mw = Math.ceil(w / sw);
  const temps: Info[] = [];
  // The filter with its channel axes swapped, [fh, fw, o, c]: each tap is then a contiguous o×c block
  // of the conv2d filters the phases need.
  const ft = run('Transpose', backend, { x: filter }, { perm: [0, 1, 3, 2] });
  temps.push(ft);
  const block = o * c;
  const phases: { ph: number; pw: number; out: Info | null }[] = [];
  for (let ph = 0; ph < sh; ph++) {
    for (let pw = 0; pw < sw; pw++) {
      const ah = phaseAxis(ph, info.padInfo.top, sh, fh, oh, mh);
      const aw = phaseAxis(pw, info.padInfo.left, sw, fw, ow, mw);
      if (ah.taps === 0 || aw.taps === 0) {
        phases.push({ ph, pw, out: null });
        continue;
      }
      // Sub-filter [a, b] = tap (r_h + s_h·(taps_h − 1 − a), r_w + s_w·(taps_w − 1 − b)): flipped, so
      // that the correlation conv2d computes runs over dy in increasing order.
      const sub = alloc(backend, [ah.taps, aw.taps, o, c]);
      temps.push(sub);
      const heap = heapF32(backend);
      const src0 = at(backend, ft);
      let dst = at(backend, sub);
      for (let a = 0; a < ah.taps; a++) {
        const i = ah.r + sh * (ah.taps - 1 - a);
        for (let b = 0; b < aw.taps; b++, dst += block) {
          const j = aw.r + sw * (aw.taps - 1 - b);
          const src = src0 + (i * fw + j) * block;
          heap.copyWithin(dst, src, src + block);
        }
      }
      // Crop dy where the padding would be negative.
      let src = dy;
      const cropTop = Math.max(0, -ah.before);
      const cropLeft = Math.max(0, -aw.before);
      const cropBottom = Math.max(0, -ah.after);
      const cropRight = Math.max(0, -aw.after);
      if (cropTop || cropLeft || cropBottom || cropRight) {
        src = run('Slice', backend, { x: dy }, { begin: [0, cropTop, cropLeft, 0], size: [n, oh - cropTop - cropBottom, ow - cropLeft - cropRight, o] });
        temps.push(src);
      }
      const conv = run('Conv2D', backend, { x: src, filter: sub }, {
        strides: [1, 1],
        pad: [[0, 0], [Math.max(0, ah.before), Math.max(0, ah.after)], [Math.max(0, aw.before), Math.max(0, aw.after)], [0, 0]],
        dataFormat: 'NHWC',
        dilations: [1, 1],
      });
      temps.push(conv);
      phases.push({ ph, pw, out: conv });
    }
  }
  const dx = alloc(backend, [n, h, w, c]);
  const heap = heapF32(backend);
  const base = at(backend, dx);
  for (const { ph, pw, out } of phases) {
    // Valid output positions of this phase: rows ph, ph + sh, … < h; columns pw, pw + sw, … < w.
    const rows = Math.ceil((h - ph) / sh);
    const cols = Math.ceil((w - pw) / sw);
    if (rows <= 0 || cols <= 0) continue;
    if (out === null) {
      for (let b = 0; b < n; b++) {
        for (let i = 0; i < rows; i++) {
          let d = base + ((b * h + i * sh + ph) * w + pw) * c;
          for (let j = 0; j < cols; j++, d += sw * c) heap.fill(0, d, d + c);
        }
      }
      continue;
    }
    const src0 = at(backend, out);
    for (let b = 0; b < n; b++) {
      for (let i = 0; i < rows; i++) {
        const s = src0 + ((b * mh + i) * mw) * c;
        const d = base + ((b * h + i * sh + ph) * w + pw) * c;
        copyRuns(heap, s, c, d, sw * c, c, cols);
      }
    }
  }
  free(backend, ...temps);
  return dx;
}

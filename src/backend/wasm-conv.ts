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
import { tf } from '../tf.js';
import { alloc, at, copyRuns, free, heapF32, run, type Info, type KernelArgs } from './wasm-heap.js';
import { InternalError } from '../errors.js';

type Pad = 'same' | 'valid' | number | tf.backend_util.ExplicitPadding;
interface ConvGradAttrs {
  strides: number | [number, number];
  pad: Pad;
  dataFormat?: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

function assertNHWC(kernel: string, dataFormat: string | undefined): void {
  if (dataFormat !== undefined && dataFormat !== 'NHWC') {
    throw new InternalError(`${kernel} (wasm): only NHWC is supported, received ${dataFormat}`);
  }
}

/**
 * dW of a 2-D convolution (also the filter gradient of conv2dTranspose).
 *
 * dW[i,j,c,o] = Σ_n Σ_{p,q} x[n, p·s + i − top, q·s + j − left, c] · dy[n, p, q, o]
 * which is a stride-1 convolution of x transposed to [C, H, W, N] with dy transposed to [OH, OW, N, O]
 * as its filter, dilated by the forward stride s; the result [C, fh, fw, O] is transposed back.
 */
export function conv2DBackpropFilter(args: KernelArgs): Info {
  return conv2DBackpropFilterFewChannels(args) ?? conv2DBackpropFilterDilated(args);
}

/** dW as one dilated XNNPACK convolution (see conv2DBackpropFilter). */
export function conv2DBackpropFilterDilated({ inputs, backend, attrs }: KernelArgs): Info {
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
export function conv2DBackpropInput(args: KernelArgs): Info {
  return conv2DBackpropInputFewChannels(args) ?? conv2DBackpropInputPhases(args);
}

/** dx by output phases (see conv2DBackpropInput). */
export function conv2DBackpropInputPhases({ inputs, backend, attrs }: KernelArgs): Info {
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

/**
 * Gradients of convolutions whose input has few channels (the image side of D's first conv and of G's
 * last transposed conv) are a poor fit for the compositions above, whose XNNPACK convs then have 1–4
 * output channels (XNNPACK vectorises over channels). For those, one XNNPACK matrix product with a long
 * inner dimension plus a gather (im2col) or scatter-add (col2im) on the heap is faster. Thresholds
 * measured A/B against the compositions, [64, 28, 28, c] images, 5×5 stride 2 (dx: 10× at c = 1, 1.2×
 * at c = 4; dW: 1.4–1.9× at c ≤ 2, slower from c = 3). wasm's forward Conv2D stays faster than im2col.
 */
export const FEW_CHANNELS_DX = 4;
export const FEW_CHANNELS_DW = 2;

interface Geometry {
  n: number;
  h: number;
  w: number;
  c: number;
  oh: number;
  ow: number;
  fh: number;
  fw: number;
  sh: number;
  sw: number;
  top: number;
  left: number;
}

function geometry(xShape: number[], filterShape: [number, number, number, number], strides: number | [number, number], pad: Pad, dimRoundingMode?: 'floor' | 'round' | 'ceil'): Geometry {
  const info = tf.backend_util.computeConv2DInfo(xShape as [number, number, number, number], filterShape, strides, 1, pad, dimRoundingMode, false, 'channelsLast');
  const [n, h, w, c] = xShape as [number, number, number, number];
  return { n, h, w, c, oh: info.outHeight, ow: info.outWidth, fh: filterShape[0], fw: filterShape[1], sh: info.strideHeight, sw: info.strideWidth, top: info.padInfo.top, left: info.padInfo.left };
}

/** patches[(b, p, q), (i, j, k)] = x[b, p·sh + i − top, q·sw + j − left, k], zero outside x. */
function im2col(backend: KernelArgs['backend'], x: Info, g: Geometry): Info {
  const { n, h, w, c, oh, ow, fh, fw, sh, sw, top, left } = g;
  const k = fh * fw * c;
  const patches = alloc(backend, [1, n * oh * ow, k]);
  const heap = heapF32(backend);
  const xs = at(backend, x);
  let d = at(backend, patches);
  for (let b = 0; b < n; b++) {
    for (let p = 0; p < oh; p++) {
      for (let q = 0; q < ow; q++) {
        for (let i = 0; i < fh; i++) {
          const hh = p * sh + i - top;
          if (hh < 0 || hh >= h) {
            heap.fill(0, d, d + fw * c);
            d += fw * c;
            continue;
          }
          const row = xs + (b * h + hh) * w * c;
          for (let j = 0; j < fw; j++) {
            const ww = q * sw + j - left;
            if (ww < 0 || ww >= w) {
              for (let m = 0; m < c; m++) heap[d + m] = 0;
            } else {
              const s = row + ww * c;
              for (let m = 0; m < c; m++) heap[d + m] = heap[s + m]!;
            }
            d += c;
          }
        }
      }
    }
  }
  return patches;
}

function matmul(backend: KernelArgs['backend'], a: Info, b: Info): Info {
  return run('BatchMatMul', backend, { a, b }, { transposeA: false, transposeB: false });
}

const view = (x: Info, shape: number[]): Info => ({ dataId: x.dataId, shape, dtype: x.dtype });

/** dW for few input channels: patchesᵀ · dy as dyᵀ · patches, transposed back to [fh, fw, c, o]. */
export function conv2DBackpropFilterFewChannels({ inputs, backend, attrs }: KernelArgs): Info | null {
  const x = inputs['x']!;
  const dy = inputs['dy']!;
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as ConvGradAttrs & { filterShape: [number, number, number, number] };
  if ((dataFormat !== undefined && dataFormat !== 'NHWC') || x.dtype !== 'float32' || filterShape[2] > FEW_CHANNELS_DW) return null;
  const g = geometry(x.shape, filterShape, strides, pad, dimRoundingMode);
  const rows = g.n * g.oh * g.ow;
  const o = filterShape[3];
  const patches = im2col(backend, x, g);
  const dyT = run('Transpose', backend, { x: view(dy, [rows, o]) }, { perm: [1, 0] });
  const prod = matmul(backend, view(dyT, [1, o, rows]), patches); // [1, o, fh·fw·c]
  const dw = run('Transpose', backend, { x: view(prod, [o, g.fh * g.fw * g.c]) }, { perm: [1, 0] });
  free(backend, patches, dyT, prod);
  return { dataId: dw.dataId, dtype: 'float32', shape: filterShape };
}

/**
 * dx for few input channels (G's last transposed conv, D's first conv): cols = dy · Wᵀ, one XNNPACK
 * product with the o channels of dy as its inner dimension, then each column scatter-added into dx
 * (col2im) on the heap.
 */
export function conv2DBackpropInputFewChannels({ inputs, backend, attrs }: KernelArgs): Info | null {
  const dy = inputs['dy']!;
  const filter = inputs['filter']!;
  const { strides, pad, dataFormat, dimRoundingMode, inputShape } = attrs as unknown as ConvGradAttrs & { inputShape: [number, number, number, number] };
  const fs = filter.shape as [number, number, number, number];
  if ((dataFormat !== undefined && dataFormat !== 'NHWC') || dy.dtype !== 'float32' || fs[2] > FEW_CHANNELS_DX) return null;
  const g = geometry(inputShape, fs, strides, pad, dimRoundingMode);
  const { n, h, w, c, oh, ow, fh, fw, sh, sw, top, left } = g;
  const o = fs[3];
  const k = fh * fw * c;
  const rows = n * oh * ow;
  const wt = run('Transpose', backend, { x: view(filter, [k, o]) }, { perm: [1, 0] }); // [o, k]
  const cols = matmul(backend, view(dy, [1, rows, o]), view(wt, [1, o, k])); // [1, rows, k]
  const dx = alloc(backend, [n, h, w, c]);
  const heap = heapF32(backend);
  const base = at(backend, dx);
  heap.fill(0, base, base + n * h * w * c);
  let s = at(backend, cols);
  for (let b = 0; b < n; b++) {
    for (let p = 0; p < oh; p++) {
      for (let q = 0; q < ow; q++) {
        for (let i = 0; i < fh; i++) {
          const hh = p * sh + i - top;
          if (hh < 0 || hh >= h) {
            s += fw * c;
            continue;
          }
          const row = base + (b * h + hh) * w * c;
          for (let j = 0; j < fw; j++, s += c) {
            const ww = q * sw + j - left;
            if (ww < 0 || ww >= w) continue;
            const d = row + ww * c;
            for (let m = 0; m < c; m++) heap[d + m] = heap[d + m]! + heap[s + m]!;
          }
        }
      }
    }
  }
  free(backend, wt, cols);
  return dx;
}



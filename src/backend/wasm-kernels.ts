/**
 * Kernels the tfjs 4.22 wasm backend lacks for training, composed from wasm's own kernels so that no
 * data leaves wasm memory (a round trip through the pure-JS cpu backend is correct but ~100× slower).
 *
 * Each composed kernel calls the other kernels' `kernelFunc`s directly rather than through `tf.*` ops:
 * going through the engine would record extra tape nodes when a gradient is itself differentiated
 * (gradient penalties), double-counting gradients. Every intermediate is freed before returning.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

type Info = tf.TensorInfo;
type Attrs = Record<string, unknown>;

/** Runs a kernel registered for wasm, bypassing the engine (no tape, no scope). */
function run(name: string, backend: BackendWasm, inputs: Record<string, Info>, attrs: Attrs = {}): Info {
  const kernel = tf.getKernel(name, 'wasm');
  if (!kernel) throw new Error(`wasm kernel ${name} is not registered`);
  return kernel.kernelFunc({ inputs, backend, attrs } as unknown as Parameters<tf.KernelFunc>[0]) as Info;
}

function free(backend: BackendWasm, ...infos: Info[]): void {
  for (const info of infos) backend.disposeData(info.dataId);
}

/**
 * dW of a 2-D convolution (also the filter gradient of conv2dTranspose).
 *
 * dW[i,j,c,o] = Σ_n Σ_{p,q} x[n, p·s + i − top, q·s + j − left, c] · dy[n, p, q, o]
 * which is a stride-1 convolution of x transposed to [C, H, W, N] with dy transposed to [OH, OW, N, O]
 * as its filter, dilated by the forward stride s; the result [C, fh, fw, O] is transposed back.
 */
export function conv2DBackpropFilter({ inputs, backend, attrs }: { inputs: Record<string, Info>; backend: BackendWasm; attrs: Attrs }): Info {
  const x = inputs['x']!;
  const dy = inputs['dy']!;
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as {
    strides: number | [number, number];
    pad: 'same' | 'valid' | number | tf.backend_util.ExplicitPadding;
    dataFormat: 'NHWC' | 'NCHW';
    dimRoundingMode?: 'floor' | 'round' | 'ceil';
    filterShape: [number, number, number, number];
  };
  if (dataFormat !== undefined && dataFormat !== 'NHWC') {
    throw new Error(`Conv2DBackpropFilter (wasm): only NHWC is supported, received ${dataFormat}`);
  }
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

/**
 * out[s, ...] = Σ_{i : ids[i] = s} x[i, ...]: the gradient of a gather (embedding lookup).
 * Composed as oneHot(ids)ᵀ · x, one matrix product; ids outside [0, numSegments) contribute nothing.
 */
export function unsortedSegmentSum({ inputs, backend, attrs }: { inputs: Record<string, Info>; backend: BackendWasm; attrs: Attrs }): Info {
  const x = inputs['x']!;
  const ids = inputs['segmentIds']!;
  const numSegments = attrs['numSegments'] as number;
  const rows = tf.util.sizeFromShape(ids.shape);
  const rest = x.shape.slice(ids.shape.length);
  const cols = tf.util.sizeFromShape(rest);
  if (x.dtype !== 'float32') throw new Error(`UnsortedSegmentSum (wasm): only float32 is supported, received ${x.dtype}`);
  const ids1 = run('Reshape', backend, { x: ids }, { shape: [rows] });
  // wasm's OneHot writes int32 whatever dtype it is given: ask for int32 and cast.
  const hotInt = run('OneHot', backend, { indices: ids1 }, { depth: numSegments, onValue: 1, offValue: 0, dtype: 'int32' });
  const hot = run('Cast', backend, { x: hotInt }, { dtype: 'float32' });
  const hotT = run('Transpose', backend, { x: hot }, { perm: [1, 0] });
  const a = run('Reshape', backend, { x: hotT }, { shape: [1, numSegments, rows] });
  const b = run('Reshape', backend, { x }, { shape: [1, rows, cols] });
  const prod = run('BatchMatMul', backend, { a, b }, { transposeA: false, transposeB: false });
  const out = run('Reshape', backend, { x: prod }, { shape: [numSegments, ...rest] });
  free(backend, ids1, hotInt, hot, hotT, a, b, prod);
  return out;
}

/**
 * dx of a 2-D convolution (also the forward pass of conv2dTranspose). wasm's own kernel is a plain loop,
 * ~8× slower than its XNNPACK conv on the same multiply-adds, so it is replaced by an output-phase
 * decomposition: for stride s, the rows h ≡ φ (mod s) of dx receive only the filter taps
 * i ≡ (φ + top) (mod s), which makes each of the s² phases a stride-1 convolution of dy with a
 * flipped sub-filter. The phases are then interleaved with one transpose. Same multiply-adds as the
 * direct method, no zero-insertion.
 */
export function conv2DBackpropInput({ inputs, backend, attrs }: { inputs: Record<string, Info>; backend: BackendWasm; attrs: Attrs }): Info {
  const dy = inputs['dy']!;
  const filter = inputs['filter']!;
  const { strides, pad, dataFormat, dimRoundingMode, inputShape } = attrs as {
    strides: number | [number, number];
    pad: 'same' | 'valid' | number | tf.backend_util.ExplicitPadding;
    dataFormat: 'NHWC' | 'NCHW';
    dimRoundingMode?: 'floor' | 'round' | 'ceil';
    inputShape: [number, number, number, number];
  };
  if (dataFormat !== undefined && dataFormat !== 'NHWC') {
    throw new Error(`Conv2DBackpropInput (wasm): only NHWC is supported, received ${dataFormat}`);
  }
  const [fh, fw, c, o] = filter.shape as [number, number, number, number];
  const info = tf.backend_util.computeConv2DInfo(inputShape, [fh, fw, c, o], strides, 1, pad, dimRoundingMode, false, 'channelsLast');
  const [n, h, w] = inputShape;
  const [, oh, ow] = dy.shape as [number, number, number, number];
  const sh = info.strideHeight;
  const sw = info.strideWidth;
  const mh = Math.ceil(h / sh);
  const mw = Math.ceil(w / sw);
  const temps: Info[] = [];
  const keep = (x: Info) => (temps.push(x), x);
  // One phase along one axis: which filter taps, and how dy must be padded (negative = cropped).
  const axis = (phase: number, padBefore: number, stride: number, fsize: number, dyLen: number, m: number) => {
    const r = (phase + padBefore) % stride;
    const delta = Math.floor((phase + padBefore) / stride);
    const taps = r < fsize ? Math.ceil((fsize - r) / stride) : 0;
    const before = taps - 1 - delta;
    const after = m + taps - 1 - (dyLen + before);
    return { r, taps, before, after };
  };
  // The filter as [fh, fw, o, c], flipped in both spatial axes, computed once.
  const flippedFull = keep(run('Reverse', backend, { x: filter }, { dims: [0, 1] }));
  const flipped = keep(run('Transpose', backend, { x: flippedFull }, { perm: [0, 1, 3, 2] }));
  const phases: Info[] = [];
  for (let ph = 0; ph < sh; ph++) {
    for (let pw = 0; pw < sw; pw++) {
      const ah = axis(ph, info.padInfo.top, sh, fh, oh, mh);
      const aw = axis(pw, info.padInfo.left, sw, fw, ow, mw);
      if (ah.taps === 0 || aw.taps === 0) {
        phases.push(keep(run('Fill', backend, {}, { shape: [1, n, mh, mw, c], value: 0, dtype: 'float32' })));
        continue;
      }
      // Taps r, r+s, … of the original filter are, in the flipped one, the last `taps` positions
      // congruent to (f−1−r) mod s: start at (f−1−r) − (taps−1)·s.
      const bh = fh - 1 - ah.r - (ah.taps - 1) * sh;
      const bw = fw - 1 - aw.r - (aw.taps - 1) * sw;
      const sub = keep(
        run('StridedSlice', backend, { x: flipped }, {
          begin: [bh, bw, 0, 0], end: [fh, fw, o, c], strides: [sh, sw, 1, 1],
          beginMask: 0, endMask: 0, ellipsisMask: 0, newAxisMask: 0, shrinkAxisMask: 0,
        }),
      );
      // Crop dy where the padding would be negative.
      let src = dy;
      const cropTop = Math.max(0, -ah.before);
      const cropLeft = Math.max(0, -aw.before);
      const cropBottom = Math.max(0, -ah.after);
      const cropRight = Math.max(0, -aw.after);
      if (cropTop || cropLeft || cropBottom || cropRight) {
        src = keep(run('Slice', backend, { x: dy }, { begin: [0, cropTop, cropLeft, 0], size: [n, oh - cropTop - cropBottom, ow - cropLeft - cropRight, o] }));
      }
      const conv = keep(
        run('Conv2D', backend, { x: src, filter: sub }, {
          strides: [1, 1],
          pad: [[0, 0], [Math.max(0, ah.before), Math.max(0, ah.after)], [Math.max(0, aw.before), Math.max(0, aw.after)], [0, 0]],
          dataFormat: 'NHWC', dilations: [1, 1],
        }),
      );
      phases.push(keep(run('Reshape', backend, { x: conv }, { shape: [1, n, mh, mw, c] })));
    }
  }
  let out: Info;
  if (sh === 1 && sw === 1) {
    out = run('Reshape', backend, { x: phases[0]! }, { shape: [n, mh, mw, c] });
  } else {
    // Concat takes its inputs as an array.
    const stacked = keep(run('Concat', backend, phases as unknown as Record<string, Info>, { axis: 0 }));
    const grid = keep(run('Reshape', backend, { x: stacked }, { shape: [sh, sw, n, mh, mw, c] }));
    const inter = keep(run('Transpose', backend, { x: grid }, { perm: [2, 3, 0, 4, 1, 5] }));
    const full = keep(run('Reshape', backend, { x: inter }, { shape: [n, mh * sh, mw * sw, c] }));
    out = mh * sh === h && mw * sw === w ? run('Reshape', backend, { x: full }, { shape: [n, h, w, c] }) : run('Slice', backend, { x: full }, { begin: [0, 0, 0, 0], size: [n, h, w, c] });
  }
  free(backend, ...temps);
  return out;
}

/** wasm's own BatchMatMul, captured before it is wrapped. */
let nativeBatchMatMul: tf.KernelFunc | undefined;

/**
 * BatchMatMul with a transpose flag runs ~10× slower in wasm than transposing first (XNNPACK's fast
 * path wants plain row-major operands), so transposes are made explicit.
 */
export function batchMatMul({ inputs, backend, attrs }: { inputs: Record<string, Info>; backend: BackendWasm; attrs: Attrs }): Info {
  const native = nativeBatchMatMul!;
  const call = (a: Info, b: Info) =>
    native({ inputs: { a, b }, backend, attrs: { transposeA: false, transposeB: false } } as unknown as Parameters<tf.KernelFunc>[0]) as Info;
  const swapLast = (x: Info) => {
    const perm = x.shape.map((_, i) => i);
    const r = perm.length;
    [perm[r - 2], perm[r - 1]] = [perm[r - 1]!, perm[r - 2]!];
    return run('Transpose', backend, { x }, { perm });
  };
  let a = inputs['a']!;
  let b = inputs['b']!;
  const temps: Info[] = [];
  if (attrs['transposeA']) temps.push((a = swapLast(a)));
  if (attrs['transposeB']) temps.push((b = swapLast(b)));
  const out = call(a, b);
  free(backend, ...temps);
  return out;
}

/** Kernels this module provides for the wasm backend, by name. */
export const WASM_EXTRA_KERNELS = ['Conv2DBackpropFilter', 'UnsortedSegmentSum'] as const;
/** wasm kernels this module replaces with faster compositions, by name. */
export const WASM_REPLACED_KERNELS = ['Conv2DBackpropInput', 'BatchMatMul'] as const;

let registered = false;

/**
 * Registers the missing kernels and the faster replacements once; safe to call again. Call after the
 * wasm backend module has been imported (it registers its own kernels on import).
 */
export function registerWasmKernels(): void {
  if (registered) return;
  registered = true;
  const put = (kernelName: string, kernelFunc: (args: never) => Info) => {
    const existing = tf.getKernel(kernelName, 'wasm') as tf.KernelConfig | undefined;
    if (existing) tf.unregisterKernel(kernelName, 'wasm');
    // Keep the replaced kernel's setupFunc: the backend calls it at initialisation to bind the C code
    // that the wrapped kernel still uses.
    const config: tf.KernelConfig = { kernelName, backendName: 'wasm', kernelFunc: kernelFunc as unknown as tf.KernelFunc };
    if (existing?.setupFunc) config.setupFunc = existing.setupFunc;
    tf.registerKernel(config);
  };
  nativeBatchMatMul = (tf.getKernel('BatchMatMul', 'wasm') as tf.KernelConfig | undefined)?.kernelFunc;
  put('Conv2DBackpropFilter', conv2DBackpropFilter);
  put('UnsortedSegmentSum', unsortedSegmentSum);
  put('Conv2DBackpropInput', conv2DBackpropInput);
  if (nativeBatchMatMul !== undefined) put('BatchMatMul', batchMatMul);
}

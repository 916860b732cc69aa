/**
 * Kernels of the wasm backend served by the native addon: convolutions and matrix products on a BLAS
 * sgemm, computed in place on the wasm heap (the addon is handed the heap's ArrayBuffer and byte
 * offsets; no tensor is copied in or out). Each kernel handles float32 NHWC cases and hands anything
 * else to the kernel registered before it (this project's wasm replacement or wasm's own), so behaviour
 * outside the native path is unchanged.
 *
 * Outputs are allocated first and the heap buffer taken afterwards: an allocation may grow the
 * WebAssembly.Memory, which replaces its ArrayBuffer.
 */
import { tf } from '../tf.js';
import { imageByImageProducts, type NativeAddon } from './native.js';
import { alloc, byteAt, type Info, type KernelArgs } from './wasm-heap.js';
import { InternalError } from '../errors.js';

type Pad = 'same' | 'valid' | number | tf.backend_util.ExplicitPadding;
type Rounding = 'floor' | 'round' | 'ceil' | undefined;
type Kernel = (args: KernelArgs) => Info;

interface WasmInternals {
  wasm: { HEAPU8: Uint8Array };
}

/** The heap's ArrayBuffer, or null when it is shared (the threaded wasm binary): then wasm keeps the kernel. */
function heapBuffer(backend: KernelArgs['backend']): ArrayBuffer | null {
  const buf = (backend as unknown as WasmInternals).wasm.HEAPU8.buffer;
  return buf instanceof ArrayBuffer ? buf : null;
}

const size = (shape: readonly number[]) => tf.util.sizeFromShape(shape as number[]);
const isNHWC = (f: unknown) => f === undefined || f === 'NHWC';

/** [n, h, w, c, oh, ow, o, fh, fw, sh, sw, dh, dw, top, left] as native/src/conv.h reads it, or null. */
function geometry(xShape: number[], filterShape: number[], strides: number | [number, number], dilations: number | [number, number], pad: Pad, rounding: Rounding): Int32Array | null {
  if (xShape.length !== 4 || filterShape.length !== 4) return null;
  const info = tf.backend_util.computeConv2DInfo(xShape as [number, number, number, number], filterShape as [number, number, number, number], strides, dilations, pad, rounding, false, 'channelsLast');
  const g = [
    info.batchSize, info.inHeight, info.inWidth, info.inChannels,
    info.outHeight, info.outWidth, info.outChannels,
    info.filterHeight, info.filterWidth, info.strideHeight, info.strideWidth,
    info.dilationHeight, info.dilationWidth, info.padInfo.top, info.padInfo.left,
  ];
  if (g.some((v, i) => !Number.isInteger(v) || (i < 13 ? v < 1 : v < 0))) return null;
  return Int32Array.from(g);
}

interface ConvAttrs {
  strides: number | [number, number];
  pad: Pad;
  dataFormat?: string;
  dilations?: number | [number, number];
  dimRoundingMode?: Rounding;
}

/**
 * Conv2D's product on the addon (float32 NHWC), its output allocated on the heap; null where the case is not
 * served natively (`accept`: a further check given the output channels) — the caller then falls back.
 */
function convForward(addon: NativeAddon, args: KernelArgs, x: Info, filter: Info, accept: (channels: number) => boolean): Info | null {
  const a = args.attrs as unknown as ConvAttrs;
  if (x.dtype !== 'float32' || filter.dtype !== 'float32' || !isNHWC(a.dataFormat)) return null;
  const g = geometry(x.shape, filter.shape, a.strides, a.dilations ?? 1, a.pad, a.dimRoundingMode);
  if (!g || !accept(g[6]!)) return null;
  const y = alloc(args.backend, [g[0]!, g[4]!, g[5]!, g[6]!]);
  const heap = heapBuffer(args.backend);
  if (!heap) {
    args.backend.disposeData(y.dataId);
    return null;
  }
  addon.conv2d(heap, byteAt(args.backend, x), byteAt(args.backend, filter), byteAt(args.backend, y), g);
  return y;
}

/** The native kernels, each given the addon and the kernel it falls back to. */
const MAKERS: Record<string, (addon: NativeAddon, fallback: Kernel) => Kernel> = {
  Conv2D: (addon, fallback) => (args) => {
    const { x, filter } = args.inputs as { x: Info; filter: Info };
    return convForward(addon, args, x, filter, () => true) ?? fallback(args);
  },

  Conv2DBackpropInput: (addon, fallback) => (args) => {
    const { dy, filter } = args.inputs as { dy: Info; filter: Info };
    const a = args.attrs as unknown as ConvAttrs & { inputShape: number[] };
    if (dy.dtype !== 'float32' || filter.dtype !== 'float32' || !isNHWC(a.dataFormat)) return fallback(args);
    const g = geometry(a.inputShape, filter.shape, a.strides, 1, a.pad, a.dimRoundingMode);
    if (!g || !tf.util.arraysEqual(dy.shape, [g[0]!, g[4]!, g[5]!, g[6]!])) return fallback(args);
    const dx = alloc(args.backend, a.inputShape);
    const heap = heapBuffer(args.backend);
    if (!heap) {
      args.backend.disposeData(dx.dataId);
      return fallback(args);
    }
    addon.conv2dBackpropInput(heap, byteAt(args.backend, dy), byteAt(args.backend, filter), byteAt(args.backend, dx), g);
    return dx;
  },

  Conv2DBackpropFilter: (addon, fallback) => (args) => {
    const { x, dy } = args.inputs as { x: Info; dy: Info };
    const a = args.attrs as unknown as ConvAttrs & { filterShape: number[] };
    if (x.dtype !== 'float32' || dy.dtype !== 'float32' || !isNHWC(a.dataFormat)) return fallback(args);
    const g = geometry(x.shape, a.filterShape, a.strides, 1, a.pad, a.dimRoundingMode);
    if (!g || !tf.util.arraysEqual(dy.shape, [g[0]!, g[4]!, g[5]!, g[6]!])) return fallback(args);
    const dw = alloc(args.backend, a.filterShape);
    const heap = heapBuffer(args.backend);
    if (!heap) {
      args.backend.disposeData(dw.dataId);
      return fallback(args);
    }
    addon.conv2dBackpropFilter(heap, byteAt(args.backend, x), byteAt(args.backend, dy), byteAt(args.backend, dw), g);
    return dw;
  },

  BatchMatMul: (addon, fallback) => (args) => {
    const { a, b } = args.inputs as { a: Info; b: Info };
    const transA = Boolean(args.attrs['transposeA']);
    const transB = Boolean(args.attrs['transposeB']);
    // While sampling, only products whose rows are not batch items (transposed a: weight gradients,
    // summed over the batch). With rows = images (a dense layer's forward pass, its input gradient) sgemm
    // rounds a row differently by its place in the batch, and an image must not change with the batch it
    // is sampled in; wasm's XNNPACK product does not. Elsewhere (training) every product goes native.
    if (!transA && imageByImageProducts()) return fallback(args);
    if (a.dtype !== 'float32' || b.dtype !== 'float32' || a.shape.length < 2 || b.shape.length < 2) return fallback(args);
    const ra = a.shape.length;
    const rb = b.shape.length;
    const m = transA ? a.shape[ra - 1]! : a.shape[ra - 2]!;
    const k = transA ? a.shape[ra - 2]! : a.shape[ra - 1]!;
    const kb = transB ? b.shape[rb - 1]! : b.shape[rb - 2]!;
    const n = transB ? b.shape[rb - 2]! : b.shape[rb - 1]!;
    const outerA = a.shape.slice(0, -2);
    const outerB = b.shape.slice(0, -2);
    const batchA = size(outerA);
    const batchB = size(outerB);
    if (k !== kb || m < 1 || n < 1 || k < 1) return fallback(args);
    // Same batch shape, or one side a single matrix broadcast over the other's batch.
    let outer: number[];
    if (tf.util.arraysEqual(outerA, outerB)) outer = outerA;
    else if (batchA === 1 && outerA.length <= outerB.length) outer = outerB;
    else if (batchB === 1 && outerB.length <= outerA.length) outer = outerA;
    else return fallback(args);
    const batch = Math.max(batchA, batchB);
    if (batch < 1) return fallback(args);
    const out = alloc(args.backend, [...outer, m, n]);
    const heap = heapBuffer(args.backend);
    if (!heap) {
      args.backend.disposeData(out.dataId);
      return fallback(args);
    }
    const dims = Int32Array.of(batch, m, n, k, transA ? 1 : 0, transB ? 1 : 0, batchA === 1 && batch > 1 ? 1 : 0, batchB === 1 && batch > 1 ? 1 : 0);
    addon.matmul(heap, byteAt(args.backend, a), byteAt(args.backend, b), byteAt(args.backend, out), dims);
    return out;
  },

  // Conv2D with a bias and ReLU (or neither) applied to its output in one pass: what tf.fused.conv2d runs
  // outside a gradient (the classifier's inference) and the classifier's training step (classifier/
  // conv-relu.ts). Other activations and prelu weights go to wasm's own (XNNPACK).
  FusedConv2D: (addon, fallback) => (args) => {
    const { x, filter, bias, preluActivationWeights } = args.inputs as { x: Info; filter: Info; bias?: Info; preluActivationWeights?: Info };
    const activation = (args.attrs as { activation?: string }).activation;
    const act = activation === 'relu' ? 1 : activation === 'linear' || activation === undefined ? 0 : -1;
    if (act < 0 || preluActivationWeights) return fallback(args);
    const biasFits = (channels: number) => !bias || (bias.dtype === 'float32' && size(bias.shape) === channels && bias.shape.length <= 1);
    const y = convForward(addon, args, x, filter, biasFits);
    if (!y) return fallback(args);
    if (bias || act) {
      const [n, oh, ow, channels] = y.shape as [number, number, number, number];
      addon.biasAct(heapBuffer(args.backend)!, byteAt(args.backend, y), bias ? byteAt(args.backend, bias) : -1, n * oh * ow, channels, act as 0 | 1);
    }
    return y;
  },
};

/** What the native addon serves, by kernel name (the picker lists these as running natively). */
export const NATIVE_KERNEL_NAMES = Object.keys(MAKERS);

const restore: (() => void)[] = [];

/**
 * Registers the native kernels for the wasm backend, each over the kernel registered now (which stays
 * its fallback). Call after wasm's kernels and this project's wasm kernels are registered.
 * @returns the kernel names now served natively.
 */
export function registerNativeKernels(addon: NativeAddon): string[] {
  if (restore.length) return NATIVE_KERNEL_NAMES;
  for (const name of NATIVE_KERNEL_NAMES) {
    const existing = tf.getKernel(name, 'wasm') as tf.KernelConfig | undefined;
    if (!existing) throw new InternalError(`wasm kernel ${name} is not registered; import the wasm backend first`);
    const fallback = existing.kernelFunc as unknown as Kernel;
    tf.unregisterKernel(name, 'wasm');
    const config: tf.KernelConfig = { kernelName: name, backendName: 'wasm', kernelFunc: MAKERS[name]!(addon, fallback) as unknown as tf.KernelFunc };
    // The setupFunc binds wasm's C function for the fallback; the backend runs it at initialisation.
    if (existing.setupFunc) config.setupFunc = existing.setupFunc;
    tf.registerKernel(config);
    restore.push(() => {
      tf.unregisterKernel(name, 'wasm');
      tf.registerKernel(existing);
    });
  }
  return NATIVE_KERNEL_NAMES;
}

/** Whether the native kernels serve the wasm backend in this thread now. */
export function nativeKernelsActive(): boolean {
  return restore.length > 0;
}

/** Puts back the kernels registerNativeKernels replaced (tests compare both paths in one process). */
export function unregisterNativeKernels(): void {
  for (const r of restore.splice(0).reverse()) r();
}

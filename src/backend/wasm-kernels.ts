/**
 * Kernels the tfjs 4.22 wasm backend lacks for training, composed from wasm's own kernels so that no
 * data leaves wasm memory (a round trip through the pure-JS cpu backend is correct but ~100× slower).
 *
 * Each composed kernel calls the other kernels' `kernelFunc`s directly rather than through `tf.*` ops:
 * going through the engine would record extra tape nodes when a gradient is itself differentiated
 * (gradient penalties), double-counting gradients. Every intermediate is freed before returning.
 */
import { tf } from '../tf.js';
import { conv2DBackpropFilter, conv2DBackpropInput } from './wasm-conv.js';
import { cast, concat, gatherV2, identity, leakyRelu, leakyReluGrad, mean, slice, splitV, sum, tanh, unsortedSegmentSum } from './wasm-fast.js';
import { captureNative, free, run, type Info, type KernelArgs } from './wasm-heap.js';

export { conv2DBackpropFilter, conv2DBackpropInput, unsortedSegmentSum };

/**
 * BatchMatMul with a transpose flag runs ~10× slower in wasm than transposing first (XNNPACK's fast
 * path wants plain row-major operands), so transposes are made explicit.
 */
export function batchMatMul({ inputs, backend, attrs }: KernelArgs): Info {
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
  const out = run('BatchMatMul', backend, { a, b }, { transposeA: false, transposeB: false });
  free(backend, ...temps);
  return out;
}

type KernelImpl = (args: KernelArgs) => Info | Info[];

/** What this module registers for the wasm backend, by kernel name, and why. */
export const WASM_KERNELS: Record<string, { fn: KernelImpl; kind: 'added' | 'replaced'; why: string }> = {
  Conv2DBackpropFilter: { fn: conv2DBackpropFilter, kind: 'added', why: 'missing in wasm; a stride-1 XNNPACK conv of transposed x and dy, dilated by the stride (≤ 2 input channels: im2col + one product)' },
  UnsortedSegmentSum: { fn: unsortedSegmentSum, kind: 'added', why: 'missing in wasm (gradient of the label embeddings); rows added into their segments on the heap' },
  Conv2DBackpropInput: { fn: conv2DBackpropInput, kind: 'replaced', why: "wasm's is a scalar loop; one XNNPACK conv per output phase, interleaved on the heap (≤ 4 input channels: one product + col2im)" },
  BatchMatMul: { fn: batchMatMul, kind: 'replaced', why: 'transpose flags take a ~10× slower path; transpose first' },
  LeakyRelu: { fn: leakyRelu, kind: 'replaced', why: "wasm's is a scalar loop; XNNPACK PReLU with a per-channel α" },
  Sum: { fn: sum, kind: 'replaced', why: 'sums over leading or inner axes transpose through a generic loop first; XNNPACK average pooling × count (≤ 1,024 per row), else JS loops on the heap' },
  Mean: { fn: mean, kind: 'replaced', why: 'means over leading or inner axes (a global average pool) transpose first; XNNPACK average pooling' },
  Cast: { fn: cast, kind: 'replaced', why: 'a cast to the same dtype copies through JS; shares the buffer instead, as Identity' },
  Tanh: { fn: tanh, kind: 'replaced', why: "wasm's is a scalar loop; 2·sigmoid(2x) − 1 on XNNPACK (≤ 2.4e-7 absolute)" },
  Identity: { fn: identity, kind: 'replaced', why: 'copies; shares the buffer instead, as the cpu backend does' },
  Slice: { fn: slice, kind: 'replaced', why: 'copies the whole input, then a subarray per row; contiguous runs copied inside the heap' },
  SplitV: { fn: splitV as unknown as KernelImpl, kind: 'replaced', why: 'calls the slow Slice' },
  GatherV2: { fn: gatherV2, kind: 'replaced', why: 'a generic per-element loop; one heap copy per gathered row' },
  Concat: { fn: concat, kind: 'replaced', why: 'a subarray per row; runs copied inside the heap, short runs element by element' },
};

/** Kernels this module provides for the wasm backend, by name. */
export const WASM_EXTRA_KERNELS = Object.keys(WASM_KERNELS).filter((k) => WASM_KERNELS[k]!.kind === 'added');
/** wasm kernels this module replaces with faster compositions, by name. */
export const WASM_REPLACED_KERNELS = Object.keys(WASM_KERNELS).filter((k) => WASM_KERNELS[k]!.kind === 'replaced');

let registered = false;

/**
 * Registers the missing kernels and the faster replacements once; safe to call again. Call after the
 * wasm backend module has been imported (it registers its own kernels on import).
 */
export function registerWasmKernels(): void {
  if (registered) return;
  registered = true;
  for (const [kernelName, { fn }] of Object.entries(WASM_KERNELS)) {
    // Keep wasm's own version callable (replacements fall back to it outside their fast path).
    captureNative(kernelName);
    const existing = tf.getKernel(kernelName, 'wasm') as tf.KernelConfig | undefined;
    if (existing) tf.unregisterKernel(kernelName, 'wasm');
    // Keep the replaced kernel's setupFunc: the backend calls it at initialisation to bind the C code
    // that the native version, still called on the slow path, uses.
    const config: tf.KernelConfig = { kernelName, backendName: 'wasm', kernelFunc: fn as unknown as tf.KernelFunc };
    if (existing?.setupFunc) config.setupFunc = existing.setupFunc;
    tf.registerKernel(config);
  }
  tf.registerGradient(leakyReluGrad);
}

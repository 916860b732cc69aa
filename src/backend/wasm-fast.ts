/**
 * Faster versions of wasm kernels that a training step calls many times on large tensors. tfjs 4.22's
 * wasm backend runs its XNNPACK-backed ops (Add, Multiply, Relu, Prelu, Conv2D, …) at memory speed,
 * but several others are generic per-element loops or copy through JS with a call per row, 10–50×
 * slower on a [64, 14, 14, 64] activation. Each replacement handles the common case and hands
 * everything else to wasm's own kernel, so behaviour outside the fast path is unchanged.
 */
import { tf } from '../tf.js';
import { alloc, at, copyRuns, free, heapF32, heapI32, run, type Info, type KernelArgs } from './wasm-heap.js';
import { InternalError } from '../errors.js';

const size = (shape: number[]) => tf.util.sizeFromShape(shape);

/**
 * LeakyRelu as Prelu with a per-channel α vector: the same function (x > 0 ? x : αx) but XNNPACK's
 * PReLU runs it at memory speed, where wasm's LeakyRelu is a scalar loop (~40× slower).
 */
export function leakyRelu({ inputs, backend, attrs }: KernelArgs): Info {
  const x = inputs['x']!;
  const alpha = attrs['alpha'] as number;
  if (x.dtype !== 'float32' || x.shape.length === 0 || size(x.shape) === 0) return run('LeakyRelu', backend, inputs, attrs);
  const c = x.shape[x.shape.length - 1]!;
  const a = alloc(backend, [c]);
  heapF32(backend).fill(alpha, at(backend, a), at(backend, a) + c);
  const out = run('Prelu', backend, { x, alpha: a });
  free(backend, a);
  return out;
}

/**
 * Sum or mean over a block of axes with at least one axis after it: leading axes (bias and batch-norm
 * gradients reduce [N, H, W, C] over N, H, W; minibatch stddev reduces its group axis) or inner ones (a
 * global average pool reduces [N, H, W, C] over H, W). wasm's Sum and Mean first transpose the reduced
 * axes innermost through a generic loop. With up to POOL_CHANNELS values per row: XNNPACK average pooling
 * of x viewed as [outer, R, 1, C] with an R × 1 window (a sum is the mean times R) — A/B on
 * [64, 14, 14, 64] over N, H, W, 2.06 ms for wasm's Sum, 1.32 ms for a JS row loop, 0.36 ms pooled; the
 * classifier's global pool of [64, 4, 4, 64], 0.31 ms for wasm's Mean. Wider rows go to JS loops on the
 * heap (leading blocks only): XNNPACK's multipass pooling keeps a C-float buffer on the wasm stack, and
 * C = 32,768 (a dense bias at 64×64) overflowed it and corrupted the heap.
 */
export const POOL_CHANNELS = 1024;

function blockReduce(x: Info, axisAttr: number | number[], keepDims: boolean, backend: KernelArgs['backend'], isMean: boolean): Info | null {
  if (x.dtype !== 'float32') return null;
  const axes = tf.util.parseAxisParam(axisAttr, x.shape).sort((a, b) => a - b);
  const k = axes.length;
  const first = axes[0] ?? 0;
  if (k === 0 || first + k >= x.shape.length || axes.some((a, i) => a !== first + i)) return null;
  // x as [outer, R, C]: the reduced axes are one contiguous block, with at least one axis after it.
  const outer = size(x.shape.slice(0, first));
  const r = size(x.shape.slice(first, first + k));
  const c = size(x.shape.slice(first + k));
  if (r < 2 || c === 0 || outer === 0) return null;
  const kept = [...x.shape.slice(0, first), ...x.shape.slice(first + k)];
  const shape = keepDims ? x.shape.map((d, i) => (i >= first && i < first + k ? 1 : d)) : kept;
  if (c <= POOL_CHANNELS) {
    const pooled = run('AvgPool', backend, { x: { dataId: x.dataId, shape: [outer, r, 1, c], dtype: 'float32' } }, { filterSize: [r, 1], strides: [1, 1], pad: 'valid' });
    if (isMean) return { dataId: pooled.dataId, dtype: 'float32', shape };
    const count = alloc(backend, []);
    heapF32(backend)[at(backend, count)] = r;
    const total = run('Multiply', backend, { a: pooled, b: count });
    free(backend, pooled, count);
    return { dataId: total.dataId, dtype: 'float32', shape };
  }
  if (outer > 1) return null;
  const out = alloc(backend, shape);
  const h = heapF32(backend);
  const p0 = at(backend, x);
  const po = at(backend, out);
  const scale = isMean ? 1 / r : 1;
  if (c <= 4096) {
    // Rows of a few thousand values: accumulate rows into a float64 vector.
    const acc = new Float64Array(c);
    for (let i = 0, p = p0; i < r; i++, p += c) {
      for (let j = 0; j < c; j++) acc[j] = acc[j]! + h[p + j]!;
    }
    for (let j = 0; j < c; j++) h[po + j] = acc[j]! * scale;
  } else {
    // Few rows of many values (minibatch-stddev groups, dense biases): one column at a time.
    for (let j = 0; j < c; j++) {
      let t = 0;
      for (let i = 0, p = p0 + j; i < r; i++, p += c) t += h[p]!;
      h[po + j] = t * scale;
    }
  }
  return out;
}

export function sum({ inputs, backend, attrs }: KernelArgs): Info {
  const x = inputs['x']!;
  return blockReduce(x, attrs['axis'] as number | number[], attrs['keepDims'] as boolean, backend, false) ?? run('Sum', backend, inputs, attrs);
}

/** Mean over a block of axes: the pooled mean itself, or the row loops scaled by 1/R. */
export function mean({ inputs, backend, attrs }: KernelArgs): Info {
  const x = inputs['x']!;
  return blockReduce(x, attrs['axis'] as number | number[], attrs['keepDims'] as boolean, backend, true) ?? run('Mean', backend, inputs, attrs);
}

/**
 * The gradient of LeakyRelu as dy · step(x, α) — two XNNPACK-speed kernels — instead of tfjs-core's
 * where(x > 0, dy, α·dy), whose Greater and Select are generic per-element loops in wasm (together
 * ~50× slower on a [64, 14, 14, 64] activation). The same function for every finite x, on every
 * backend; second-order gradients are unchanged (step, like greater, has a zero gradient).
 */
export const leakyReluGrad: tf.GradConfig = {
  kernelName: 'LeakyRelu',
  inputsToSave: ['x'],
  gradFunc: (dy, saved, attrs) => {
    const [x] = saved as tf.Tensor[];
    const alpha = (attrs as { alpha: number }).alpha;
    return { x: () => tf.mul(dy as tf.Tensor, tf.step(x!, alpha)) };
  },
};

/**
 * Cast to the tensor's own dtype (tfjs-core's ReLU gradient casts step(x), already float32) as Identity:
 * wasm's copies the whole tensor through JS, 0.23 ms on [64, 14, 14, 16]; the cpu backend shares it too.
 */
export function cast({ inputs, backend, attrs }: KernelArgs): Info {
  const x = inputs['x']!;
  return x.dtype === attrs['dtype'] && x.dtype !== 'string' ? identity({ inputs, backend, attrs }) : run('Cast', backend, inputs, attrs);
}

/** Identity without a copy: the output shares the input's buffer (as the cpu backend does). */
export function identity({ inputs, backend }: KernelArgs): Info {
  const x = inputs['x']!;
  if (x.dtype === 'string') return run('Identity', backend, inputs);
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

/**
 * A slice as runs of contiguous elements: trailing axes taken whole merge into one run, and each run
 * is copied inside the heap (no readSync copy of the whole input, no subarray per row).
 */
function sliceInfo(x: Info, begin: number[], sz: number[], backend: KernelArgs['backend']): Info {
  const rank = x.shape.length;
  const out = alloc(backend, sz, x.dtype);
  const n = size(sz);
  if (n === 0) return out;
  const h = heapI32(backend); // bit copies: the dtype does not matter for 4-byte elements
  const strides = tf.util.computeStrides(x.shape);
  // Merge trailing axes that are taken whole into the innermost run.
  let inner = rank - 1;
  let run_ = sz[inner]!;
  while (inner > 0 && sz[inner] === x.shape[inner] && begin[inner] === 0) {
    inner--;
    run_ *= sz[inner]!;
  }
  // `inner` is now the first axis (from the left) of the run; rows iterate over axes < inner.
  let src0 = at(backend, x);
  for (let d = 0; d < rank; d++) src0 += begin[d]! * (d === rank - 1 ? 1 : strides[d]!);
  const dst0 = at(backend, out);
  if (inner === 0) {
    h.copyWithin(dst0, src0, src0 + run_);
    return out;
  }
  // The last outer axis (inner − 1) is copied with copyRuns; axes before it are looped here.
  const outer = sz.slice(0, inner - 1);
  const rows = sz[inner - 1]!;
  const rowStride = strides[inner - 1]!;
  const count = size(outer);
  const idx = new Array<number>(outer.length).fill(0);
  let dst = dst0;
  for (let o = 0; o < count; o++) {
    let src = src0;
    for (let d = 0; d < outer.length; d++) src += idx[d]! * strides[d]!;
    copyRuns(h, src, rowStride, dst, run_, run_, rows);
    dst += rows * run_;
    for (let d = outer.length - 1; d >= 0; d--) {
      if (++idx[d]! < outer[d]!) break;
      idx[d] = 0;
    }
  }
  return out;
}

function canCopy(x: Info): boolean {
  return x.dtype === 'float32' || x.dtype === 'int32';
}

export function slice({ inputs, backend, attrs }: KernelArgs): Info {
  const x = inputs['x']!;
  if (!canCopy(x)) return run('Slice', backend, inputs, attrs);
  const [begin, sz] = tf.slice_util.parseSliceParams(x as never, attrs['begin'] as number[], attrs['size'] as number[]) as [number[], number[]];
  return sliceInfo(x, begin, sz, backend);
}

/** SplitV as one slice per part (wasm's SplitV calls its own slow Slice internally). */
export function splitV({ inputs, backend, attrs }: KernelArgs): Info[] {
  const x = inputs['x']!;
  if (!canCopy(x)) return run('SplitV', backend, inputs, attrs) as unknown as Info[];
  const axis = tf.util.parseAxisParam(attrs['axis'] as number, x.shape)[0]!;
  const sizes = tf.backend_util.prepareSplitSize(x as never, attrs['numOrSizeSplits'] as number[] | number, axis);
  const begin = new Array<number>(x.shape.length).fill(0);
  return sizes.map((s) => {
    const sz = x.shape.slice();
    sz[axis] = s;
    const part = sliceInfo(x, begin.slice(), sz, backend);
    begin[axis]! += s;
    return part;
  });
}

/** Concat as runs copied inside the heap; short runs (a few channels) element by element. */
export function concat({ inputs, backend, attrs }: KernelArgs): Info {
  const list = inputs as unknown as Info[];
  if (!list.length || !list.every(canCopy) || !list.every((t) => t.dtype === list[0]!.dtype)) return run('Concat', backend, inputs, attrs);
  const axis = tf.util.parseAxisParam(attrs['axis'] as number, list[0]!.shape)[0]!;
  const parts = list.filter((t) => size(t.shape) > 0);
  const outShape = tf.backend_util.computeOutShape(list.map((t) => t.shape), axis);
  if (parts.length === 1) {
    const only = identity({ inputs: { x: parts[0]! }, backend, attrs: {} });
    return { ...only, shape: outShape };
  }
  const out = alloc(backend, outShape, list[0]!.dtype);
  if (size(outShape) === 0) return out;
  const h = heapI32(backend);
  const rows = size(parts[0]!.shape.slice(0, axis));
  const inners = parts.map((t) => size(t.shape.slice(axis)));
  const total = inners.reduce((a, b) => a + b, 0);
  let col = at(backend, out);
  parts.forEach((t, i) => {
    copyRuns(h, at(backend, t), inners[i]!, col, total, inners[i]!, rows);
    col += inners[i]!;
  });
  return out;
}

/**
 * GatherV2 (embedding lookups: the projection head gathers [B, 6272]-wide rows) as one heap copy per
 * gathered row. wasm's Gather indexes every element through a generic 4-D loop (~95 ms for 64 rows of
 * 6,321 floats under load, against well under a millisecond here). Indices are checked as tfjs does.
 */
export function gatherV2({ inputs, backend, attrs }: KernelArgs): Info {
  const x = inputs['x']!;
  const indices = inputs['indices']!;
  const batchDims = (attrs['batchDims'] as number | undefined) ?? 0;
  if (!canCopy(x) || indices.dtype !== 'int32' || batchDims !== 0) return run('GatherV2', backend, inputs, attrs);
  const axis = tf.util.parseAxisParam(attrs['axis'] as number, x.shape)[0]!;
  const dim = x.shape[axis]!;
  const outer = size(x.shape.slice(0, axis));
  const inner = size(x.shape.slice(axis + 1));
  const count = size(indices.shape);
  const outShape = [...x.shape.slice(0, axis), ...indices.shape, ...x.shape.slice(axis + 1)];
  const ids = heapI32(backend).subarray(at(backend, indices), at(backend, indices) + count).slice();
  for (const i of ids) tf.util.assert(i >= 0 && i < dim, () => `GatherV2: the index value ${i} is not in [0, ${dim - 1}]`);
  const out = alloc(backend, outShape, x.dtype);
  const h = heapI32(backend);
  const src0 = at(backend, x);
  let dst = at(backend, out);
  for (let o = 0; o < outer; o++) {
    const base = src0 + o * dim * inner;
    for (let k = 0; k < count; k++, dst += inner) {
      const s = base + ids[k]! * inner;
      if (inner >= 32) h.copyWithin(dst, s, s + inner);
      else for (let m = 0; m < inner; m++) h[dst + m] = h[s + m]!;
    }
  }
  return out;
}

/**
 * Tanh as 2·sigmoid(2x) − 1: XNNPACK's sigmoid and elementwise ops run at memory speed, wasm's Tanh is
 * a scalar loop (A/B on G's [64, 64, 64, 3] output: 65 ms against ~1 ms). Agrees with tanh to ~2.4e-7
 * absolute (float32 rounding of the sigmoid and the two affine steps), which is below one 8-bit pixel
 * level by five orders of magnitude; relative error grows only for |x| < 1e-3, where tanh(x) ≈ x.
 */
export function tanh({ inputs, backend, attrs }: KernelArgs): Info {
  const x = inputs['x']!;
  if (x.dtype !== 'float32' || size(x.shape) === 0) return run('Tanh', backend, inputs, attrs);
  const two = alloc(backend, []);
  const one = alloc(backend, []);
  const h = heapF32(backend);
  h[at(backend, two)] = 2;
  h[at(backend, one)] = 1;
  const x2 = run('Multiply', backend, { a: x, b: two });
  const s = run('Sigmoid', backend, { x: x2 });
  const s2 = run('Multiply', backend, { a: s, b: two });
  const out = run('Sub', backend, { a: s2, b: one });
  free(backend, two, one, x2, s, s2);
  return out;
}

/**
 * out[s, …] = Σ_{i : ids[i] = s} x[i, …] (the gradient of a gather: label embeddings, the projection
 * head): each row of x added into its segment's row on the heap, ids outside [0, numSegments)
 * contributing nothing, as in tfjs. Replaces the oneHot(ids)ᵀ · x product, which made x the weights
 * of an XNNPACK GEMM and repacked it on every call.
 */
export function unsortedSegmentSum({ inputs, backend, attrs }: KernelArgs): Info {
  const x = inputs['x']!;
  const ids = inputs['segmentIds']!;
  const numSegments = attrs['numSegments'] as number;
  if (x.dtype !== 'float32' || ids.dtype !== 'int32') {
    throw new InternalError(`UnsortedSegmentSum (wasm): only float32 data with int32 ids is supported, received ${x.dtype} and ${ids.dtype}`);
  }
  const rows = size(ids.shape);
  const rest = x.shape.slice(ids.shape.length);
  const cols = size(rest);
  const out = alloc(backend, [numSegments, ...rest]);
  const h = heapF32(backend);
  const i32 = heapI32(backend);
  const po = at(backend, out);
  const px = at(backend, x);
  const pi = at(backend, ids);
  h.fill(0, po, po + numSegments * cols);
  for (let i = 0; i < rows; i++) {
    const s = i32[pi + i]!;
    if (s < 0 || s >= numSegments) continue;
    const d = po + s * cols;
    const src = px + i * cols;
    for (let j = 0; j < cols; j++) h[d + j] = h[d + j]! + h[src + j]!;
  }
  return out;
}

/**
 * Helpers for kernels that run on the wasm backend's own memory: calling another wasm kernel without
 * the engine, freeing intermediates, and addressing tensors on the heap from JavaScript.
 *
 * Every float32/int32 tensor of the wasm backend lives in the module's single linear memory, so a JS
 * loop over a view of it moves no data out of wasm and makes no copy. A view is invalidated when the
 * memory grows (any allocation may grow it): take views only after the last allocation of a kernel.
 */
import { tf } from '../tf.js';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { InternalError } from '../errors.js';

export type Info = tf.TensorInfo;
export type Attrs = Record<string, unknown>;
export interface KernelArgs {
  inputs: Record<string, Info>;
  backend: BackendWasm;
  attrs: Attrs;
}

/** wasm's own kernels, captured before this module replaces any of them. */
const native = new Map<string, tf.KernelFunc>();

export function captureNative(name: string): tf.KernelFunc | undefined {
  if (!native.has(name)) {
    const k = tf.getKernel(name, 'wasm') as tf.KernelConfig | undefined;
    if (k) native.set(name, k.kernelFunc);
  }
  return native.get(name);
}

/**
 * Runs a wasm kernel directly (no tape, no scope): wasm's own version where this module replaced it,
 * so a replacement can fall back to the original for the cases it does not speed up.
 */
export function run(name: string, backend: BackendWasm, inputs: Record<string, Info> | Info[], attrs: Attrs = {}): Info {
  const fn = native.get(name) ?? (tf.getKernel(name, 'wasm') as tf.KernelConfig | undefined)?.kernelFunc;
  if (!fn) throw new InternalError(`wasm kernel ${name} is not registered`);
  return fn({ inputs, backend, attrs } as unknown as Parameters<tf.KernelFunc>[0]) as Info;
}

/** Runs a kernel as currently registered for wasm (our replacement where there is one). */
export function runRegistered(name: string, backend: BackendWasm, inputs: Record<string, Info>, attrs: Attrs = {}): Info {
  const fn = (tf.getKernel(name, 'wasm') as tf.KernelConfig | undefined)?.kernelFunc;
  if (!fn) throw new InternalError(`wasm kernel ${name} is not registered`);
  return fn({ inputs, backend, attrs } as unknown as Parameters<tf.KernelFunc>[0]) as Info;
}

export function free(backend: BackendWasm, ...infos: Info[]): void {
  for (const info of infos) backend.disposeData(info.dataId);
}

interface WasmData {
  memoryOffset: number;
}
interface WasmInternals {
  dataIdMap: { get(id: tf.DataId): WasmData };
  wasm: { HEAPU8: Uint8Array };
}

/** The whole heap as float32 (take it after the kernel's last allocation). */
export function heapF32(backend: BackendWasm): Float32Array {
  const b = (backend as unknown as WasmInternals).wasm.HEAPU8.buffer;
  return new Float32Array(b, 0, b.byteLength >>> 2);
}

/** The whole heap as int32. */
export function heapI32(backend: BackendWasm): Int32Array {
  const b = (backend as unknown as WasmInternals).wasm.HEAPU8.buffer;
  return new Int32Array(b, 0, b.byteLength >>> 2);
}

/** The whole heap as bytes (bool tensors are one byte per element). */
export function heapU8(backend: BackendWasm): Uint8Array {
  return (backend as unknown as WasmInternals).wasm.HEAPU8;
}

/** Element offset of a 4-byte tensor in heapF32/heapI32. */
export function at(backend: BackendWasm, info: Info): number {
  return (backend as unknown as WasmInternals).dataIdMap.get(info.dataId).memoryOffset >>> 2;
}

/** Byte offset of a tensor in the heap. */
export function byteAt(backend: BackendWasm, info: Info): number {
  return (backend as unknown as WasmInternals).dataIdMap.get(info.dataId).memoryOffset;
}

/** A new output tensor on the heap (uninitialised). */
export function alloc(backend: BackendWasm, shape: number[], dtype: tf.DataType = 'float32'): Info {
  return backend.makeOutput(shape, dtype) as Info;
}

/**
 * Copies `count` runs of `len` elements from `src + i·srcStride` to `dst + i·dstStride` inside one heap
 * view; short runs are copied element by element (a copyWithin call costs more than a few stores).
 */
export function copyRuns(h: Float32Array | Int32Array, src: number, srcStride: number, dst: number, dstStride: number, len: number, count: number): void {
  if (len >= 32) {
    for (let i = 0; i < count; i++, src += srcStride, dst += dstStride) h.copyWithin(dst, src, src + len);
  } else if (len === 1) {
    for (let i = 0; i < count; i++, src += srcStride, dst += dstStride) h[dst] = h[src]!;
  } else {
    for (let i = 0; i < count; i++, src += srcStride, dst += dstStride) {
      for (let k = 0; k < len; k++) h[dst + k] = h[src + k]!;
    }
  }
}

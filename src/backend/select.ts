/**
 * Picking and initialising the tfjs backend at run time. The native backends are optional dependencies
 * (their install downloads libtensorflow, which fails offline); each is tried in a try/catch so a
 * missing or broken install only moves the choice down the list: node-gpu → node → wasm → cpu.
 */
import * as tf from '@tensorflow/tfjs';
import { UserError } from '../errors.js';
import type { BackendChoice } from '../config/schema.js';
import { registerWasmKernels } from './wasm-kernels.js';

export type BackendName = Exclude<BackendChoice, 'auto'>;
export const AUTO_ORDER: BackendName[] = ['node-gpu', 'node', 'wasm', 'cpu'];

export interface BackendInfo {
  /** Our name for it (`node-gpu`, `node`, `wasm`, `cpu`). */
  name: BackendName;
  /** tfjs' name for it (`tensorflow`, `wasm`, `cpu`). */
  tfName: string;
  /** Human-readable details, e.g. "SIMD, 1 thread". */
  details: string;
  /** Why each backend tried before it was not used. */
  skipped: { name: BackendName; reason: string }[];
  tfjsVersion: string;
}

/** Imports a package by a computed name so tsc and start-up work when it is absent. */
async function importOptional(name: string): Promise<unknown> {
  return import(name);
}

async function tryInit(name: BackendName): Promise<{ tfName: string; details: string }> {
  switch (name) {
    case 'node-gpu':
    case 'node': {
      await importOptional(name === 'node-gpu' ? '@tensorflow/tfjs-node-gpu' : '@tensorflow/tfjs-node');
      if (!(await tf.setBackend('tensorflow'))) throw new Error('the tensorflow backend failed to initialise');
      return { tfName: 'tensorflow', details: name === 'node-gpu' ? 'libtensorflow with CUDA' : 'libtensorflow (CPU)' };
    }
    case 'wasm': {
      await import('@tensorflow/tfjs-backend-wasm');
      registerWasmKernels();
      if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend failed to initialise');
      const simd = tf.env().getBool('WASM_HAS_SIMD_SUPPORT');
      return { tfName: 'wasm', details: `${simd ? 'SIMD' : 'no SIMD'}, 1 thread` };
    }
    case 'cpu': {
      if (!(await tf.setBackend('cpu'))) throw new Error('the cpu backend failed to initialise');
      return { tfName: 'cpu', details: 'pure JavaScript (slow: for tiny runs and tests only)' };
    }
  }
}

function reasonOf(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e?.code === 'ERR_MODULE_NOT_FOUND' || e?.code === 'MODULE_NOT_FOUND') return 'not installed';
  const msg = e instanceof Error ? e.message : String(err);
  if (/tfjs_binding\.node/.test(msg)) return 'installed without its native binding (libtensorflow download failed?)';
  return msg.split('\n')[0] ?? msg;
}

/**
 * Selects and initialises a backend. `auto` takes the first of node-gpu → node → wasm → cpu that loads;
 * a named backend must load or this throws.
 * @throws {UserError} when an explicitly requested backend cannot be loaded.
 */
export async function initBackend(choice: BackendChoice): Promise<BackendInfo> {
  // Production mode: no per-op debug checks, and no "install tfjs-node" banner on stdout.
  tf.enableProdMode();
  const order = choice === 'auto' ? AUTO_ORDER : [choice];
  const skipped: BackendInfo['skipped'] = [];
  for (const name of order) {
    try {
      const { tfName, details } = await tryInit(name);
      return { name, tfName, details, skipped, tfjsVersion: tf.version.tfjs };
    } catch (err) {
      skipped.push({ name, reason: reasonOf(err) });
    }
  }
  const why = skipped.map((s) => `${s.name}: ${s.reason}`).join('; ');
  if (choice !== 'auto') {
    throw new UserError(`backend "${choice}" is not available (${why}); use --backend auto to pick one that is`);
  }
  throw new UserError(`no tfjs backend could be initialised (${why})`);
}

/** One line for the console: `backend: wasm (SIMD, 1 thread); skipped node-gpu: not installed, …`. */
export function describeBackend(info: BackendInfo): string {
  const skipped = info.skipped.map((s) => `${s.name}: ${s.reason}`).join(', ');
  return `backend: ${info.name} (${info.details})${skipped ? `; skipped ${skipped}` : ''}`;
}

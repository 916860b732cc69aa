#!/usr/bin/env node
/**
 * Per-kernel timings of the hot convolutions and products of the cDCGAN (batch 64), wasm against the
 * native addon on 1 and 2 BLAS threads, in one process and alternating (median of --reps turns).
 *
 *   npm run build && node bench/native-kernels.mjs [--reps 7] [--size 28] [--channels 1] [--wall]
 * Prints CPU milliseconds by default (robust to a busy machine); --wall for wall-clock.
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { loadProject } from './lib/gan.mjs';
import { pathToFileURL } from 'node:url';
import path from 'node:path';
import { ROOT } from './lib/gan.mjs';

const { values: args } = parseArgs({ options: { reps: { type: 'string', default: '7' }, size: { type: 'string', default: '28' }, channels: { type: 'string', default: '1' }, wall: { type: 'boolean', default: false } } });
const reps = Number(args.reps);
const s = Number(args.size);
const ch = Number(args.channels);
const { tf, select } = await loadProject();
const nk = await import(pathToFileURL(path.join(ROOT, 'dist/backend/native-kernels.js')).href);
const info = await select.initBackend('native');
const native = (await import(pathToFileURL(path.join(ROOT, 'dist/backend/native.js')).href)).loadNative();
console.log(`# ${os.cpus()[0]?.model}, load ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}; ${select.describeBackend(info)}`);

const B = 64;
const q = s / 4;
const h = s / 2;
const rand = (shape) => tf.randomNormal(shape, 0, 1, 'float32', 1);
const conv = (x, f, pad = 'same') => ({ strides: [2, 2], pad, dataFormat: 'NHWC', dilations: [1, 1] });
const cases = [
  ['G up1 convT fwd (BackpropInput)', 'Conv2DBackpropInput', { dy: rand([B, q, q, 128]), filter: rand([5, 5, 64, 128]) }, { ...conv(), inputShape: [B, h, h, 64] }],
  ['G up1 dW (BackpropFilter)', 'Conv2DBackpropFilter', { x: rand([B, h, h, 64]), dy: rand([B, q, q, 128]) }, { ...conv(), filterShape: [5, 5, 64, 128] }],
  ['G up2 convT fwd (BackpropInput)', 'Conv2DBackpropInput', { dy: rand([B, h, h, 64]), filter: rand([5, 5, ch, 64]) }, { ...conv(), inputShape: [B, s, s, ch] }],
  ['G up2 dW (BackpropFilter)', 'Conv2DBackpropFilter', { x: rand([B, s, s, ch]), dy: rand([B, h, h, 64]) }, { ...conv(), filterShape: [5, 5, ch, 64] }],
  ['D conv1 fwd (Conv2D)', 'Conv2D', { x: rand([B, s, s, ch + 1]), filter: rand([5, 5, ch + 1, 64]) }, conv()],
  ['D conv1 dW', 'Conv2DBackpropFilter', { x: rand([B, s, s, ch + 1]), dy: rand([B, h, h, 64]) }, { ...conv(), filterShape: [5, 5, ch + 1, 64] }],
  ['D conv2 fwd (Conv2D)', 'Conv2D', { x: rand([B, h, h, 64]), filter: rand([5, 5, 64, 128]) }, conv()],
  ['D conv2 dx (BackpropInput)', 'Conv2DBackpropInput', { dy: rand([B, q, q, 128]), filter: rand([5, 5, 64, 128]) }, { ...conv(), inputShape: [B, h, h, 64] }],
  ['D conv2 dW (BackpropFilter)', 'Conv2DBackpropFilter', { x: rand([B, h, h, 64]), dy: rand([B, q, q, 128]) }, { ...conv(), filterShape: [5, 5, 64, 128] }],
  ['G dense (BatchMatMul)', 'BatchMatMul', { a: rand([1, B, 150]), b: rand([1, 150, q * q * 128]) }, { transposeA: false, transposeB: false }],
  ['G dense dW (BatchMatMul ᵀ)', 'BatchMatMul', { a: rand([1, B, 150]), b: rand([1, B, q * q * 128]) }, { transposeA: true, transposeB: false }],
];

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const time = (name, inputs, attrs) => {
  // CPU time of this process (user + system), not wall time: on a shared machine the wall clock mostly
  // measures the wait for a core. With one thread (wasm, native 1t) it is the kernel's own time; with
  // two BLAS threads it is the sum over both threads (wall time is what a second thread would save).
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const out = tf.engine().runKernel(name, inputs, attrs);
  out.dataSync(); // wasm is synchronous; this only ensures the work is done
  const wall = performance.now() - t0;
  const c = process.cpuUsage(c0);
  tf.dispose(out);
  return args.wall ? wall : (c.user + c.system) / 1000;
};
const paths = [
  { key: 'wasm', setup: () => nk.unregisterNativeKernels() },
  { key: 'native 1t', setup: () => (nk.registerNativeKernels(native.addon), native.addon.setThreads(1)) },
  { key: 'native 2t', setup: () => (nk.registerNativeKernels(native.addon), native.addon.setThreads(2)) },
];
const totals = Object.fromEntries(paths.map((p) => [p.key, 0]));
console.log(`${'kernel'.padEnd(34)} ${paths.map((p) => p.key.padStart(10)).join(' ')}   (${args.wall ? 'wall' : 'CPU'} ms, median of ${reps})`);
for (const [label, name, inputs, attrs] of cases) {
  const got = Object.fromEntries(paths.map((p) => [p.key, []]));
  for (let r = 0; r < reps + 1; r++) {
    for (const p of r % 2 ? paths : [...paths].reverse()) {
      p.setup();
      const ms = time(name, inputs, attrs);
      if (r > 0) got[p.key].push(ms); // the first turn warms up
    }
  }
  const med = paths.map((p) => median(got[p.key]));
  paths.forEach((p, i) => (totals[p.key] += med[i]));
  console.log(`${label.padEnd(34)} ${med.map((m) => m.toFixed(1).padStart(10)).join(' ')}`);
}
console.log(`${'total'.padEnd(34)} ${paths.map((p) => totals[p.key].toFixed(1).padStart(10)).join(' ')}`);

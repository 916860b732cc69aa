#!/usr/bin/env node
/**
 * Per-kernel time of one training iteration (tf.profile), summed by kernel name and by kernel+shape.
 *   node bench/profile-kernels.mjs [--size 28] [--channels 1] [--batch 64] [--model reference|defaults|quickstart] [--backend wasm] [--iters 3]
 * Kernel times are wall-clock per kernel call (wasm runs synchronously).
 */
import { parseArgs } from 'node:util';
import { loadProject, makeTrainer } from './lib/gan.mjs';

const { values: a } = parseArgs({
  options: {
    size: { type: 'string', default: '28' },
    channels: { type: 'string', default: '1' },
    batch: { type: 'string', default: '64' },
    model: { type: 'string', default: 'reference' },
    backend: { type: 'string', default: 'wasm' },
    iters: { type: 'string', default: '3' },
    top: { type: 'string', default: '25' },
  },
});
const p = await loadProject();
const info = await p.select.initBackend(a.backend);
console.log(p.select.describeBackend(info));
const t = makeTrainer(p, { size: +a.size, channels: +a.channels, batch: +a.batch, model: a.model });
for (let i = 0; i < 3; i++) t.iteration();
const byName = new Map();
const byShape = new Map();
let total = 0;
const iters = +a.iters;
const t0 = performance.now();
for (let i = 0; i < iters; i++) {
  const prof = await p.tf.profile(() => {
    t.iteration();
  });
  for (const k of prof.kernels) {
    const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    total += ms;
    const e = byName.get(k.name) ?? { ms: 0, calls: 0 };
    e.ms += ms;
    e.calls++;
    byName.set(k.name, e);
    const key = `${k.name} ${k.inputShapes.map((s) => JSON.stringify(s)).join(' ')}`;
    const f = byShape.get(key) ?? { ms: 0, calls: 0, elems: 0 };
    f.ms += ms;
    f.calls++;
    f.elems += (k.outputShapes ?? []).reduce((a, sh) => a + (sh ?? []).reduce((x, y) => x * y, 1), 0);
    byShape.set(key, f);
  }
}
const wall = (performance.now() - t0) / iters;
console.log(`wall ${wall.toFixed(1)} ms/iter (with profiling overhead); kernel sum ${(total / iters).toFixed(1)} ms/iter`);
const show = (m, n) =>
  [...m.entries()]
    .sort((x, y) => y[1].ms - x[1].ms)
    .slice(0, n)
    .forEach(([k, v]) => console.log(`${(v.ms / iters).toFixed(1).padStart(8)} ms ${String(v.calls / iters).padStart(5)}× ${k}`));
console.log('--- by kernel');
show(byName, +a.top);
console.log('--- by kernel and input shapes');
show(byShape, +a.top);
// Memory-bound kernels slower than ~2 ns per output element are generic loops worth replacing
// (XNNPACK's elementwise kernels run at ~0.1–0.5 ns per element); convolutions and products excluded.
console.log('--- elementwise-looking kernels at > 2 ns per output element');
[...byShape.entries()]
  .filter(([k, v]) => !/^(Conv2D|BatchMatMul|_FusedMatMul|FusedConv2D)/.test(k) && v.elems > 1000 && (v.ms * 1e6) / v.elems > 2 && v.ms / iters > 0.5)
  .sort((x, y) => y[1].ms - x[1].ms)
  .forEach(([k, v]) => console.log(`${((v.ms * 1e6) / v.elems).toFixed(1).padStart(7)} ns/elem ${(v.ms / iters).toFixed(1).padStart(7)} ms/iter  ${k}`));
t.dispose();

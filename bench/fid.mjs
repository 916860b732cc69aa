#!/usr/bin/env node
// Times FID in JS (dist/metrics) against numpy/scipy (pytorch-fid's formula: np.cov + scipy.linalg.sqrtm)
// on the same float32 features, in one run, and prints one line per feature size with the ratio.
//
//   node bench/fid.mjs [--rows 10000] [--dims 64,512,2048] [--reps 3]
//
// Each figure is the fastest of --reps turns (3× as many for sizes ≤ 512; the machine is shared
// and noisy); JS and Python take turns so both see the same conditions. JS runs on one thread;
// numpy uses OpenBLAS with its default threads, and OPENBLAS_* variables are passed through untouched.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DIST = join(ROOT, 'dist', 'metrics', 'fid.js');
const PYTHON = '/usr/bin/python3'; // Debian's interpreter has numpy + scipy; the python3 first on PATH does not.

const { values: args } = parseArgs({
  options: {
    rows: { type: 'string', default: '10000' },
    dims: { type: 'string', default: '64,512,2048' },
    reps: { type: 'string', default: '3' },
  },
});
const rows = Number(args.rows);
const reps = Number(args.reps);
const dimsList = args.dims.split(',').map(Number);

ensureBuilt();
const { meanCov, frechetDistance } = await import(DIST);
const python = checkPython();

const dir = mkdtempSync(join(tmpdir(), 'fid-bench-'));
try {
  console.log(`FID benchmark: JS 1 thread (node ${process.version}, wasm SIMD kernels); ${python.about}`);
  warmUp();
  for (const dims of dimsList) console.log(benchOne(dims));
} finally {
  rmSync(dir, { recursive: true, force: true });
}

function benchOne(dims) {
  const a = features(rows, dims, 1, 0);
  const b = features(rows, dims, 2, 0.3);
  const files = [join(dir, `a${dims}.f32`), join(dir, `b${dims}.f32`)];
  writeFileSync(files[0], a);
  writeFileSync(files[1], b);

  // JS and Python take turns, so a busy spell on the shared machine hits both.
  // Small sizes are quick and noisier, so they get three times the turns.
  const turns = dims <= 512 ? 3 * reps : reps;
  let js = { stats: Infinity, distance: Infinity, fid: NaN };
  let py = { stats: Infinity, sqrtm: Infinity, fid: NaN };
  for (let r = 0; r < turns; r++) {
    const t0 = performance.now();
    const sa = meanCov({ data: a, rows, dims });
    const sb = meanCov({ data: b, rows, dims });
    const t1 = performance.now();
    const fid = frechetDistance(sa.mean, sa.cov, sb.mean, sb.cov);
    const t2 = performance.now();
    if (t2 - t0 < (js.stats + js.distance) * 1e3) js = { stats: (t1 - t0) / 1e3, distance: (t2 - t1) / 1e3, fid };
    if (python.ok) {
      const run = runPython(files, dims);
      if (run.stats + run.sqrtm < py.stats + py.sqrtm) py = run;
    }
  }
  const label = `FID ${dims}-d, ${rows}+${rows} samples, best of ${turns}`;
  const jsText = `JS ${fmt(js.stats + js.distance)} (stats ${fmt(js.stats)} + distance ${fmt(js.distance)})`;
  if (!python.ok) return `${label}: ${jsText} | numpy/scipy skipped: ${python.about}`;

  const total = js.stats + js.distance;
  const pyTotal = py.stats + py.sqrtm;
  const agree = Math.abs(js.fid - py.fid) / Math.abs(py.fid);
  return (
    `${label}: ${jsText} | numpy/scipy ${fmt(pyTotal)} (stats ${fmt(py.stats)} + sqrtm ${fmt(py.sqrtm)}) | ` +
    `ratio JS/scipy ${(total / pyTotal).toFixed(2)}× total, ${(js.distance / py.sqrtm).toFixed(2)}× distance | ` +
    `FID ${js.fid.toPrecision(10)} vs ${py.fid.toPrecision(10)} (rel diff ${agree.toExponential(1)})`
  );
}

/**
 * Let V8 optimise the JS and tier up the wasm kernels on small problems first
 * (numpy needs no such warm-up), so no figure includes compilation.
 */
function warmUp() {
  for (const [n, d, times] of [[2000, 64, 12], [600, 256, 3]]) {
    const a = features(n, d, 3, 0), b = features(n, d, 4, 0);
    for (let r = 0; r < times; r++) {
      const sa = meanCov({ data: a, rows: n, dims: d });
      const sb = meanCov({ data: b, rows: n, dims: d });
      frechetDistance(sa.mean, sa.cov, sb.mean, sb.cov);
    }
  }
}

/** Float32 features with a decaying spectrum, like a network's: 24 latent factors plus noise. */
function features(n, d, seed, shift) {
  const next = gaussian(seed);
  const k = 24;
  const mix = Float64Array.from({ length: k * d }, () => next());
  for (let f = 0; f < k; f++) for (let j = 0; j < d; j++) mix[f * d + j] /= 1 + f;
  const out = new Float32Array(n * d);
  const z = new Float64Array(k);
  for (let i = 0; i < n; i++) {
    for (let f = 0; f < k; f++) z[f] = next();
    const row = i * d;
    for (let j = 0; j < d; j++) {
      let v = shift + 0.1 * next();
      for (let f = 0; f < k; f++) v += z[f] * mix[f * d + j];
      out[row + j] = v;
    }
  }
  return out;
}

/** Seeded standard normals (mulberry32 + Box–Muller). */
function gaussian(seed) {
  let s = seed >>> 0;
  const uniform = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
}

function runPython(files, dims) {
  // pytorch-fid's calculate_activation_statistics + calculate_frechet_distance, timed after a small warm-up.
  // Small sizes take the best of 3 in-process runs: a fresh process's first large allocations would dominate.
  const inner = dims <= 512 ? 3 : 1;
  const script = `
import json, sys, time
import numpy as np, scipy.linalg
a = np.fromfile(sys.argv[1], dtype='<f4').reshape(-1, ${dims})
b = np.fromfile(sys.argv[2], dtype='<f4').reshape(-1, ${dims})
def fid(a, b):
    t0 = time.perf_counter()
    mu1, s1 = np.mean(a, axis=0, dtype=np.float64), np.cov(a, rowvar=False)
    mu2, s2 = np.mean(b, axis=0, dtype=np.float64), np.cov(b, rowvar=False)
    t1 = time.perf_counter()
    covmean, _ = scipy.linalg.sqrtm(s1.dot(s2), disp=False)
    value = float(((mu1 - mu2) ** 2).sum() + np.trace(s1) + np.trace(s2) - 2 * np.trace(covmean.real))
    t2 = time.perf_counter()
    return {'stats': t1 - t0, 'sqrtm': t2 - t1, 'fid': value}
fid(a[:300, :64], b[:300, :64])
print(json.dumps(min((fid(a, b) for _ in range(${inner})), key=lambda r: r['stats'] + r['sqrtm'])))
`;
  const out = execFileSync(PYTHON, ['-c', script, ...files], { encoding: 'utf8', maxBuffer: 1 << 20 });
  return JSON.parse(out.trim().split('\n').pop());
}

function checkPython() {
  const probe = spawnSync(
    PYTHON,
    ['-c', 'import numpy, scipy; print(f"numpy {numpy.__version__}, scipy {scipy.__version__}")'],
    { encoding: 'utf8' },
  );
  if (probe.error || probe.status !== 0) {
    const why = probe.error ? probe.error.message : probe.stderr.trim().split('\n').pop();
    return { ok: false, about: `SKIPPED numpy/scipy comparison: ${PYTHON} cannot import numpy and scipy (${why})` };
  }
  const blas = Object.entries(process.env)
    .filter(([k]) => k.startsWith('OPENBLAS_'))
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  return { ok: true, about: `${probe.stdout.trim()} via ${PYTHON}${blas ? ` (${blas})` : ''}` };
}

/** Build dist/ when it is missing or older than src/metrics. */
function ensureBuilt() {
  const srcDir = join(ROOT, 'src', 'metrics');
  const sources = readdirSync(srcDir, { recursive: true }).filter((f) => String(f).endsWith('.ts'));
  const newest = Math.max(...sources.map((f) => statSync(join(srcDir, String(f))).mtimeMs));
  if (existsSync(DIST) && statSync(DIST).mtimeMs >= newest) return;
  console.log('Building dist/ (npx tsc -p tsconfig.build.json) …');
  // tsc still emits when other modules have type errors; only a missing output is fatal.
  spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'inherit' });
  if (!existsSync(DIST)) {
    console.error(`bench/fid.mjs: ${DIST} is still missing after the build`);
    process.exit(1);
  }
}

function fmt(seconds) {
  return seconds < 1 ? `${(seconds * 1e3).toFixed(1)} ms` : `${seconds.toFixed(2)} s`;
}

#!/usr/bin/env node
// Does the augmentation help? The measured figure of the README's "Does it help? (evaluate)":
//
//   1. builds bench/data/fmnist-lt if it is missing (7 classes x 1000, pullover/coat/shirt x 50; the
//      official test split under test/),
//   2. runs the whole pipeline on fmnist-lt/train at the DEFAULT config (only input, out and seed set),
//      timing it against the 20-minute budget,
//   3. runs `gan-augment evaluate` against fmnist-lt/test with 3 seeds,
//   4. prints the mean recall of pullover, coat and shirt for real+synthetic vs the best of
//      real / oversample / class-weight, and writes everything to <out>/bench-eval.json.
//
// Usage: npm run eval [-- options]
//   --out <dir>        run folder (default bench/out/eval-fmnist-lt)
//   --skip-run         reuse the run already in --out (only evaluate again)
//   --seeds <n>        evaluate seeds (default 3)
//   --steps <n>        evaluate training steps per classifier (default: evaluate's own)
//   --set <k=v ...>    extra config overrides for the run (the figure is for the default config: say so)
//   --backend <name>   tfjs backend (default auto)
// Prints progress to stderr, the figures to stdout.

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DATA = join(ROOT, 'bench/data/fmnist-lt');
const BUDGET_SECONDS = 20 * 60;
const SCARCE = ['pullover', 'coat', 'shirt'];

function parseArgs(argv) {
  const o = { out: join(ROOT, 'bench/out/eval-fmnist-lt'), skipRun: false, seeds: '3', steps: null, set: [], backend: 'auto' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--out') o.out = resolve(argv[++i]);
    else if (a === '--skip-run') o.skipRun = true;
    else if (a === '--seeds') o.seeds = argv[++i];
    else if (a === '--steps') o.steps = argv[++i];
    else if (a === '--backend') o.backend = argv[++i];
    else if (a === '--set') while (argv[i + 1] && !argv[i + 1].startsWith('--')) o.set.push(argv[++i]);
    else throw new Error(`unknown option ${a}`);
  }
  return o;
}

/** Runs a command, streaming its stderr; resolves with stdout. */
function run(cmd, args, { quietStdout = false } = {}) {
  return new Promise((res, rej) => {
    const child = spawn(cmd, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      if (!quietStdout) process.stderr.write(d);
    });
    child.on('error', rej);
    child.on('close', (code) => (code === 0 ? res(out) : rej(new Error(`${cmd} ${args.join(' ')} exited ${code}`))));
  });
}

const opts = parseArgs(process.argv.slice(2));
const load = () => os.loadavg()[0].toFixed(1);
const started = new Date().toISOString();
const loadBefore = load();

if (!existsSync(join(DATA, 'train')) || !existsSync(join(DATA, 'test'))) {
  process.stderr.write('building bench/data/fmnist-lt …\n');
  await run(process.execPath, [join(ROOT, 'bench/make-fmnist-lt.mjs')]);
}
process.stderr.write('building dist/ …\n');
await run('npm', ['run', '--silent', 'build']);

const cli = join(ROOT, 'bin/gan-augment.js');
let runSeconds = null;
if (!opts.skipRun) {
  await mkdir(opts.out, { recursive: true });
  const config = join(dirname(opts.out), `${opts.out.split('/').pop()}.yaml`);
  // The default config: nothing but where to read and write, and a fixed seed.
  await writeFile(config, `input: ${join(DATA, 'train')}\nout: ${opts.out}\nseed: 0\n`);
  process.stderr.write(`run: ${config}${opts.set.length ? ` --set ${opts.set.join(' ')}` : ''} (load average ${loadBefore} on ${os.availableParallelism()} cores)\n`);
  const t0 = performance.now();
  await run(process.execPath, [cli, 'run', config, '--force', '--backend', opts.backend, ...(opts.set.length ? ['--set', ...opts.set] : [])], { quietStdout: true });
  runSeconds = (performance.now() - t0) / 1000;
}
const summary = JSON.parse(await readFile(join(opts.out, 'summary.json'), 'utf8'));

const t1 = performance.now();
const evalArgs = [cli, 'evaluate', '--manifest', join(opts.out, 'manifest.jsonl'), '--test', join(DATA, 'test'), '--seeds', opts.seeds, '--scarce', SCARCE.join(','), '--backend', opts.backend, '--json'];
if (opts.steps) evalArgs.push('--steps', opts.steps);
const result = JSON.parse(await run(process.execPath, evalArgs, { quietStdout: true }));
const evalSeconds = (performance.now() - t1) / 1000;

const row = (name) => result.rows.find((r) => r.name === name);
const p = (x) => (100 * x).toFixed(1);
const lines = [
  `fmnist-lt: ${summary.classes.reduce((s, c) => s + c.before, 0)} real training images; ${summary.classes.reduce((s, c) => s + c.synthetic, 0)} synthetic kept`,
  `pipeline (${opts.set.length ? `default config + --set ${opts.set.join(' ')}` : 'default config'}): ${runSeconds === null ? 'reused' : `${(runSeconds / 60).toFixed(1)} min`} (budget ${BUDGET_SECONDS / 60} min; summary total ${(summary.durations.total / 60).toFixed(1)} min, train ${(summary.durations.train / 60).toFixed(1)} min); backend ${summary.backend.name}`,
  `evaluate: ${result.seeds.length} seeds × 4 classifiers, ${result.settings.steps} steps of ${result.settings.batchSize}; ${(evalSeconds / 60).toFixed(1)} min`,
  `load average: ${loadBefore} before, ${load()} after, on ${os.availableParallelism()} cores (other processes share this machine)`,
  '',
  `training set   bal.acc %     macro-F1 %    recall ${SCARCE.join(' / ')} %      mean scarce recall %`,
  ...['real', 'oversample', 'class-weight', 'synthetic'].map((n) => {
    const r = row(n);
    return `${n.padEnd(13)}  ${`${p(r.balancedAccuracy)} ± ${p(r.std.balancedAccuracy)}`.padEnd(12)}  ${`${p(r.macroF1)} ± ${p(r.std.macroF1)}`.padEnd(12)}  ${SCARCE.map((l) => p(r.recall[l])).join(' / ').padEnd(32)}  ${p(r.scarceRecall)} ± ${p(r.std.scarceRecall)}`;
  }),
  '',
  `gain of real+synthetic over the best alternative (${result.best}): ${result.gain >= 0 ? '+' : ''}${result.gain.toFixed(1)} points (± ${result.gainStd.toFixed(1)} over seeds); goal ≥ +3: ${result.gain >= 3 ? 'MET' : 'NOT MET'}`,
];
process.stdout.write(lines.join('\n') + '\n');
await writeFile(
  join(opts.out, 'bench-eval.json'),
  JSON.stringify({ started, runSeconds, evalSeconds, budgetSeconds: BUDGET_SECONDS, set: opts.set, loadBefore: Number(loadBefore), loadAfter: Number(load()), cores: os.availableParallelism(), result }, null, 2) + '\n',
);

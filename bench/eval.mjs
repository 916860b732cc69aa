#!/usr/bin/env node
// Does it help? The measured figure of the README's "Does it help? (evaluate)":
//
//   1. builds bench/data/<dataset> if it is missing (bench/make-fmnist-lt.mjs or bench/make-public-lt.mjs):
//      fmnist-lt   7 classes x 1000, pullover/coat/shirt x 50        (test: the official split, 1000 per class)
//      fmnist-lt2  7 classes x 1000, sandal/bag/trouser x 20         (the same test split)
//      fmnist-mid  7 classes x 1000, pullover/coat/shirt x 200       (the same test split)
//      fmnist-lt7  trouser/bag/sneaker x 1000, the other seven x 50  (the same test split)
//      photo-lt    6 classes of 32x32 RGB photo patches x 500, three x 20 (test: 200 per class)
//      digits-lt   10 classes of 8x8 grey digits x 120, five x 15     (test: the other 54-63 per digit)
//   2. runs the whole pipeline on <dataset>/train at the DEFAULT config (only input, out and seed set),
//      timing it against the 20-minute budget — the do-no-harm guard included,
//   3. runs `gan-augment evaluate` against <dataset>/test with 5 seeds: every classical row (real,
//      oversample, class-weight, logit-adjust) and the synthetic row, each with its paired per-seed
//      difference to the best classical row and the 95 % t-interval, and the verdict,
//   4. prints that, the guard's decision per class, and writes everything to <out>/bench-eval.json.
//
// Usage: npm run eval [-- options]
//   --dataset <name>   fmnist-lt (default) | fmnist-lt2 | fmnist-mid | fmnist-lt7 | photo-lt | digits-lt
//   --out <dir>        run folder (default bench/out/eval-<dataset>)
//   --skip-run         reuse the run already in --out (only evaluate again)
//   --seeds <n>        evaluate seeds (default 5; with --gan-seeds, per training, default 1)
//   --gan-seeds <k>    train the GAN k times (seeds 0..k-1, run folders <out>/gan-seed-<i>), evaluate each on its
//                      own classifier seeds, and pool them (`evaluate` with one --manifest per training): each
//                      training is one paired unit, so the interval covers the GAN's training as well as the
//                      classifier's (src/evaluate/pool.ts). Default 1.
//   --steps <n>        evaluate training steps per classifier (default: evaluate's own)
//   --tune-seeds <n>   evaluate's validation-split seeds (default: evaluate's own, 0 since 2026-12-05: the
//                      manifests exactly as written, what the run delivers, nothing chosen; n > 0 lets the split choose)
//   --set <k=v ...>    extra config overrides for the run (the figure is for the default config: say so)
//   --backend <name>   tfjs backend (default auto)
// Prints progress to stderr, the figures to stdout.

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { SPLITS as FMNIST_SPLITS } from './make-fmnist-lt.mjs';
import { SPLITS as PUBLIC_SPLITS, buildPublicSplit } from './make-public-lt.mjs';

const SPLITS = { ...FMNIST_SPLITS, ...PUBLIC_SPLITS };

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const BUDGET_SECONDS = 20 * 60;

function parseArgs(argv) {
  const o = { dataset: 'fmnist-lt', out: null, skipRun: false, seeds: null, ganSeeds: 1, steps: null, tuneSeeds: null, set: [], backend: 'auto' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--dataset') o.dataset = argv[++i];
    else if (a === '--out') o.out = resolve(argv[++i]);
    else if (a === '--skip-run') o.skipRun = true;
    else if (a === '--seeds') o.seeds = argv[++i];
    else if (a === '--gan-seeds') o.ganSeeds = Number(argv[++i]);
    else if (a === '--steps') o.steps = argv[++i];
    else if (a === '--tune-seeds') o.tuneSeeds = argv[++i];
    else if (a === '--backend') o.backend = argv[++i];
    else if (a === '--set') while (argv[i + 1] && !argv[i + 1].startsWith('--')) o.set.push(argv[++i]);
    else throw new Error(`unknown option ${a}`);
  }
  if (!SPLITS[o.dataset]) throw new Error(`--dataset: expected one of ${Object.keys(SPLITS).join(', ')}, received "${o.dataset}"`);
  if (!Number.isInteger(o.ganSeeds) || o.ganSeeds < 1) throw new Error(`--gan-seeds: expected a whole number ≥ 1, received "${argv[argv.indexOf('--gan-seeds') + 1]}"`);
  o.seeds ??= o.ganSeeds > 1 ? '1' : '5';
  o.out ??= join(ROOT, `bench/out/eval-${o.dataset}`);
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
const DATA = join(ROOT, 'bench/data', opts.dataset);
const SCARCE = SPLITS[opts.dataset].scarce;
const load = () => os.loadavg()[0].toFixed(1);
const started = new Date().toISOString();
const loadBefore = load();

if (!existsSync(join(DATA, 'train')) || !existsSync(join(DATA, 'test'))) {
  process.stderr.write(`building bench/data/${opts.dataset} …\n`);
  if (PUBLIC_SPLITS[opts.dataset]) await buildPublicSplit(opts.dataset, DATA);
  else await run(process.execPath, [join(ROOT, 'bench/make-fmnist-lt.mjs'), '--split', opts.dataset]);
}
process.stderr.write('building dist/ …\n');
await run('npm', ['run', '--silent', 'build']);

const cli = join(ROOT, 'bin/gan-augment.js');
const setText = opts.set.length ? ` --set ${opts.set.join(' ')}` : '';

/** Runs the pipeline at the default config (+ --set) with GAN seed `seed` into `out`; resolves with its seconds. */
async function pipeline(out, seed) {
  await mkdir(out, { recursive: true });
  const config = join(dirname(out), `${out.split('/').pop()}.yaml`);
  // The default config: nothing but where to read and write, and the seed.
  await writeFile(config, `input: ${join(DATA, 'train')}\nout: ${out}\nseed: ${seed}\n`);
  process.stderr.write(`run: ${config}${setText} (load average ${load()} on ${os.availableParallelism()} cores)\n`);
  const t0 = performance.now();
  await run(process.execPath, [cli, 'run', config, '--force', '--backend', opts.backend, ...(opts.set.length ? ['--set', ...opts.set] : [])], { quietStdout: true });
  return (performance.now() - t0) / 1000;
}

/**
 * Evaluates the runs in `outs` on classifier seeds numbered from 0 (--seeds per run); several are pooled by
 * `evaluate` itself (each run one paired unit; the pooled result in <out>/evaluate-pooled.json).
 */
async function evaluateRuns(outs) {
  const t1 = performance.now();
  const evalArgs = [cli, 'evaluate', ...outs.flatMap((o) => ['--manifest', join(o, 'manifest.jsonl')]), '--test', join(DATA, 'test'), '--seeds', opts.seeds, '--scarce', SCARCE.join(','), '--backend', opts.backend, '--json'];
  if (outs.length > 1) evalArgs.push('--out', join(opts.out, 'evaluate-pooled.json'));
  if (opts.steps) evalArgs.push('--steps', opts.steps);
  if (opts.tuneSeeds !== null) evalArgs.push('--tune-seeds', opts.tuneSeeds);
  const result = JSON.parse(await run(process.execPath, evalArgs, { quietStdout: true }));
  return { result, evalSeconds: (performance.now() - t1) / 1000 };
}

const pooled = opts.ganSeeds > 1;
const trainings = [];
for (let k = 0; k < opts.ganSeeds; k++) {
  const out = pooled ? join(opts.out, `gan-seed-${k}`) : opts.out;
  if (pooled) process.stderr.write(`GAN training ${k + 1} of ${opts.ganSeeds} (seed ${k}) …\n`);
  const runSeconds = opts.skipRun ? null : await pipeline(out, k);
  trainings.push({ out, runSeconds, summary: JSON.parse(await readFile(join(out, 'summary.json'), 'utf8')) });
}
const { result, evalSeconds } = await evaluateRuns(trainings.map((t) => t.out));
for (const t of trainings) t.result = pooled ? JSON.parse(await readFile(join(t.out, 'evaluate.json'), 'utf8')) : result;

const { formatEvaluation } = await import(join(ROOT, 'dist/evaluate/format.js'));
const { summary, runSeconds } = trainings[0];
const minutes = (s) => `${(s / 60).toFixed(1)} min`;
const added = (key) => summary.classes.reduce((s, c) => s + (c[key] ?? 0), 0);
const guardLines = (guard) =>
  guard
    ? [
        `guard (${guard.mode}; ${guard.seeds.length} seeds of ${guard.steps} steps on the GAN's held-out images: ${Object.entries(guard.heldOut).map(([l, n]) => `${l} ${n}`).join(', ')}):`,
        ...guard.perClass.map((c) => `  ${c.label.padEnd(10)} ${c.decision.padEnd(8)} held-out recall ${(100 * c.withSynthetic).toFixed(1)} % with synthetic, ${(100 * c.without).toFixed(1)} % without — ${c.reason}`),
        // Each set tested side by side, judged on the scarce classes together (absent in older summaries).
        ...(guard.rounds ?? []).map((r) => `  together, with the synthetic images of ${r.classes.join(', ')}: ${r.helps ? 'a gain' : 'no gain'} — ${r.reason}`),
      ]
    : ['guard: off'];
const runLine = (t, k) =>
  `pipeline (${opts.set.length ? `default config +${setText}` : 'default config'}${pooled ? `, GAN seed ${k}` : ''}): ${t.runSeconds === null ? 'reused' : minutes(t.runSeconds)} (budget ${BUDGET_SECONDS / 60} min; summary total ${minutes(t.summary.durations.total)}, train ${minutes(t.summary.durations.train)}${t.summary.incremental?.train === 'reused' ? ' (models reused from the previous run)' : ''}, guard ${minutes(t.summary.durations.guard ?? 0)}); backend ${t.summary.backend.name}`;
// A manifest with no synthetic image: evaluate takes the synthetic row from the oversample row's classifier.
const reused = (r) => r.rows.find((row) => row.name === 'synthetic')?.seconds === 0;
const trained = (r) => (reused(r) ? '3 classifiers' : '4 classifiers');
const tuned = (r) => (r.tuning ? r.tuning.candidates.length * r.tuning.seeds.length : 0);
const lines = [
  `${opts.dataset}: ${added('before')} real training images; ${added('synthetic')} synthetic and ${added('oversampled')} oversampled in the manifest${pooled ? ` of GAN training 0 (${trainings.map((t) => `${t.summary.classes.reduce((s, c) => s + (c.synthetic ?? 0), 0)}`).join(' / ')} synthetic over the ${opts.ganSeeds} trainings)` : ''}`,
  ...trainings.map(runLine),
  `evaluate: ${pooled ? `${opts.ganSeeds} trainings × ` : ''}${trainings[0].result.seeds.length} seed${trainings[0].result.seeds.length === 1 ? '' : 's'} × ${trained(trainings[0].result)} (+ ${tuned(trainings[0].result)} on the validation split${pooled ? ' each' : ''}${reused(trainings[0].result) ? "; the synthetic row is the oversample row's, the same training set" : ''}), ${result.settings.steps} steps of ${result.settings.batchSize}; ${minutes(evalSeconds)}`,
  `load average: ${loadBefore} before, ${load()} after, on ${os.availableParallelism()} cores (other processes share this machine)`,
  '',
  ...trainings.flatMap((t, k) => [...(pooled ? [`GAN training ${k}:`] : []), ...guardLines(t.summary.guard), '']),
  formatEvaluation(result),
];
process.stdout.write(lines.join('\n') + '\n');
await writeFile(
  join(opts.out, 'bench-eval.json'),
  JSON.stringify(
    {
      dataset: opts.dataset,
      started,
      runSeconds,
      evalSeconds,
      ...(pooled ? { trainings: trainings.map((t) => ({ out: t.out, runSeconds: t.runSeconds, result: t.result })) } : {}),
      budgetSeconds: BUDGET_SECONDS,
      set: opts.set,
      loadBefore: Number(loadBefore),
      loadAfter: Number(load()),
      cores: os.availableParallelism(),
      result,
    },
    null,
    2,
  ) + '\n',
);

import type { Command } from 'commander';
import { access } from 'node:fs/promises';
import path from 'node:path';
import { describeBackend, initBackend } from '../backend/select.js';
import { BACKENDS } from '../config/schema.js';
import { UserError } from '../errors.js';
import { formatEvaluation } from '../evaluate/format.js';
import { evaluate, EVALUATE_RUN_DEFAULTS } from '../evaluate/run.js';
import { EVAL_DEFAULTS } from '../evaluate/train.js';
import { writeReport } from '../report/write.js';
import { writeFileAtomic } from '../util/fs.js';

interface EvaluateFlags {
  manifest: string;
  test: string;
  seeds: string;
  seed: string;
  steps: string;
  batchSize: string;
  scarce?: string;
  tuneSeeds: string;
  tau: string;
  json?: boolean;
  out?: string;
  report: boolean;
  backend: string;
  quiet?: boolean;
}

const int = (flag: string, v: string, min: number): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new UserError(`${flag}: expected an integer ≥ ${min}, received "${v}"`);
  return n;
};

export function registerEvaluate(program: Command, signal: AbortSignal): void {
  program
    .command('evaluate')
    .description(
      'train the same small classifier on real only, real + oversampling, real + class weights (and the real one with logit adjustment), and real + synthetic; test each on held-out real images and say whether the synthetic images help',
    )
    .requiredOption('--manifest <file>', 'manifest.jsonl of a run (real and synthetic images)')
    .requiredOption('--test <dir>', 'held-out real images, one folder per class (never the training folder)')
    .option('--seeds <n>', 'seeds to average over (each trains all four classifiers); ≥ 2 for a confidence interval', String(EVALUATE_RUN_DEFAULTS.seeds))
    .option('--seed <n>', 'first seed', '0')
    .option('--steps <n>', 'training steps per classifier (the same budget for every arm)', String(EVAL_DEFAULTS.steps))
    .option('--batch-size <n>', 'images per step', String(EVAL_DEFAULTS.batchSize))
    .option('--scarce <labels>', 'comma-separated classes to judge the gain on (default: those with synthetic images)')
    .option('--tune-seeds <n>', "seeds of the validation-split choice of the synthetic row's labels and mix (0 = use them as delivered)", String(EVALUATE_RUN_DEFAULTS.tuneSeeds))
    .option('--tau <x>', 'τ of the logit-adjust row (fixed, not tuned)', String(EVALUATE_RUN_DEFAULTS.tau))
    .option('--json', 'print the result as JSON on stdout')
    .option('--out <file>', 'where to write the result (default: evaluate.json beside the manifest)')
    .option('--no-report', "do not add the result to report.html beside the manifest")
    .option('--backend <name>', BACKENDS.join(' | '), 'auto')
    .option('-q, --quiet', 'no progress output')
    .action(async (flags: EvaluateFlags) => {
      const n = int('--seeds', flags.seeds, 1);
      const first = int('--seed', flags.seed, 0);
      const steps = int('--steps', flags.steps, 1);
      const batchSize = int('--batch-size', flags.batchSize, 2);
      const tuneSeeds = int('--tune-seeds', flags.tuneSeeds, 0);
      const tau = Number(flags.tau);
      if (!Number.isFinite(tau) || tau < 0) throw new UserError(`--tau: expected a number ≥ 0, received "${flags.tau}"`);
      const backendName = BACKENDS.find((b) => b === flags.backend);
      if (!backendName) throw new UserError(`--backend: expected one of ${BACKENDS.join(', ')}, received "${flags.backend}"`);
      const backend = await initBackend(backendName);
      const say = (s: string) => !flags.quiet && process.stderr.write(`${s}\n`);
      say(describeBackend(backend));
      const t0 = performance.now();
      const result = await evaluate({
        manifest: flags.manifest,
        test: flags.test,
        seeds: Array.from({ length: n }, (_, i) => first + i),
        settings: { steps, batchSize },
        tuneSeeds,
        tau,
        ...(flags.scarce ? { scarce: flags.scarce.split(',').map((s) => s.trim()).filter(Boolean) } : {}),
        signal,
        onEvent: (e) => {
          if (e.type === 'tune') say(`validation: ${e.chosen ? 'chose' : 'tried'} ${e.use.targets} labels, mix ${e.use.mix}: scarce recall ${(100 * e.scarceRecall).toFixed(1)}%, balanced acc ${(100 * e.balancedAccuracy).toFixed(1)}%`);
          else if (e.type === 'loaded') say(`evaluate: ${e.real} real + ${e.synthetic} synthetic${e.oversampled ? ` + ${e.oversampled} oversampled (filter.shortfall)` : ''} training images, ${e.test} test images; scarce: ${e.scarce.join(', ')}`);
          else if (e.type === 'arm')
            say(
              `seed ${e.seed} · ${e.arm.padEnd(12)} balanced acc ${(100 * e.figures.balancedAccuracy).toFixed(1)}%  scarce recall ${(100 * e.figures.scarceRecall).toFixed(1)}%  (${e.seconds.toFixed(0)} s; ${((performance.now() - t0) / 1000).toFixed(0)} s so far)`,
            );
        },
      });
      const { notes, ...out } = result;
      for (const note of notes) process.stderr.write(`note: ${note}\n`);
      const file = flags.out ?? path.join(path.dirname(path.resolve(flags.manifest)), 'evaluate.json');
      await writeFileAtomic(file, JSON.stringify(out, null, 2) + '\n');
      const dir = path.dirname(path.resolve(flags.manifest));
      const reported = flags.report && path.resolve(file) === path.join(dir, 'evaluate.json') && (await access(path.join(dir, 'summary.json')).then(() => true, () => false));
      if (reported) await writeReport(dir);
      if (flags.json) {
        process.stdout.write(JSON.stringify(out) + '\n');
        return;
      }
      process.stdout.write(`\n${formatEvaluation(out)}\nwrote ${file}${reported ? ` and ${path.join(dir, 'report.html')}` : ''}\n`);
    });
}

import { Option, type Command } from 'commander';
import path from 'node:path';
import { BACKENDS } from '../config/schema.js';
import { QualityGateError, UserError } from '../errors.js';
import { evaluateGate, FAIL_ON, type FailOn } from '../evaluate/gate.js';
import { formatEvaluation, targetsText } from '../evaluate/format.js';
import { poolTrainings } from '../evaluate/pool.js';
import type { ClassifierThreads } from '../evaluate/arm-pool.js';
import type { EvaluationResult } from '../evaluate/types.js';
import { EVALUATE_DEFAULTS, EVALUATE_RUN_DEFAULTS, MAX_AUTO_THREADS } from '../config/defaults.js';
import { writeReport } from '../report/write.js';
import { exists, writeFileAtomic } from '../util/fs.js';
import { formatEta } from '../util/text.js';
import { secondsLeft } from '../time-left.js';
import { outLayout } from '../out/layout.js';
import { backendOption, examples, intOption, numberOption, threadsOption } from './options.js';

interface EvaluateFlags {
  manifest: string[];
  test: string;
  seeds: number;
  seed: number;
  steps?: number;
  batchSize: number;
  scarce?: string;
  tuneSeeds: number;
  tau: number;
  json?: boolean;
  out?: string;
  report: boolean;
  backend: string;
  quiet?: boolean;
  failOn: FailOn;
  threads: ClassifierThreads;
}

export function registerEvaluate(program: Command, signal: AbortSignal): void {
  program
    .command('evaluate')
    .description(
      'train the same small classifier on real only, real + oversampling, real + class weights, and real + synthetic, and logit-adjust the real-only one; test each on held-out real images',
    )
    .requiredOption(
      '--manifest <file>',
      'manifest.jsonl of a run (real and synthetic images); repeat it for runs of the same config with other seeds (GAN trainings) to pool them: each run is then one paired unit, evaluated on its own seeds',
      (v: string, prev: string[] | undefined) => [...(prev ?? []), v],
    )
    .requiredOption('--test <dir>', 'held-out real images, one folder per class (never the training folder)')
    .addOption(intOption('--seeds <n>', `seeds to average over (each trains all four classifiers); ≥ 2 for a confidence interval. With several --manifest: per run (default 1), numbered on from the previous run's`, 1, EVALUATE_RUN_DEFAULTS.seeds))
    .addOption(intOption('--seed <n>', 'first seed', 0, 0))
    .addOption(intOption('--steps <n>', `training steps per classifier, the same for every arm (default: ${EVALUATE_DEFAULTS.passes} passes over the largest arm's images, at least ${EVALUATE_DEFAULTS.minSteps})`, 1))
    .addOption(intOption('--batch-size <n>', 'images per step', 2, EVALUATE_DEFAULTS.batchSize))
    .option('--scarce <labels>', 'comma-separated classes to judge the gain on (default: those with synthetic images)')
    .addOption(intOption('--tune-seeds <n>', "n > 0: choose the synthetic row's labels (the manifest's or hard) and mix (all its synthetic images or the best half) on a validation split carved from its real images, over n seeds; 0: the manifest as written, what training on it gives", 0, EVALUATE_RUN_DEFAULTS.tuneSeeds))
    .addOption(numberOption('--tau <x>', 'τ of the logit-adjust row (fixed, not tuned)', 0, EVALUATE_RUN_DEFAULTS.tau))
    .addOption(threadsOption('--threads <n>', `threads that train the classifiers, one classifier each (\`auto\`: one per core, at most ${MAX_AUTO_THREADS}, on the wasm or native backend); the figures are the same on any count`))
    .option('--json', 'print the result as JSON on stdout')
    .option('--out <file>', 'where to write the result (default: evaluate.json beside the manifest; required with several --manifest, for the pooled result — each run still gets its own evaluate.json)')
    .option('--no-report', "do not add the result to report.html beside the manifest")
    .addOption(
      new Option('--fail-on <when>', 'exit 3 (after writing the result) when the synthetic data does harm — below oversampling with 95 % confidence on scarce recall or balanced accuracy — or, with no-help, whenever the verdict is not "helps"; for a CI step')
        .choices([...FAIL_ON])
        .default('never'),
    )
    .addOption(backendOption('auto'))
    .option('-q, --quiet', 'no progress output')
    .addHelpText(
      'after',
      examples(
        ['gan-augment evaluate --manifest out/quickstart/manifest.jsonl --test fixtures/fmnist-tiny-test', "the demo's run against the held-out fixture; adds the result to report.html"],
        ['gan-augment evaluate --manifest out/manifest.jsonl --test data/test --seeds 5 --json', 'more seeds, the result as JSON on stdout'],
        ['gan-augment evaluate --manifest out/manifest.jsonl --test data/test --seeds 5 --fail-on harm', 'a CI step: exit 3 if the synthetic data is below oversampling with confidence'],
        ['gan-augment evaluate --manifest out-s0/manifest.jsonl --manifest out-s1/manifest.jsonl --manifest out-s2/manifest.jsonl --test data/test --out pooled.json', 'three GAN trainings of one config (seed: 0, 1, 2), pooled: the interval covers the GAN\'s training too'],
      ),
    )
    .action(async (flags: EvaluateFlags, cmd: Command) => {
      const { seed: first, steps, batchSize, tuneSeeds } = flags;
      const manifests = flags.manifest;
      const pooled = manifests.length > 1;
      if (pooled && !flags.out) throw new UserError(`--out: ${manifests.length} manifests pool into one result; name the file to write it to (each run's own result is written to evaluate.json beside its manifest)`);
      const seen = new Set<string>();
      for (const m of manifests) {
        const r = path.resolve(m);
        if (seen.has(r)) throw new UserError(`--manifest: ${m} is given twice; each run is one unit, so pooling it twice would count one GAN training as two`);
        seen.add(r);
        if (pooled && path.resolve(flags.out!) === outLayout(path.dirname(r)).evaluate) throw new UserError(`--out: ${flags.out} is ${m}'s own evaluate.json; write the pooled result elsewhere`);
      }
      // With several runs each is one unit, the mean of its seeds: one seed per run unless asked.
      const n = pooled && cmd.getOptionValueSource('seeds') === 'default' ? 1 : flags.seeds;
      const tau = flags.tau;
      const backendName = BACKENDS.find((b) => b === flags.backend);
      if (!backendName) throw new UserError(`--backend: expected one of ${BACKENDS.join(', ')}, received "${flags.backend}"`);
      const [{ describeBackend, initBackend }, { evaluate }] = await Promise.all([import('../backend/select.js'), import('../evaluate/run.js')]);
      const backend = await initBackend(backendName);
      const say = (s: string) => !flags.quiet && process.stderr.write(`${s}\n`);
      say(describeBackend(backend));
      const t0 = performance.now();
      // This run's classifiers, for the time left (each run of a pool counts its own).
      let classifiers = { total: 0, done: 0, since: t0 };
      const results: EvaluationResult[] = [];
      const files: string[] = [];
      for (const [k, manifest] of manifests.entries()) {
        if (pooled) say(`run ${k + 1} of ${manifests.length}: ${manifest}`);
        const result = await evaluate({
          manifest,
          test: flags.test,
          seeds: Array.from({ length: n }, (_, i) => first + k * n + i),
          // Every run of a pool trains as many steps as the first (its budget), so that they are measured alike.
          settings: { ...(steps !== undefined ? { steps } : results[0] ? { steps: results[0].settings.steps } : {}), batchSize },
          tuneSeeds,
          tau,
          threads: flags.threads,
          ...(flags.scarce ? { scarce: flags.scarce.split(',').map((s) => s.trim()).filter(Boolean) } : {}),
          signal,
          onEvent: (e) => {
            if (e.type === 'tune') say(`validation: ${e.chosen ? 'chose' : 'tried'} ${targetsText(e.use)}, mix ${e.use.mix}: scarce recall ${(100 * e.scarceRecall).toFixed(1)}%, balanced acc ${(100 * e.balancedAccuracy).toFixed(1)}%`);
            else if (e.type === 'threads') {
              say(`classifiers: ${e.threads} at a time (${e.reason})`);
              classifiers = { total: e.classifiers, done: 0, since: performance.now() };
            }
            else if (e.type === 'loaded') say(`evaluate: ${e.real} real + ${e.synthetic} synthetic${e.oversampled ? ` + ${e.oversampled} oversampled (real images the run listed again: the fill's real part under deliver.share, guard fallback, filter shortfall)` : ''} training images, ${e.test} test images; scarce: ${e.scarce.join(', ')}; ${e.steps} steps of ${e.batchSize} per classifier`);
            else if (e.type === 'arm') {
              // A row of its own classifier (not logit-adjust's reuse of the real one, nor a twin's): one more done.
              const own = e.arm !== 'logit-adjust' && !e.sameAs;
              if (own) classifiers.done++;
              const now = performance.now();
              const seconds = own ? secondsLeft(classifiers.done, classifiers.total, (now - classifiers.since) / 1000) : null;
              const left = seconds !== null ? `; ${classifiers.done} of ${classifiers.total} classifiers, about ${formatEta(seconds)} left` : '';
              say(
                `seed ${e.seed} · ${e.arm.padEnd(12)} balanced acc ${(100 * e.figures.balancedAccuracy).toFixed(1)}%  scarce recall ${(100 * e.figures.scarceRecall).toFixed(1)}%  (${e.sameAs ? `the ${e.sameAs} row's classifier: the same training set` : `${e.seconds.toFixed(0)} s`}; ${((now - t0) / 1000).toFixed(0)} s so far${left})`,
              );
            }
          },
        });
        const { notes, ...out } = result;
        for (const note of notes) process.stderr.write(`note: ${note}\n`);
        const dir = path.dirname(path.resolve(manifest));
        const beside = outLayout(dir);
        const file = pooled ? beside.evaluate : (flags.out ?? beside.evaluate);
        await writeFileAtomic(file, JSON.stringify(out, null, 2) + '\n');
        const besideRun = path.resolve(file) === beside.evaluate;
        const reported = flags.report && besideRun && (await exists(beside.summary));
        if (reported) await writeReport(dir);
        else if (!flags.report && besideRun && (await exists(beside.report))) {
          // The page beside it now lags the result next to it: say so, and how to bring it up to date.
          process.stderr.write(`note: ${beside.report} not rewritten (--no-report): it does not show this result; \`gan-augment report ${dir}\` adds it\n`);
        }
        results.push(out);
        files.push(`${file}${reported ? ` and ${beside.report}` : ''}`);
      }
      const out = pooled ? poolTrainings(results) : results[0]!;
      if (pooled) {
        await writeFileAtomic(flags.out!, JSON.stringify(out, null, 2) + '\n');
        files.push(`${flags.out!} (pooled)`);
      }
      if (flags.json) process.stdout.write(JSON.stringify(out) + '\n');
      else process.stdout.write(`\n${formatEvaluation(out)}\nwrote ${files.join(', ')}\n`);
      // Judged after everything is written and printed: a failed step still leaves its evidence.
      const failed = evaluateGate(out, flags.failOn);
      if (failed) throw new QualityGateError(failed);
    });
}

import type { Command } from 'commander';
import { stringify } from 'yaml';
import { describeBackend, initBackend } from '../backend/select.js';
import { loadConfig } from '../config/load.js';
import { InputError } from '../errors.js';
import { plan, runPipeline, type Summary } from '../pipeline.js';
import { createProgress, progressMode } from '../progress.js';
import { table } from './format.js';

interface RunFlags {
  input?: string;
  out?: string;
  set?: string[];
  backend?: string;
  dryRun?: boolean;
  resume?: boolean;
  force?: boolean;
  quiet?: boolean;
  strict?: boolean;
}

export function registerRun(program: Command, signal: AbortSignal): void {
  program
    .command('run')
    .description('scan, train a conditional GAN, generate, filter and write the augmented dataset')
    .argument('<config>', 'YAML config file (see configs/)')
    .option('--input <dir>', "labelled image folder (overrides the config's input)")
    .option('--out <dir>', "output folder (overrides the config's out)")
    .option('--set <key=value...>', 'override settings, e.g. --set train.steps=200 decode.size=32')
    .option('--backend <name>', 'auto | node-gpu | node | wasm | cpu')
    .option('--dry-run', 'print the resolved config and the plan, then exit')
    .option('--force', 'reuse a non-empty out folder that gan-augment did not make')
    .option('--resume', 'continue training from the checkpoints in <out>/train/ (after Ctrl-C, or with more train.steps)')
    .option('-q, --quiet', 'no progress output')
    .option('--strict', 'exit with code 4 when any input file is rejected (after writing all outputs)')
    .action(async (file: string, flags: RunFlags) => {
      const { config, warnings } = await loadConfig(file, {
        set: flags.set ?? [],
        ...(flags.input !== undefined ? { input: flags.input } : {}),
        ...(flags.out !== undefined ? { out: flags.out } : {}),
        ...(flags.backend !== undefined ? { backend: flags.backend } : {}),
      });
      for (const w of warnings) process.stderr.write(`warning: ${w}\n`);
      if (flags.dryRun) {
        const { balance } = await plan(config);
        process.stdout.write(`# resolved config\n${stringify(config)}\n# plan\n`);
        process.stdout.write(
          table(['class', 'images', 'target', 'deficit'], balance.classes.map((c) => [c.label, c.count, c.target, c.deficit]), [false, true, true, true]) + '\n',
        );
        return;
      }
      const backend = await initBackend(config.backend);
      const mode = progressMode(flags.quiet ?? false);
      if (mode !== 'quiet') process.stderr.write(`${describeBackend(backend)}\n`);
      const progress = createProgress(mode);
      let summary: Summary;
      try {
        summary = await runPipeline(config, { backend, onEvent: progress, signal, force: flags.force ?? false, resume: flags.resume ?? false });
      } finally {
        progress.close();
      }
      printSummary(summary);
      if (flags.strict && summary.rejectedFiles.length > 0) {
        const n = summary.rejectedFiles.length;
        throw new InputError(
          `${n} input file${n === 1 ? '' : 's'} rejected (--strict); outputs were still written`,
          summary.rejectedFiles.map((r) => ({ path: r.path, reason: r.reason ?? '' })),
        );
      }
    });
}

function printSummary(s: Summary): void {
  const rows = s.classes.map((c) => [c.label, c.before, c.synthetic, c.after, c.target]);
  process.stdout.write(
    `\n${table(['class', 'real', 'synthetic', 'after', 'target'], rows, [false, true, true, true, true])}\n\n` +
      `files: ${s.files.ingested} ingested, ${s.files.ignored} ignored, ${s.files.rejected} rejected\n` +
      `backend: ${s.backend.name}; trained ${s.train.steps} steps at ${s.train.imgPerSec.toFixed(0)} img/s; total ${s.durations.total.toFixed(1)} s\n` +
      `wrote ${s.out}/manifest.jsonl, ${s.out}/summary.json, ${s.out}/synthetic/\n`,
  );
}

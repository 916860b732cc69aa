import type { Command } from 'commander';
import { loadConfig } from '../config/load.js';
import { layoutWarnings } from '../dataset/layout.js';
import { printable } from '../progress.js';
import { planFromScan } from '../stages/ingest.js';
import { folderProblems, preflight } from '../stages/preflight.js';
import { UserError } from '../errors.js';
import { examples } from './options.js';
import { lockNote } from '../out/lock.js';

export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description('check a config file, and its input and out folders, and report every problem `run` would refuse at once')
    .argument('<config>', 'YAML config file')
    .option('--input <dir>', "labelled image folder (overrides the config's input)")
    .option('--out <dir>', "output folder (overrides the config's out)")
    .option('--set <key=value...>', 'override a setting, e.g. --set train.steps=200')
    .addHelpText('after', examples(['gan-augment validate my.yaml', 'every problem at once, each with its key and line'], ['gan-augment validate my.yaml --set train.steps=200', 'check an override too']))
    .option('--force', 'check as `run --force` would (reuse a non-empty out folder that gan-augment did not make)')
    .action(async (file: string, opts: { input?: string; out?: string; set?: string[]; force?: boolean }) => {
      const force = opts.force ?? false;
      const { config, warnings } = await loadConfig(file, {
        set: opts.set ?? [],
        ...(opts.input !== undefined ? { input: opts.input } : {}),
        ...(opts.out !== undefined ? { out: opts.out } : {}),
      }).catch(async (err: unknown) => {
        // Every problem at once: an invalid config still gets its input and out folders checked.
        if (!(err instanceof UserError) || !err.folders) throw err;
        const more = await folderProblems(err.folders, { force });
        if (more.length === 0) throw err;
        const all = [...err.problems, ...more];
        throw new UserError(`${file}: ${all.length} problems in the config and its folders`, all);
      });
      for (const w of warnings) process.stderr.write(`warning: ${w}\n`);
      // The same checks, with the same messages, as `run` makes before it touches anything; then the scan
      // (folder names only, nothing decoded), which refuses an input without class folders or a balance
      // map naming a class that is not there.
      await preflight(config, { force });
      const { scan } = await planFromScan(config);
      // Valid, but likely not what was meant (a folder of splits, one class): said, not refused.
      for (const w of layoutWarnings(scan)) process.stderr.write(`warning: ${printable(w)}\n`);
      const note = await lockNote(config.out);
      if (note) process.stderr.write(`warning: ${printable(note)}\n`);
      process.stdout.write(`${file}: valid\n`);
    });
}

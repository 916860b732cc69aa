import type { Command } from 'commander';
import { loadConfig } from '../config/load.js';
import { checkOutFolder } from '../out/folder.js';

export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description('check a config file, and its input and out folders, and report every problem `run` would refuse at once')
    .argument('<config>', 'YAML config file')
    .option('--input <dir>', "labelled image folder (overrides the config's input)")
    .option('--out <dir>', "output folder (overrides the config's out)")
    .option('--set <key=value...>', 'override a setting, e.g. --set train.steps=200')
    .option('--force', 'check as `run --force` would (reuse a non-empty out folder that gan-augment did not make)')
    .action(async (file: string, opts: { input?: string; out?: string; set?: string[]; force?: boolean }) => {
      const { config, warnings } = await loadConfig(file, {
        set: opts.set ?? [],
        ...(opts.input !== undefined ? { input: opts.input } : {}),
        ...(opts.out !== undefined ? { out: opts.out } : {}),
      });
      for (const w of warnings) process.stderr.write(`warning: ${w}\n`);
      // The same checks, with the same messages, as `run` makes before it touches anything.
      await checkOutFolder(config.out, { force: opts.force ?? false, input: config.input, inputMustExist: true });
      process.stdout.write(`${file}: valid\n`);
    });
}

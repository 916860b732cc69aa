import type { Command } from 'commander';
import { loadConfig } from '../config/load.js';
import { examples } from './options.js';

export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description('check a config file and report every problem at once')
    .argument('<config>', 'YAML config file')
    .option('--set <key=value...>', 'override a setting, e.g. --set train.steps=200')
    .addHelpText('after', examples(['gan-augment validate my.yaml', 'every problem at once, each with its key and line'], ['gan-augment validate my.yaml --set train.steps=200', 'check an override too']))
    .action(async (file: string, opts: { set?: string[] }) => {
      const { warnings } = await loadConfig(file, { set: opts.set ?? [] });
      for (const w of warnings) process.stderr.write(`warning: ${w}\n`);
      process.stdout.write(`${file}: valid\n`);
    });
}

import type { Command } from 'commander';
import { parseConfigText } from '../config/load.js';
import { loadConfig } from '../config/load.js';
import { plan } from '../pipeline.js';
import { table } from './format.js';

export function registerScan(program: Command): void {
  program
    .command('scan')
    .description('list the classes of an image folder with counts, targets and deficits')
    .argument('<dir>', 'labelled image folder: one sub-folder per class')
    .option('--config <file>', 'take balance and scan settings from this config')
    .option('--strategy <name>', 'balance strategy: not-majority, not-minority, minority, all, auto, or a ratio in (0, 1]')
    .option('--json', 'print JSON instead of a table')
    .action(async (dir: string, opts: { config?: string; strategy?: string; json?: boolean }) => {
      const set = opts.strategy !== undefined ? [`balance.strategy=${opts.strategy}`] : [];
      const { config } = opts.config
        ? await loadConfig(opts.config, { input: dir, set })
        : parseConfigText(`input: ${JSON.stringify(dir)}\n`, '(defaults)', { input: dir, set });
      const { scan, balance } = await plan(config);
      const result = {
        root: scan.root,
        strategy: balance.strategy,
        classes: balance.classes,
        totalDeficit: balance.totalDeficit,
        ignored: scan.ignored,
      };
      if (opts.json) {
        process.stdout.write(JSON.stringify(result, null, 2) + '\n');
        return;
      }
      const rows = balance.classes.map((c) => [c.label, c.count, c.target, c.deficit]);
      process.stdout.write(`${scan.root}\n\n${table(['class', 'images', 'target', 'deficit'], rows, [false, true, true, true])}\n`);
      process.stdout.write(`\n${balance.classes.length} classes, ${balance.classes.reduce((s, c) => s + c.count, 0)} images, ${balance.totalDeficit} to generate (strategy ${JSON.stringify(balance.strategy)})\n`);
      if (scan.ignored.length > 0) process.stdout.write(`${scan.ignored.length} files ignored (see --json)\n`);
    });
}

import type { Command } from 'commander';
import { stat } from 'node:fs/promises';
import { UserError } from '../errors.js';
import { writeReport } from '../report/write.js';
import { examples } from './options.js';

export function registerReport(program: Command): void {
  program
    .command('report')
    .description("(re)write <out>/report.html from a run's outputs: balance, image grids, scores, FID/KID, training curves, evaluate results")
    .argument('<out>', 'the out folder of a run')
    .addHelpText('after', examples(['gan-augment report out/quickstart', 'rewrite out/quickstart/report.html (after evaluate, or a newer gan-augment)']))
    .action(async (out: string) => {
      const st = await stat(out).catch(() => null);
      if (!st?.isDirectory()) throw new UserError(`<out>: expected the out folder of a run, received ${out} (${st ? 'not a folder' : 'does not exist'})`);
      const { file, notes } = await writeReport(out);
      for (const n of notes) process.stderr.write(`note: ${n}\n`);
      process.stdout.write(`wrote ${file}\n`);
    });
}

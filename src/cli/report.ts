import type { Command } from 'commander';
import { stat } from 'node:fs/promises';
import { UserError } from '../errors.js';
import { OUT_NAMES, outLayout } from '../out/layout.js';
import { writeReport } from '../report/write.js';
import { exists } from '../util/fs.js';
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
      // A folder with neither a summary nor a manifest is no run's: writing an empty report.html into it
      // (a typo, or the parent of the out folder) would only litter it.
      const layout = outLayout(out);
      if (!(await exists(layout.summary)) && !(await exists(layout.manifest))) {
        throw new UserError(`<out>: expected the out folder of a run, received ${out} (it holds neither ${OUT_NAMES.summary} nor ${OUT_NAMES.manifest})`);
      }
      const { file, notes } = await writeReport(out);
      for (const n of notes) process.stderr.write(`note: ${n}\n`);
      process.stdout.write(`wrote ${file}\n`);
    });
}

import type { Command } from 'commander';
import { loadConfig, parseConfigText } from '../config/load.js';
import { InputError } from '../errors.js';
import { createProgress, printable, progressMode } from '../progress.js';
import { duplicateLines } from '../dataset/duplicates.js';
import { layoutWarnings } from '../dataset/layout.js';
import { inspectFolder } from '../stages/ingest.js';
import { table } from './format.js';
import { examples, logFormatOption, parseLogFormat, strategyOption } from './options.js';

interface ScanFlags {
  config?: string;
  strategy?: string;
  json?: boolean;
  strict?: boolean;
  quiet?: boolean;
  logFormat?: string;
}

/** How many rejected / ignored files the table view lists before "… and N more". */
const LISTED = 20;

export function registerScan(program: Command, signal?: AbortSignal): void {
  program
    .command('scan')
    .description('decode every file of an image folder and list classes (counts, targets, deficits) and each file ingested, ignored or rejected')
    .argument('<dir>', 'labelled image folder: one sub-folder per class')
    .option('--config <file>', "take scan, decode and balance settings from this config (and reuse its out folder's decode cache)")
    .addOption(strategyOption())
    .option('--json', 'print JSON: classes and files [{path, label, status, reason}]')
    .option('--strict', 'exit with code 4 when any file is rejected (after printing)')
    .option('-q, --quiet', 'no progress output: warnings only')
    .addOption(logFormatOption('how progress is shown on stderr (auto: bars when stderr is a terminal, else JSON lines); the listing is --json or a table either way'))
    .addHelpText(
      'after',
      examples(
        ['gan-augment scan data/train', 'classes, counts, targets and deficits, and every file ignored or rejected'],
        ['gan-augment scan data/train --strategy 0.5 > plan.txt', 'bring every class up to half the largest; the table goes to plan.txt, progress stays on the terminal'],
        ['gan-augment scan data/train --json | jq .totalDeficit', 'the same as JSON, with every file'],
      ),
    )
    .action(async (dir: string, opts: ScanFlags) => {
      const format = parseLogFormat(opts.logFormat);
      const set = opts.strategy !== undefined ? [`balance.strategy=${opts.strategy}`] : [];
      const { config } = opts.config
        ? await loadConfig(opts.config, { input: dir, set })
        : parseConfigText(`input: ${JSON.stringify(dir)}\n`, '(defaults)', { input: dir, set });
      const progress = createProgress(progressMode(opts.quiet ?? false, format));
      let a;
      try {
        // Per-file notes are in the output itself; progress shows only the bar and the cache line.
        a = await inspectFolder(config, (e) => (e.type === 'warn' ? undefined : progress(e)), signal);
      } finally {
        progress.close();
      }
      const { scan, plan: balance, counts, records } = a;
      if (opts.json) {
        const result = {
          root: scan.root,
          strategy: balance.strategy,
          classes: balance.classes,
          totalDeficit: balance.totalDeficit,
          counts,
          emptyClasses: scan.emptyClasses,
          decode: a.decode,
          duplicates: a.duplicates,
          warnings: layoutWarnings(scan),
          files: records,
        };
        process.stdout.write(JSON.stringify(result, null, 2) + '\n');
      } else {
        const rows = balance.classes.map((c) => [c.label, c.count, c.target, c.deficit]);
        const out: string[] = [`${printable(scan.root)}\n\n${table(['class', 'images', 'target', 'deficit'], rows, [false, true, true, true])}\n`];
        out.push(`\n${balance.classes.length} class${balance.classes.length === 1 ? '' : 'es'}, ${counts.ingested} image${counts.ingested === 1 ? '' : 's'}, ${balance.totalDeficit} to generate (strategy ${JSON.stringify(balance.strategy)})\n`);
        out.push(`files: ${counts.ingested} ingested, ${counts.ignored} ignored, ${counts.rejected} rejected\n`);
        for (const status of ['rejected', 'ignored'] as const) {
          const these = records.filter((r) => r.status === status);
          if (these.length > 0) out.push(`\n${status}:\n`);
          for (const r of these.slice(0, LISTED)) out.push(`  ${printable(r.path)}: ${printable(r.reason ?? '')}\n`);
          if (these.length > LISTED) out.push(`  … and ${these.length - LISTED} more (see --json)\n`);
        }
        const dup = duplicateLines(a.duplicates, LISTED);
        if (dup.length > 0) out.push(`\nsame bytes:\n`);
        for (const line of dup) out.push(`  ${line.conflict ? 'warning: ' : ''}${printable(line.text)}\n`);
        for (const label of scan.emptyClasses) out.push(`warning: class folder "${printable(label)}" holds no images\n`);
        for (const w of layoutWarnings(scan)) out.push(`warning: ${printable(w)}\n`);
        process.stdout.write(out.join(''));
      }
      if (opts.strict && a.rejected.length > 0) {
        throw new InputError(
          `${a.rejected.length} file${a.rejected.length === 1 ? '' : 's'} rejected (--strict)`,
          a.rejected.map((r) => ({ path: r.path, reason: r.reason ?? '' })),
        );
      }
    });
}

import type { Command } from 'commander';
import { UserError } from '../errors.js';
import type { MergedSummary } from '../merge/plan.js';
import { createProgress, progressMode } from '../progress.js';
import { table } from './format.js';
import { examples, jsonOutput, logFormatOption, parseLogFormat } from './options.js';
import { printVerdicts } from './verdicts.js';
import { gateFailure } from '../stages/summary.js';

interface MergeFlags {
  out: string;
  input?: string;
  force?: boolean;
  quiet?: boolean;
  logFormat?: string;
}

export function registerMerge(program: Command): void {
  program
    .command('merge')
    .description('join the out folders of `run --shard i/n` (every shard, same config and inputs) into one manifest, summary and synthetic/')
    .argument('<shards...>', 'the shard out folders, or one folder holding them')
    .requiredOption('--out <dir>', 'the merged out folder')
    .option('--input <dir>', 'where the input folder is on this machine (default: where the shards read it)')
    .option('--force', 'reuse a non-empty out folder that gan-augment did not make')
    .option('-q, --quiet', 'no progress output: warnings only')
    .addOption(logFormatOption())
    .addHelpText(
      'after',
      examples(
        ['gan-augment merge out/shards --out out/augmented', 'join every shard folder under out/shards'],
        ['gan-augment merge s0 s1 s2 --out merged --input /data/train', 'name the shards; the input folder is elsewhere on this machine'],
      ),
    )
    .action(async (dirs: string[], flags: MergeFlags) => {
      const format = parseLogFormat(flags.logFormat);
      const { mergeShards, shardDirsIn } = await import('../merge/merge.js');
      const progress = createProgress(progressMode(flags.quiet ?? false, format));
      let shards = dirs;
      if (dirs.length === 1) {
        const inside = await shardDirsIn(dirs[0]!);
        if (inside.length > 0) shards = inside;
      }
      if (shards.length === 0) throw new UserError('merge: expected at least one shard out folder');
      let summary: MergedSummary;
      try {
        summary = await mergeShards(shards, {
          out: flags.out,
          force: flags.force ?? false,
          emit: progress,
          ...(flags.input !== undefined ? { input: flags.input } : {}),
        });
      } finally {
        progress.close();
      }
      const failure = gateFailure(summary, summary.quality?.gate.onFail === 'fail' ? 'fail' : 'warn');
      const gate = () => {
        if (failure) throw failure;
      };
      if (jsonOutput(format)) {
        process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
        await printVerdicts(summary, format, true);
        return gate();
      }
      const rows = summary.classes.map((c) => [c.label, c.before, c.synthetic, c.after, c.target]);
      process.stdout.write(
        `merged ${summary.merged.shards.length} shards: ${summary.merged.shards.map((s) => `${s.index}/${s.count} (${s.classes.join(', ') || 'no class'})`).join('; ')}\n\n` +
          `${table(['class', 'real', 'synthetic', 'after', 'target'], rows, [false, true, true, true, true])}\n\n` +
          `wrote ${summary.out}/manifest.jsonl, ${summary.out}/summary.json, ${summary.out}/synthetic/\n`,
      );
      // The merged classes' verdicts and the report, as a run ends (merge writes report.html when the shards'
      // config asks for one; printVerdicts names it only where it exists).
      await printVerdicts(summary, format, true);
      gate();
    });
}

import type { Command } from 'commander';
import { describeBackend, initBackend } from '../backend/select.js';
import { BACKENDS } from '../config/schema.js';
import { UserError } from '../errors.js';
import { generateFromModel } from '../generate/from-model.js';
import { createProgress, progressMode } from '../progress.js';

interface GenerateFlags {
  model: string;
  class: string[];
  count?: string;
  source?: string[];
  out: string;
  seed?: string;
  backend?: string;
  quiet?: boolean;
}

export function registerGenerate(program: Command): void {
  program
    .command('generate')
    .description('sample images of one or more classes from a trained generator, without retraining')
    .requiredOption('--model <dir>', 'a generator folder written by run (e.g. out/model/generator)')
    .requiredOption('--class <label...>', 'class label(s) to generate (several: --class coat shirt)')
    .option('--count <n>', 'how many images of each class (a noise generator)')
    .option('--source <file...>', 'a translator (gan.mode: translate): images to translate into each class; a manifest row\'s translatedFrom.path reproduces its image')
    .requiredOption('--out <dir>', 'where to write <label>/*.png and manifest.jsonl')
    .option('--seed <n>', "seed for the latents (default: the training run's seed, which reproduces its candidates)")
    .option('--backend <name>', BACKENDS.join(' | '), 'auto')
    .option('-q, --quiet', 'no progress output')
    .action(async (flags: GenerateFlags) => {
      const count = flags.source ? flags.source.length : Number(flags.count);
      if (!flags.source && flags.count === undefined) throw new UserError('--count: expected a positive integer (or --source files for a translator model), received nothing');
      if (!Number.isInteger(count) || count <= 0) throw new UserError(`--count: expected a positive integer, received "${flags.count}"`);
      const seed = flags.seed === undefined ? undefined : Number(flags.seed);
      if (seed !== undefined && (!Number.isInteger(seed) || seed < 0)) throw new UserError(`--seed: expected an integer ≥ 0, received "${flags.seed}"`);
      const allowed = BACKENDS;
      const backendName = allowed.find((b) => b === flags.backend);
      if (!backendName) throw new UserError(`--backend: expected one of ${allowed.join(', ')}, received "${flags.backend}"`);
      const backend = await initBackend(backendName);
      const mode = progressMode(flags.quiet ?? false);
      const labels = [...new Set(flags.class)];
      const progress = createProgress(mode);
      progress({ type: 'info', message: describeBackend(backend) });
      progress({ type: 'stage.start', stage: 'generate', total: count * labels.length });
      const t0 = performance.now();
      const { files } = await generateFromModel({
        model: flags.model,
        labels,
        count,
        out: flags.out,
        ...(seed !== undefined ? { seed } : {}),
        ...(flags.source ? { sources: flags.source } : {}),
        onProgress: (done, total, label) => progress({ type: 'generate.progress', label, done, total }),
      });
      progress({ type: 'stage.end', stage: 'generate', seconds: (performance.now() - t0) / 1000 });
      progress.close();
      const what = labels.map((l) => `"${l}"`).join(', ');
      process.stdout.write(`wrote ${files.length} images of ${what} to ${flags.out} (manifest.jsonl lists them with their ${flags.source ? 'sources' : 'seeds'})\n`);
    });
}

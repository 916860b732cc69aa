import type { Command } from 'commander';
import { BACKENDS } from '../config/schema.js';
import { UserError } from '../errors.js';
import type { SamplerWorkers } from '../generate/sampler-pool.js';
import { createProgress, progressMode } from '../progress.js';
import { backendOption, examples, intOption, threadsOption } from './options.js';

interface GenerateFlags {
  model: string;
  class: string[];
  count?: number;
  source?: string[];
  out: string;
  seed?: number;
  backend?: string;
  workers: SamplerWorkers;
  prior?: boolean;
  quiet?: boolean;
}

export function registerGenerate(program: Command): void {
  program
    .command('generate')
    .description('sample images of one or more classes from a trained generator, without retraining')
    .requiredOption('--model <dir>', 'a generator folder written by run (e.g. out/model/generator)')
    .requiredOption('--class <label...>', 'class label(s) to generate (several: --class coat shirt)')
    .addOption(intOption('--count <n>', 'how many images of each class (required for a noise generator)', 1))
    .option('--source <file...>', "a translator (gan.mode: translate): images to translate into each class; a manifest row's translatedFrom.path reproduces its image")
    .requiredOption('--out <dir>', 'where to write <label>/*.png and manifest.jsonl')
    .addOption(intOption('--seed <n>', "seed for the latents (default: the training run's seed, which reproduces its candidates)", 0))
    .addOption(backendOption('auto'))
    .addOption(threadsOption('--workers <n>', 'threads that sample together, each with a copy of the generator (`auto`: 2 on the wasm or native backend with ≥ 3 cores, one being the PNG writer’s, for ≥ 4,096 images); the images are the same bytes on any count'))
    .option('--prior', "sample the generator's prior even where the run sampled around the latents it fitted to the real images (generate.anchor; saved as anchors.json beside the generator)")
    .option('-q, --quiet', 'no progress output: warnings only')
    .addHelpText(
      'after',
      examples(
        ['gan-augment generate --model out/quickstart/model/generator --class coat --count 500 --out more-coats/', '500 more coats from the trained generator'],
        ['gan-augment generate --model out/quickstart/model/generator --class coat shirt --count 100 --out more/ --seed 7', 'two classes, new latents'],
      ),
    )
    .action(async (flags: GenerateFlags) => {
      const { seed } = flags;
      if (!flags.source && flags.count === undefined) throw new UserError('--count: expected a positive integer (or --source files for a translator model), received nothing');
      const count = flags.source ? flags.source.length : flags.count!;
      const allowed = BACKENDS;
      const backendName = allowed.find((b) => b === flags.backend);
      if (!backendName) throw new UserError(`--backend: expected one of ${allowed.join(', ')}, received "${flags.backend}"`);
      const workers = flags.workers;
      const [{ describeBackend, initBackend }, { generateFromModel }] = await Promise.all([import('../backend/select.js'), import('../generate/from-model.js')]);
      const backend = await initBackend(backendName);
      const mode = progressMode(flags.quiet ?? false);
      const labels = [...new Set(flags.class)];
      const progress = createProgress(mode);
      progress({ type: 'info', message: describeBackend(backend) });
      let t0 = performance.now();
      const { files } = await generateFromModel({
        model: flags.model,
        labels,
        count,
        out: flags.out,
        ...(seed !== undefined ? { seed } : {}),
        ...(flags.source ? { sources: flags.source } : {}),
        workers,
        onStart: (total) => {
          progress({ type: 'stage.start', stage: 'generate', total });
          t0 = performance.now();
        },
        onPlan: (plan) => {
          if (plan.refused) progress({ type: 'warn', message: `--workers ${workers}: sampling on one thread: ${plan.reason}` });
          else if (plan.threads > 1) progress({ type: 'info', message: `generate: ${plan.threads} sampler threads` });
        },
        onWarn: (message) => progress({ type: 'warn', message }),
        onInfo: (message) => progress({ type: 'info', message }),
        ...(flags.prior ? { prior: true } : {}),
        onProgress: (done, total, label) => progress({ type: 'generate.progress', label, done, total }),
      });
      progress({ type: 'stage.end', stage: 'generate', seconds: (performance.now() - t0) / 1000 });
      progress.close();
      const what = labels.map((l) => `"${l}"`).join(', ');
      process.stdout.write(`wrote ${files.length} images of ${what} to ${flags.out} (manifest.jsonl lists them with their ${flags.source ? 'sources' : 'seeds'})\n`);
    });
}


import type { Command } from 'commander';
import { stringify } from 'yaml';
import { loadConfig } from '../config/load.js';
import { layoutWarnings } from '../dataset/layout.js';
import { InputError } from '../errors.js';
import type { Summary } from '../pipeline.js';
import { inspectFolder, type Inspected } from '../stages/ingest.js';
import { fewHeldOutNote } from '../guard/preview.js';
import { createProgress, printable, progressMode } from '../progress.js';
import { parseShard } from '../stages/shard.js';
import { jobMode } from '../out/layout.js';
import { preflight } from '../stages/preflight.js';
import { scanImport } from '../generate/import.js';
import { table } from './format.js';
import { printVerdicts } from './verdicts.js';
import type { Verdicts } from '../report/load.js';
import { backendOption, examples, jsonOutput, logFormatOption, parseLogFormat, resumeCommand } from './options.js';

/** Rejected files a dry run names before "… and N more". */
const LISTED = 20;

interface RunFlags {
  input?: string;
  out?: string;
  set?: string[];
  backend?: string;
  dryRun?: boolean;
  resume?: boolean;
  force?: boolean;
  quiet?: boolean;
  strict?: boolean;
  logFormat?: string;
  shard?: string;
}

export function registerRun(program: Command, signal: AbortSignal): void {
  program
    .command('run')
    .description('scan, train a conditional GAN, generate, filter and write the augmented dataset')
    .argument('<config>', 'YAML config file (see configs/)')
    .option('--input <dir>', "labelled image folder (overrides the config's input)")
    .option('--out <dir>', "output folder (overrides the config's out)")
    .option('--set <key=value...>', 'override settings, e.g. --set train.steps=200 decode.size=32')
    .addOption(backendOption())
    .option('--dry-run', 'print the resolved config and the plan, then exit')
    .option('--force', 'reuse a non-empty out folder that gan-augment did not make')
    .option('--resume', 'continue training from the checkpoints in <out>/train/ even with more train.steps, refusing other settings or inputs (a plain run continues an interrupted run of the same settings, inputs and code on its own)')
    .option('-q, --quiet', 'no progress output: warnings only')
    .addOption(logFormatOption())
    .option('--shard <i/n>', 'train and generate only shard i of n (0-based) of the scarce classes (gan.mode per-class); join the outs with `merge`')
    .option('--strict', 'exit with code 4 when any input file is rejected (after writing all outputs)')
    .addHelpText(
      'after',
      examples(
        ['gan-augment run configs/quickstart.yaml', 'balance the bundled fixture; ends with a verdict per class and the path of report.html'],
        ['gan-augment run my.yaml --dry-run', 'print the resolved config and the per-class plan; write nothing'],
        ['gan-augment run my.yaml --set train.steps=2000 filter.keepRejected=true', 'override settings for this run'],
        ['gan-augment run my.yaml --resume --set train.steps=1500', 'continue an interrupted run, or train further'],
        ['gan-augment run my.yaml --log-format json > summary.json', 'JSON lines on stderr, the summary as JSON on stdout (what auto does in CI)'],
      ),
    )
    .action(async (file: string, flags: RunFlags) => {
      const format = parseLogFormat(flags.logFormat);
      const shard = flags.shard !== undefined ? parseShard(flags.shard) : null;
      const { config, warnings } = await loadConfig(file, {
        set: flags.set ?? [],
        ...(flags.input !== undefined ? { input: flags.input } : {}),
        ...(flags.out !== undefined ? { out: flags.out } : {}),
        ...(flags.backend !== undefined ? { backend: flags.backend } : {}),
      });
      const mode = progressMode(flags.quiet ?? false, format);
      const progress = createProgress(mode);
      for (const w of warnings) progress({ type: 'warn', message: w });
      if (flags.dryRun) {
        // What run would refuse before touching anything, a dry run refuses too.
        await preflight(config, { force: flags.force ?? false }).catch((err: unknown) => {
          progress.close();
          throw err;
        });
        // The plan of the images run would ingest: decoded as `scan` decodes them (reading the out folder's
        // decode cache, writing nothing), so an unreadable file is not counted as an image of its class.
        let a: Inspected;
        try {
          a = await inspectFolder(config, (e) => (e.type === 'warn' ? undefined : progress(e)), signal);
        } finally {
          progress.close();
        }
        const { scan, plan: balance, resolved } = a;
        // generate.from: the candidate files each scarce class would get (listed, not decoded).
        const scarceClasses = balance.classes.filter((c) => c.deficit > 0 && c.count > 0);
        const scarce = scarceClasses.map((c) => c.label);
        const found = config.generate.from !== null && scarce.length > 0 ? await scanImport(config.generate.from, scarce, config.scan.recursive) : null;
        const candidates = (label: string) => (found && scarce.includes(label) ? found.files.filter((f) => f.label === label).length : null);
        // The guard's note on classes it will judge on too few held-out images: the plan is where it changes what to do.
        const few = fewHeldOutNote(scarceClasses, config.train.validation, config.guard.mode, config.generate.from !== null);
        // What the run would do with the models the out folder holds (a shard's jobs are its own: not said).
        const { checkpointsPresent, readState, trainJobs, trainPreview } = await import('../stages/fingerprint.js');
        const jobs = shard || config.generate.from !== null ? [] : trainJobs(resolved.config, scarce);
        const models = trainPreview(await readState(config.out), resolved.config, jobs, await checkpointsPresent(config.out, jobMode(config.gan.mode), jobs));
        const rejected = a.records.filter((r) => r.status === 'rejected');
        // Meant for reading: JSON only when asked for explicitly.
        if (format === 'json') {
          const imported = found ? { from: found.root, classes: scarce.map((label) => ({ label, files: candidates(label) })) } : null;
          const notes = [...(few ? [few] : []), ...(models ? [models] : [])];
          process.stdout.write(JSON.stringify({ config: resolved.config, plan: balance, files: a.counts, rejected: rejected.map((r) => ({ path: r.path, reason: r.reason })), ...(imported ? { imported } : {}), warnings: layoutWarnings(scan), notes }, null, 2) + '\n');
          return;
        }
        process.stdout.write(`# resolved config${resolved.message ? ` (${resolved.message})` : ''}\n${stringify(resolved.config)}\n# plan\n`);
        const head = ['class', 'images', 'target', 'deficit', ...(found ? ['candidates (generate.from)'] : [])];
        const rows = balance.classes.map((c) => [c.label, c.count, c.target, c.deficit, ...(found ? [candidates(c.label) ?? '–'] : [])]);
        process.stdout.write(table(head, rows, head.map((_, i) => i > 0)) + '\n');
        process.stdout.write(`files: ${a.counts.ingested} ingested, ${a.counts.ignored} ignored, ${a.counts.rejected} rejected${rejected.length > 0 ? ' (not counted)' : ''}\n`);
        // The run would say these before training; the plan is where they change what to do.
        for (const r of rejected.slice(0, LISTED)) process.stderr.write(`warning: rejected ${printable(r.path)}: ${printable(r.reason ?? '')}\n`);
        if (rejected.length > LISTED) process.stderr.write(`warning: … and ${rejected.length - LISTED} more rejected files (gan-augment scan lists them)\n`);
        for (const w of layoutWarnings(scan)) process.stderr.write(`warning: ${printable(w)}\n`);
        if (few) process.stderr.write(`${printable(few)}\n`);
        if (models) process.stderr.write(`${printable(models)}\n`);
        return;
      }
      // What trains: loaded once the arguments and the config have been checked (src/cli/main.ts, start-up).
      const [{ describeBackend, initBackend }, { gateFailure, runWithVerdicts }, { wasmThreadsForRun }] = await Promise.all([import('../backend/select.js'), import('../pipeline.js'), import('../stages/train.js')]).catch((err: unknown) => {
        progress.close();
        throw err;
      });
      const show = (s: Summary) => (jsonOutput(format) ? process.stdout.write(JSON.stringify(s, null, 2) + '\n') : printSummary(s));
      let summary: Summary;
      let verdicts: Verdicts | null;
      try {
        // Where wasm without native kernels runs it, a run that trains enough starts the threaded wasm binary.
        const backend = await initBackend(config.backend, { trainingThreads: wasmThreadsForRun(config) });
        progress({ type: 'info', message: describeBackend(backend) });
        // The interrupt message names the command that resumes this run: the user's own arguments after `run`.
        const runArgs = process.argv.slice(process.argv.indexOf('run') + 1);
        ({ summary, verdicts } = await runWithVerdicts(config, { backend, onEvent: progress, signal, force: flags.force ?? false, resume: flags.resume ?? false, shard, resumeCommand: resumeCommand(runArgs) }));
      } finally {
        progress.close();
      }
      show(summary);
      await printVerdicts(summary, format, config.output.report, verdicts);
      // A failed quality gate still wrote every output: its summary is shown before the error.
      const gate = gateFailure(summary, config.quality.onFail);
      if (gate) throw gate;
      if (flags.strict && summary.rejectedFiles.length > 0) {
        const n = summary.rejectedFiles.length;
        throw new InputError(
          `${n} input file${n === 1 ? '' : 's'} rejected (--strict); outputs were still written`,
          summary.rejectedFiles.map((r) => ({ path: r.path, reason: r.reason ?? '' })),
        );
      }
    });
}

function printSummary(s: Summary): void {
  if (s.incremental?.upToDate) {
    process.stdout.write(`up to date: nothing changed since ${s.createdAt}; ${s.out} holds the outputs of that run\n`);
  }
  const rows = s.classes.map((c) => [c.label, c.before, c.synthetic, c.after, c.target]);
  process.stdout.write(
    `\n${table(['class', 'real', 'synthetic', 'after', 'target'], rows, [false, true, true, true, true])}\n\n` +
      `files: ${s.files.ingested} ingested, ${s.files.ignored} ignored, ${s.files.rejected} rejected\n` +
      (s.shard ? `shard ${s.shard.index}/${s.shard.count}: ${s.shard.classes.length ? s.shard.classes.join(', ') : 'no scarce class'}\n` : '') +
      `backend: ${s.backend.name}; ${trainLine(s)}; total ${s.durations.total.toFixed(1)} s\n` +
      `wrote ${s.out}/manifest.jsonl, ${s.out}/summary.json, ${s.out}/synthetic/\n`,
  );
}

/** What made the synthetic images: training (or the reused models), or the folder they were imported from. */
function trainLine(s: Summary): string {
  if (s.imported) return `no GAN trained: ${s.imported.classes.reduce((n, c) => n + c.candidates, 0)} candidates imported from ${s.imported.from} (generate.from)`;
  if (s.incremental?.train === 'reused') return `reused the trained models (${s.train.steps} steps) of the previous run`;
  return `trained ${s.train.steps} steps at ${s.train.imgPerSec.toFixed(0)} img/s${(s.train.workers ?? 1) > 1 ? ` on ${s.train.workers} threads` : ''}`;
}

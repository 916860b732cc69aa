/**
 * The command-line entry: wires commands, and is the one place that prints errors and sets exit codes.
 *
 * Start-up: the command modules register their options from tfjs-free modules and import what trains,
 * samples or judges (tfjs, the pipeline, the backends) inside their actions, after the arguments and the
 * config have been checked. `--help`, `validate`, `scan`, `init`, `schema`, `report` and a refused run then
 * load no tfjs (test/cli/startup.test.ts): 0.57 s for `--version` on a 2-GHz core, against 1.04 s with
 * everything imported up front.
 */
import { Command, CommanderError } from 'commander';
import { EXIT, GanAugmentError, InputError, UserError } from '../errors.js';
import { VERSION } from '../version.js';
import { registerEvaluate } from './evaluate.js';
import { registerGenerate } from './generate.js';
import { registerInit } from './init.js';
import { registerMerge } from './merge.js';
import { printable } from '../progress.js';
import { explicitJson } from './options.js';
import { registerReport } from './report.js';
import { registerRun } from './run.js';
import { registerScan } from './scan.js';
import { registerSchema } from './schema.js';
import { registerValidate } from './validate.js';

const EXIT_HELP = `
Exit codes:
  0    success
  1    internal error (a bug, or the environment failed)
  2    usage or config error
  3    quality gate failed on a delivered class (run: quality.onFail: fail; evaluate: --fail-on); outputs were still written
  4    input errors under --strict
  5    out of disk space (ENOSPC/EDQUOT): names the file and the space left; nothing half-written is kept
  130  interrupted (Ctrl-C, SIGTERM); what was done is saved

With --log-format json (or auto when stderr is not a terminal) progress is JSON lines on stderr and
the summary is JSON on stdout. With --log-format json every line on stderr is one JSON object, errors
too ({"event":"error","exitCode":…}); otherwise errors are "error: …" lines, control characters in
names escaped (as \\n).`;

/** Parses argv, runs the command and returns the exit code (never calls process.exit). */
export async function main(argv: string[]): Promise<number> {
  const controller = new AbortController();
  // With --log-format json, stderr carries JSON lines only: errors, signals and commander's messages too.
  const jsonLog = explicitJson(argv);
  let interrupts = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    interrupts++;
    if (interrupts === 1) {
      const message = 'stopping after the current step (press Ctrl-C again to stop now)';
      process.stderr.write(jsonLog ? JSON.stringify({ event: 'signal', signal: sig, message }) + '\n' : `\n${sig}: ${message}\n`);
      controller.abort();
    } else {
      process.exit(EXIT.interrupted);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const program = new Command()
    .name('gan-augment')
    .description('Balance an image dataset with conditional-GAN synthetic images.')
    .version(VERSION)
    .exitOverride()
    // In JSON mode commander's own error text comes out as the error event below instead.
    .configureOutput({ writeErr: (s) => (jsonLog ? undefined : process.stderr.write(s)) })
    .addHelpText('after', EXIT_HELP);
  registerRun(program, controller.signal);
  registerScan(program);
  registerValidate(program);
  registerReport(program);
  registerEvaluate(program, controller.signal);
  registerGenerate(program);
  registerMerge(program);
  registerInit(program);
  registerSchema(program);
  for (const cmd of program.commands) cmd.exitOverride();

  try {
    await program.parseAsync(argv, { from: 'user' });
    return EXIT.ok;
  } catch (err) {
    if (!jsonLog) return report(err);
    const code = exitCodeOf(err);
    if (!(err instanceof CommanderError && err.exitCode === 0)) {
      const message = err instanceof Error ? err.message : String(err);
      const problems = err instanceof UserError ? err.problems : err instanceof InputError ? err.files.map((f) => `${f.path}: ${f.reason}`) : [];
      const stack = code === EXIT.internal && err instanceof Error && err.stack ? { stack: err.stack } : {};
      process.stderr.write(JSON.stringify({ event: 'error', exitCode: code, message, problems, ...stack }) + '\n');
    }
    return code;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** The exit code an error ends the process with. */
function exitCodeOf(err: unknown): number {
  if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
  return err instanceof GanAugmentError ? err.exitCode : EXIT.internal;
}

/** Prints an error as text lines; every name in them through `printable`, so none can start a line. */
function report(err: unknown): number {
  if (err instanceof CommanderError) {
    // commander printed its own message (or help/version); map its exit code.
    return exitCodeOf(err);
  }
  const line = (s: string) => `${printable(s)}\n`;
  if (err instanceof UserError) {
    process.stderr.write(line(`error: ${err.message}`) + err.problems.map((p) => line(`  ${p}`)).join(''));
    return err.exitCode;
  }
  if (err instanceof InputError) {
    process.stderr.write(line(`error: ${err.message}`) + err.files.map((f) => line(`  ${f.path}: ${f.reason}`)).join(''));
    return err.exitCode;
  }
  if (err instanceof GanAugmentError && err.exitCode !== EXIT.internal) {
    process.stderr.write(line(`error: ${err.message}`));
    return err.exitCode;
  }
  process.stderr.write(`internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  return EXIT.internal;
}

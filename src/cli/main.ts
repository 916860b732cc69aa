/**
 * The command-line entry: wires commands, and is the one place that prints errors and sets exit codes.
 */
import { Command, CommanderError } from 'commander';
import { EXIT, GanAugmentError, InputError, UserError } from '../errors.js';
import { VERSION } from '../version.js';
import { registerEvaluate } from './evaluate.js';
import { registerGenerate } from './generate.js';
import { registerInit } from './init.js';
import { registerMerge } from './merge.js';
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
  3    quality gate failed (quality.onFail: fail); outputs were still written
  4    input errors under --strict
  5    out of disk space (ENOSPC/EDQUOT): names the file and the space left; nothing half-written is kept
  130  interrupted (Ctrl-C, SIGTERM); what was done is saved

With --log-format json (or auto when stdout is not a terminal) progress is JSON lines on stderr and
the summary is JSON on stdout; errors are printed as text, and as a JSON line
{"event":"error","exitCode":…} too when --log-format json is given.`;

/** Parses argv, runs the command and returns the exit code (never calls process.exit). */
export async function main(argv: string[]): Promise<number> {
  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    interrupts++;
    if (interrupts === 1) {
      process.stderr.write(`\n${sig}: stopping after the current step (press Ctrl-C again to stop now)\n`);
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
    .configureOutput({ writeErr: (s) => process.stderr.write(s) })
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
    const code = report(err);
    if (explicitJson(argv) && !(err instanceof CommanderError && err.exitCode === 0)) {
      const message = err instanceof Error ? err.message : String(err);
      const problems = err instanceof UserError ? err.problems : err instanceof InputError ? err.files.map((f) => `${f.path}: ${f.reason}`) : [];
      process.stderr.write(JSON.stringify({ event: 'error', exitCode: code, message, problems }) + '\n');
    }
    return code;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

function report(err: unknown): number {
  if (err instanceof CommanderError) {
    // commander printed its own message (or help/version); map its exit code.
    return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
  }
  if (err instanceof UserError) {
    process.stderr.write(`error: ${err.message}\n${err.problems.map((p) => `  ${p}\n`).join('')}`);
    return err.exitCode;
  }
  if (err instanceof InputError) {
    process.stderr.write(`error: ${err.message}\n${err.files.map((f) => `  ${f.path}: ${f.reason}\n`).join('')}`);
    return err.exitCode;
  }
  if (err instanceof GanAugmentError && err.exitCode !== EXIT.internal) {
    process.stderr.write(`error: ${err.message}\n`);
    return err.exitCode;
  }
  process.stderr.write(`internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  return EXIT.internal;
}

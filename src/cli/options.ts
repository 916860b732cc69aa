/** Flags several commands share, and how they are read: each flag's errors name the flag, not the config. */
import { InvalidArgumentError, Option } from 'commander';
import { parse as parseYaml } from 'yaml';
import { BACKENDS, StrategySchema, ThreadsSchema, type BackendChoice } from '../config/schema.js';
import { UserError } from '../errors.js';
import { LOG_FORMATS, resolveLogFormat, type LogFormat } from '../progress.js';
import { shellQuote } from '../util/shell.js';

export const LOG_FORMAT_FLAG = '--log-format <format>';
export const LOG_FORMAT_HELP =
  'auto: progress bars when stderr is a terminal; otherwise (CI logs) JSON lines on stderr and the summary as JSON on stdout. text: plain lines. json: always JSON';

/** `--log-format` with its choices and default. */
export function logFormatOption(help = LOG_FORMAT_HELP): Option {
  return new Option(LOG_FORMAT_FLAG, help).choices(LOG_FORMATS).default('auto');
}

/** `--backend` with its choices; `fallback` is the default shown (none: the config's `backend` applies). */
export function backendOption(fallback?: BackendChoice): Option {
  const o = new Option('--backend <name>', fallback ? 'tfjs backend; auto takes the first that loads: node-gpu → node → native → wasm → cpu' : "tfjs backend (default: the config's backend, auto)").choices(BACKENDS);
  return fallback ? o.default(fallback) : o;
}

/** A thread-count flag (`--workers`, `--threads`): `auto` or 1–16, read as a config's `train.workers` is. */
export function threadsOption(flags: string, help: string): Option {
  return new Option(flags, help)
    .argParser((raw: string): 'auto' | number => {
      const got = ThreadsSchema.safeParse(raw === 'auto' || raw.trim() === '' ? raw : Number(raw));
      if (!got.success) throw new InvalidArgumentError(`${got.error.issues[0]?.message ?? 'invalid'}, received "${raw}".`);
      return got.data;
    })
    .default('auto');
}

/** An integer flag ≥ `min`, parsed by commander (an error names the flag and the value). */
export function intOption(flags: string, help: string, min: number, fallback?: number): Option {
  return boundedOption(flags, help, min, fallback, true);
}

/** A number flag ≥ `min`, parsed (so help shows the default as a number) and refused as the flag's own error. */
export function numberOption(flags: string, help: string, min: number, fallback?: number): Option {
  return boundedOption(flags, help, min, fallback, false);
}

function boundedOption(flags: string, help: string, min: number, fallback: number | undefined, integer: boolean): Option {
  const o = new Option(flags, help).argParser((v: string) => {
    const n = Number(v);
    if (v.trim() === '' || !(integer ? Number.isInteger(n) : Number.isFinite(n)) || n < min) throw new InvalidArgumentError(`expected ${integer ? 'an integer' : 'a number'} ≥ ${min}.`);
    return n;
  });
  return fallback !== undefined ? o.default(fallback) : o;
}

/**
 * `--strategy`: a named strategy (imbalanced-learn's spellings too: `'not majority'`), or a ratio in (0, 1].
 * Checked here so a bad value is reported as the flag's, not as a problem in a config.
 */
export function strategyOption(): Option {
  return new Option('--strategy <name>', 'balance strategy: not-majority, not-minority, minority, all, auto (imbalanced-learn\'s "not majority" / "not minority" too), or a ratio in (0, 1]').argParser(
    parseStrategyFlag,
  );
}

/**
 * Reads a `--strategy` value as the config would read it.
 * @throws {InvalidArgumentError} naming what was expected
 */
export function parseStrategyFlag(value: string): string {
  const v = parseYaml(value) as unknown;
  const r = StrategySchema.safeParse(v);
  if (!r.success || typeof r.data === 'object') {
    throw new InvalidArgumentError('expected not-majority, not-minority, minority, all, auto ("not majority" and "not minority" as in imbalanced-learn), or a ratio in (0, 1].');
  }
  return String(r.data);
}

/**
 * Reads `--log-format` (commander has checked the choice already).
 * @throws {UserError} naming the flag, what was expected and what was received.
 */
export function parseLogFormat(value: string | undefined): LogFormat {
  if (value === undefined) return 'auto';
  const f = LOG_FORMATS.find((x) => x === value);
  if (!f) throw new UserError(`--log-format: expected one of ${LOG_FORMATS.join(', ')}, received "${value}"`);
  return f;
}

/** Whether the command's result goes to stdout as JSON (`--log-format json`, or auto when stderr is not a terminal). */
export function jsonOutput(format: LogFormat): boolean {
  return resolveLogFormat(format) === 'json';
}

/** `--log-format json` given explicitly in argv (main.ts then also prints errors as a JSON line). */
export function explicitJson(argv: readonly string[]): boolean {
  return argv.some((a, i) => a === '--log-format=json' || (a === '--log-format' && argv[i + 1] === 'json'));
}

/** An "Examples:" block for a command's help. */
export function examples(...lines: [command: string, what: string][]): string {
  return `\nExamples:\n${lines.map(([c, w]) => `  $ ${c}\n      ${w}`).join('\n')}\n`;
}

/**
 * The command that continues an interrupted `run`: the user's own arguments after `run` (config, --out,
 * --set …, so it resumes the same out folder with the same settings), with `--resume` added once.
 */
export function resumeCommand(runArgs: readonly string[]): string {
  const args = runArgs.includes('--resume') ? runArgs : [...runArgs, '--resume'];
  return ['gan-augment', 'run', ...args].map(shellQuote).join(' ');
}

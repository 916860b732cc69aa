/** Flags several commands share, and how they are read. */
import { UserError } from '../errors.js';
import { LOG_FORMATS, resolveLogFormat, type LogFormat } from '../progress.js';

export const LOG_FORMAT_FLAG = '--log-format <format>';
export const LOG_FORMAT_HELP =
  'auto | text | json. auto: progress bars on a terminal; when stdout is not a terminal, JSON lines on stderr and the summary as JSON on stdout. text: plain lines. json: always JSON';

/**
 * Reads `--log-format`.
 * @throws {UserError} naming the flag, what was expected and what was received.
 */
export function parseLogFormat(value: string | undefined): LogFormat {
  if (value === undefined) return 'auto';
  const f = LOG_FORMATS.find((x) => x === value);
  if (!f) throw new UserError(`--log-format: expected one of ${LOG_FORMATS.join(', ')}, received "${value}"`);
  return f;
}

/** Whether the command's result goes to stdout as JSON (`--log-format json`, or auto off a terminal). */
export function jsonOutput(format: LogFormat): boolean {
  return resolveLogFormat(format) === 'json';
}

/** `--log-format json` given explicitly in argv (main.ts then also prints errors as a JSON line). */
export function explicitJson(argv: readonly string[]): boolean {
  return argv.some((a, i) => a === '--log-format=json' || (a === '--log-format' && argv[i + 1] === 'json'));
}

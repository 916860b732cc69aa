/** Plain-text tables for the terminal, and how many classes a listing shows in full. */
import { printable } from '../progress.js';
import { maxOf } from '../util/array.js';

/**
 * Up to this many scarce classes, the console, evaluate's table and report.html show every class's figures;
 * beyond it they list the classes by verdict or decision, or show the few that matter most, and point to the
 * JSON files and the report, which keep every class.
 */
export const CLASSES_IN_FULL = 8;

export function table(headers: string[], rows: (string | number)[][], alignRight: boolean[] = []): string {
  // Cells are printable (progress.ts): a newline in a file or class name cannot start a line of its own.
  const cells = [headers, ...rows.map((r) => r.map((c) => printable(String(c))))];
  const widths = headers.map((_, i) => maxOf(cells.map((r) => [...(r[i] ?? '')].length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => {
        const pad = ' '.repeat(widths[i]! - [...c].length);
        return alignRight[i] ? pad + c : c + pad;
      })
      .join('  ')
      .trimEnd();
  return [line(cells[0]!), line(widths.map((w) => '-'.repeat(w))), ...cells.slice(1).map(line)].join('\n');
}

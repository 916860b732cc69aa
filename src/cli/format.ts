/** Plain-text tables for the terminal. */
import { printable } from '../progress.js';
import { maxOf } from '../util/array.js';

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

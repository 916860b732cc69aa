/** Writing `<out>/report.html` from what a run left in `<out>`. */
import { OUT_NAMES, outLayout } from '../out/layout.js';
import { writeFileAtomic } from '../util/fs.js';
import { renderReport } from './html.js';
import { loadReportData } from './load.js';

export const REPORT_FILE = OUT_NAMES.report;

/**
 * Reads the run's outputs in `out` and writes `<out>/report.html` (atomically).
 * @param options.config the resolved config, when the caller has it (else read from the saved model)
 * @returns the report's path and what could not be shown
 */
export async function writeReport(out: string, options: { config?: unknown; thumbs?: number } = {}): Promise<{ file: string; notes: string[] }> {
  const data = await loadReportData(out, options);
  const file = outLayout(out).report;
  await writeFileAtomic(file, renderReport(data));
  return { file, notes: data.notes };
}

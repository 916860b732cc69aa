import path from 'node:path';
import type { Summary } from '../pipeline.js';
import type { LogFormat } from '../progress.js';
import { loadVerdicts, type Verdicts } from '../report/load.js';
import type { SummaryLike } from '../report/types.js';
import { CLASSES_IN_FULL } from '../config/defaults.js';
import { verdictLine } from '../report/verdict.js';
import { REPORT_FILE } from '../report/write.js';
import { exists } from '../util/fs.js';
import { outLayout } from '../out/layout.js';
import { jsonOutput } from './options.js';

/**
 * The end of a run (or a merge): each scarce class's verdict (the rules report.html uses; `known`: as the run
 * worked them out before writing summary.json, else worked out here), then, as the last line, where
 * report.html is. As text on stdout; with JSON output, one `{"event":"verdict"}` line on stderr.
 */
export async function printVerdicts(s: Summary, format: LogFormat, report: boolean, known: Verdicts | null = null): Promise<void> {
  const { verdicts, staleEvaluation: stale } = known ?? (await loadVerdicts(s.out, s as SummaryLike));
  const file = path.join(s.out, REPORT_FILE);
  const hasReport = report && (await exists(file));
  if (jsonOutput(format)) {
    if (stale) process.stderr.write(JSON.stringify({ event: 'info', t: Math.round(process.uptime() * 1000) / 1000, message: stale }) + '\n');
    process.stderr.write(JSON.stringify({ event: 'verdict', t: Math.round(process.uptime() * 1000) / 1000, classes: verdicts.map((v) => ({ label: v.label, verdict: v.verdict, advice: v.advice })), report: hasReport ? file : null }) + '\n');
    return;
  }
  const lines: string[] = [];
  if (verdicts.length > 0) {
    if (verdicts.length <= CLASSES_IN_FULL) {
      lines.push('', 'verdict per class (figures against their scale; see the report):');
      for (const v of verdicts) lines.push(`  ${verdictLine(v)}`);
    } else {
      // Many classes: one line per verdict, naming its classes; each class's figures are in the report (and in --log-format json).
      lines.push('', `verdict per class (${verdicts.length} classes; each class's figures are in the report):`);
      for (const verdict of ['good', 'doubtful', 'poor'] as const) {
        const these = verdicts.filter((v) => v.verdict === verdict).map((v) => v.label);
        if (these.length > 0) lines.push(`  ${verdict} (${these.length}): ${these.join(', ')}`);
      }
    }
    // A class the filters kept nothing of has no synthetic images to use or to leave out.
    const noneKept = verdicts.filter((v) => v.noneKept).map((v) => v.label);
    const poor = verdicts.filter((v) => v.verdict === 'poor' && !v.withheld && !v.noneKept).map((v) => v.label);
    const withheld = verdicts.filter((v) => v.verdict === 'poor' && v.withheld && !v.noneKept).map((v) => v.label);
    if (poor.length > 0) lines.push(`do not use the synthetic images of ${poor.join(', ')}: train on the real images with oversampling or class weights instead`);
    if (noneKept.length > 0) lines.push(`none kept: the filters rejected every candidate of ${noneKept.join(', ')}; the manifest fills ${noneKept.length === 1 ? 'that class with its' : 'those classes with their'} real images listed again, as random oversampling would`);
    // The guard left these out already: nothing to undo, and the user should know what the manifest holds instead.
    if (withheld.length > 0) lines.push(`not delivered: the guard left out the synthetic images of ${withheld.join(', ')}; the manifest fills ${withheld.length === 1 ? 'that class with its' : 'those classes with their'} real images listed again, as random oversampling would${(await exists(outLayout(s.out).withheld)) ? `; the images it judged are in ${outLayout(s.out).withheld}/ (and in the report)` : ''}`);
  }
  if (stale) lines.push(stale);
  lines.push(hasReport ? `report: ${file}` : `report: not written (output.report is off); \`gan-augment report ${s.out}\` writes it`);
  process.stdout.write(lines.join('\n') + '\n');
}

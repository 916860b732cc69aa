/**
 * Gathers each scarce class's figures for {@link judgeClass} from what a run left: summary.json's
 * synthesis records (FID, KID and their floors, rejections, the gate, the guard),
 * the kept images' spread), train/metrics.jsonl's diversity and evaluate.json. Pure: parsed files in, figures out.
 */
import path from 'node:path';
import { gateHasLimits } from '../filter/quality-gate.js';
import { outLayout } from '../out/layout.js';
import type { EvaluationResult } from '../evaluate/types.js';
import type { SummaryLike, TrainingLine } from './types.js';
import { judgeClass, type ClassFigures, type ClassVerdict } from './verdict.js';
import { shellQuote } from '../util/shell.js';

/** What is measured on a class's image files: novelty and structure (see {@link ClassFigures}). */
export interface PixelFigures {
  novelty: number | null;
  structure: { kept: number; real: number } | null;
}

/** The last diversity ratio logged for `label` in any training job. */
export function lastDiversity(training: readonly { records: readonly TrainingLine[] }[], label: string): number | null {
  let best: { step: number; v: number } | null = null;
  for (const { records } of training) {
    for (const r of records) {
      const d = r.diversity;
      if (!d || typeof d !== 'object') continue;
      const v = (d as Record<string, unknown>)[label];
      if (typeof v === 'number' && Number.isFinite(v) && (best === null || r.step >= best.step)) best = { step: r.step, v };
    }
  }
  return best?.v ?? null;
}

/** The figures of every class that got a synthesis record. */
export function classFigures(
  summary: SummaryLike | null,
  training: readonly { records: readonly TrainingLine[] }[],
  evaluation: EvaluationResult | null,
  pixels: Record<string, PixelFigures> = {},
): ClassFigures[] {
  const hasLimits = summary?.quality?.gate ? gateHasLimits(summary.quality.gate) : false;
  return (summary?.synthesis ?? []).map((s) => {
    const q = s.quality;
    const guard = summary?.guard?.perClass?.find((g) => g.label === s.label) ?? null;
    let ev: ClassFigures['evaluate'] = null;
    if (evaluation) {
      const syn = evaluation.rows.find((r) => r.name === 'synthetic');
      const best = evaluation.rows.find((r) => r.name === evaluation.best);
      const a = syn?.recall[s.label];
      const b = best?.recall[s.label];
      const classGain = evaluation.scarce.includes(s.label) && typeof a === 'number' && typeof b === 'number' ? 100 * (a - b) : null;
      const ci = syn?.vsBest.recall?.[s.label];
      const v = (evaluation as EvaluationResult & { verdict?: { helps: boolean; reason: string } }).verdict;
      ev = {
        helps: v?.helps ?? evaluation.gain > 0,
        reason: v?.reason ?? `scarce-class recall ${evaluation.gain >= 0 ? '+' : ''}${evaluation.gain.toFixed(1)} points vs ${evaluation.best}`,
        classGain,
        // Bounds are NaN in memory and null in evaluate.json from one seed.
        classCi: ci ? { low: Number.isFinite(ci.low) ? ci.low : null, high: Number.isFinite(ci.high) ? ci.high : null } : null,
        // The guard fell back, or the filters kept none: the manifest lists no synthetic image of the class.
        delivered: !(guard?.decision === 'fallback' || s.kept === 0),
      };
    }
    // evaluate's figures against the test folder, where it ran, replace the run's against its few held-out
    // images (docs/samples.md): FID with its floor, and coverage; KID was not measured there.
    const t = evaluation?.quality?.perClass.find((x) => x.label === s.label && x.fid !== null && x.fidFloor !== null) ?? null;
    return {
      label: s.label,
      fid: t ? t.fid : (q?.fid ?? null),
      kid: t ? null : (q?.kid ?? null),
      kidStd: t ? null : (q?.kidStd ?? null),
      fidFloor: t ? t.fidFloor : (q?.fidFloor ?? null),
      kidFloor: t ? null : (q?.kidFloor ?? null),
      coverage: t && t.coverage !== null && t.coverageFloor !== null ? { kept: t.coverage, real: t.coverageFloor, test: t.test } : null,
      assigned: t && t.assigned != null && t.assignedTest != null ? { kept: t.assigned, test: t.assignedTest, n: t.test } : null,
      diversity: lastDiversity(training, s.label),
      spread: q?.spread ?? null,
      heldOutKind: t ? 'test' : 'held-out',
      heldOut: t ? t.test : q?.reference === 'held-out' && typeof q.samples?.real === 'number' ? q.samples.real : null,
      novelty: pixels[s.label]?.novelty ?? null,
      structure: pixels[s.label]?.structure ?? null,
      candidates: s.candidates ?? null,
      kept: s.kept ?? null,
      rejected: s.rejected ?? null,
      gate: hasLimits && q && typeof q.passed === 'boolean' ? { passed: q.passed, reasons: q.reasons ?? [] } : null,
      evaluate: ev,
      ...(summary?.imported ? { imported: true } : {}),
      guard: guard ? { decision: guard.decision, ...(guard.helps !== undefined ? { helps: guard.helps } : {}), ...(guard.helpsAlone !== undefined ? { helpsAlone: guard.helpsAlone } : {}), ...(guard.reason !== undefined ? { reason: guard.reason } : {}), ...(typeof guard.heldOut === 'number' ? { heldOut: guard.heldOut } : {}), ...guardGain(guard.gain) } : null,
    };
  });
}

/**
 * The guard's soft-recall gain as the verdict reads it: the mean over the seeds and its one-sided 95 % upper
 * bound, mean + (mean − low), the mirror of the one-sided lower bound the guard records (null without one).
 * Nothing from a summary without a finite mean.
 */
function guardGain(g: { mean?: unknown; low?: unknown } | undefined): { gain?: { mean: number; high: number | null } } {
  const mean = g?.mean;
  if (typeof mean !== 'number' || !Number.isFinite(mean)) return {};
  const low = g?.low;
  return { gain: { mean, high: typeof low === 'number' && Number.isFinite(low) ? 2 * mean - low : null } };
}

/** Every scarce class's verdict. */
export function classVerdicts(
  summary: SummaryLike | null,
  training: readonly { records: readonly TrainingLine[] }[],
  evaluation: EvaluationResult | null,
  pixels: Record<string, PixelFigures> = {},
): ClassVerdict[] {
  return classFigures(summary, training, evaluation, pixels).map(judgeClass);
}

/**
 * The command that answers "does it help?" for a run in `out`: paths relative to `cwd` where they lie
 * below it, shell-quoted where needed; `<held-out folder>` when none is known.
 */
export function evaluateCommand(out: string, heldOut: string | null, cwd: string): string {
  const rel = (p: string) => {
    const r = path.relative(cwd, p);
    return r && !r.startsWith('..') && !path.isAbsolute(r) ? r : p;
  };
  return `npx gan-augment evaluate --manifest ${shellQuote(rel(outLayout(out).manifest))} --test ${heldOut ? shellQuote(rel(heldOut)) : '<held-out folder>'}`;
}

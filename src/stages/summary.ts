/**
 * `summary.json`: what a run (or a merge) did, and the quality gate's verdict read from it.
 */
import type { GuardSummary } from './guard.js';
import type { Duplicates } from '../dataset/duplicates.js';
import type { FileRecord } from '../dataset/scan.js';
import { QualityGateError } from '../errors.js';
import { splitByGuard } from '../filter/quality-gate.js';
import type { Stage } from '../events.js';
import type { DecodeReport, FileCounts } from './ingest.js';
import type { QualitySummary } from './quality.js';
import type { ShardSpec } from './shard.js';
import type { ClassCounts } from '../manifest/build.js';
import type { ClassSynthesis } from './synthesize.js';
import type { ImportSummary } from '../generate/import.js';

export interface Summary {
  tool: 'gan-augment';
  version: string;
  configHash: string;
  createdAt: string;
  input: string;
  out: string;
  backend: { name: string; details: string; tfjs: string };
  classes: ClassCounts[];
  synthesis: ClassSynthesis[];
  /** Every entry of the input folder is exactly one of ingested / ignored / rejected. */
  files: FileCounts;
  rejectedFiles: FileRecord[];
  /** Ingested files with the same bytes as another: within a class, and under two labels (absent in summaries before 2026-12-06). */
  duplicates?: Duplicates;
  /** Decode settings (resize kernel included), sharp/libvips versions, and how many files the cache answered. */
  decode: DecodeReport;
  /**
   * `workers`: threads each job trained on (train.workers, resolved); `blasThreads`: OpenBLAS threads training
   * started on (train.blasThreads, resolved; null without the native backend); `blasChanges`: where `auto`
   * changed that count as the machine's load changed (seconds into training; absent where it never did).
   * Each absent in summaries before it existed.
   */
  train: {
    steps: number;
    seconds: number;
    imgPerSec: number;
    workers?: number;
    blasThreads?: number | null;
    blasChanges?: { seconds: number; threads: number; othersBusy: number }[];
    final: Record<string, number> | null;
    failed?: { job: string; reason: string }[];
  };
  durations: Record<Stage | 'total', number>;
  /** Peak resident memory of the process (all threads) up to writing this summary, in MB: what a CI runner must provide. */
  peakRssMB: number;
  /** Feature extractor, per-class FID/KID (in `synthesis`), rejections by reason, shortfall and the quality gate; null when nothing was generated. */
  quality: QualitySummary | null;
  /** Fingerprints of the code, the inputs and the config without paths (stages/fingerprint.ts); `merge` compares them across shards. */
  fingerprints: { code: string; inputs: string; config: string };
  /** This run's share of the scarce classes under `run --shard i/n`; null for a whole run. */
  shard: (ShardSpec & { classes: string[] }) | null;
  /** The do-no-harm check per scarce class (stages/guard.ts); null when `guard: off` or nothing was generated. */
  guard: GuardSummary | null;
  /** generate.from: the folder the candidates were imported from, per scarce class what it held, and what was not used; null (or absent, before 2026-12-06) when a GAN made them. */
  imported?: ImportSummary | null;
  /** Whether training ran, or the previous run's trained models were reused; `upToDate`: nothing ran at all. */
  incremental: { train: 'trained' | 'reused' | 'none'; upToDate: boolean };
}

/**
 * The error a failed quality gate ends a run or merge with (exit 3), once every output is written; null
 * when the gate passed or only warns.
 */
export function gateFailure(summary: Pick<Summary, 'quality' | 'out' | 'guard'>, onFail: 'warn' | 'fail'): QualityGateError | null {
  const { delivered: failed } = splitByGuard(summary.quality?.gate.failed ?? [], summary.guard);
  if (onFail !== 'fail' || failed.length === 0) return null;
  return new QualityGateError(`quality gate failed for ${failed.map((f) => `"${f.label}" (${f.reasons.join('; ')})`).join(', ')}; every output was written to ${summary.out}`);
}

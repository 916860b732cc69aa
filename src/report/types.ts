/** What the report reads (loosely: a summary.json from an older or newer run still renders) and shows. */
import type { EvaluationResult } from '../evaluate/types.js';
import type { TranslationView } from './translations.js';

/** The parts of summary.json the report uses; every field optional. */
export interface SummaryLike {
  version?: string;
  configHash?: string;
  createdAt?: string;
  input?: string;
  out?: string;
  backend?: { name?: string; details?: string; tfjs?: string };
  classes?: { label: string; before: number; target: number; deficit: number; synthetic: number; oversampled?: number; after: number }[];
  synthesis?: SynthesisLike[];
  files?: { found?: number; ingested?: number; ignored?: number; rejected?: number };
  decode?: { size: number; channels: 1 | 3; fit?: 'cover' | 'contain' | 'fill'; kernel?: 'nearest' | 'linear' | 'cubic' | 'mitchell' | 'lanczos2' | 'lanczos3'; background?: string; cached?: number; decoded?: number; sharp?: string; libvips?: string };
  train?: { steps?: number; seconds?: number; imgPerSec?: number; final?: Record<string, number> | null; failed?: { job: string; reason: string }[] };
  durations?: Record<string, number>;
  peakRssMB?: number;
  quality?: {
    extractor?: { id?: string; dims?: number; kind?: string } & Record<string, unknown>;
    classifier?: { trainAccuracy?: number; cached?: boolean; steps?: number; seconds?: number } | null;
    gate?: { maxFid: number | null; maxKid: number | null; onFail: string; failed: { label: string; reasons: string[] }[] };
    rejected?: Record<string, number>;
    shortfall?: number;
  } | null;
}

export interface SynthesisLike {
  label: string;
  target?: number;
  candidates?: number;
  kept?: number;
  shortfall?: number;
  cut?: number | null;
  rejected?: Record<string, number>;
  steps?: { step: string; left: number; cut: number | null }[];
  quality?: {
    fid: number | null;
    kid: number | null;
    kidStd?: number | null;
    samples?: { real: number; synthetic: number };
    passed?: boolean;
    reasons?: string[];
    note?: string;
  };
}

/** A line of train/**\/metrics.jsonl. */
export interface TrainingLine {
  job?: string;
  step: number;
  lossD?: number;
  lossG?: number;
  dReal?: number;
  dFake?: number;
  p?: number;
  imgPerSec?: number;
  dHeldOut?: number | null;
  dTrainReal?: number | null;
  diversity?: unknown;
}

/** One inlined image. */
export interface Thumb {
  /** PNG data URI. */
  uri: string;
  /** Tooltip: path, or score and seed, or the rejection reason. */
  title: string;
}

export interface ClassView {
  label: string;
  synthesis: SynthesisLike | null;
  real: Thumb[];
  kept: Thumb[];
  rejected: Thumb[];
  /** Totals behind the grids; `rejected` null when rejected candidates were not kept. */
  counts: { real: number; kept: number; rejected: number | null };
  rejectedByReason: Record<string, number>;
  /** Discriminator logits of the kept and of the (kept-on-disk) rejected candidates. */
  scores: { kept: number[]; rejected: number[] };
}

export interface ReportData {
  out: string;
  summary: SummaryLike | null;
  config: Record<string, unknown> | null;
  /** The scarce classes, each with grids and scores. */
  classes: ClassView[];
  training: { job: string; records: TrainingLine[] }[];
  evaluation: EvaluationResult | null;
  /** What could not be shown, and why. */
  notes: string[];
  /** Image side length, for display scaling. */
  size: number | null;
  /** `gan.mode: translate`: source → translated pairs per class (absent otherwise). */
  translations?: TranslationView[];
}

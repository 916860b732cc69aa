/** What the report reads (loosely: a summary.json from an older or newer run still renders) and shows. */
import type { Duplicates } from '../dataset/duplicates.js';
import type { EvaluationResult } from '../evaluate/types.js';
import type { TranslationView } from './translations.js';
import type { ClassVerdict } from './verdict.js';
import type { SoftDelivery } from './soft-labels.js';

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
  decode?: { size: number; channels: 1 | 3; fit?: 'cover' | 'contain' | 'fill'; kernel?: 'nearest' | 'linear' | 'cubic' | 'mitchell' | 'lanczos2' | 'lanczos3'; background?: string; cached?: number; decoded?: number; sharp?: string; libvips?: string; auto?: string };
  train?: { steps?: number; seconds?: number; imgPerSec?: number; workers?: number; final?: Record<string, number> | null; failed?: { job: string; reason: string }[] };
  durations?: Record<string, number>;
  peakRssMB?: number;
  quality?: {
    extractor?: { id?: string; dims?: number; kind?: string } & Record<string, unknown>;
    classifier?: { trainAccuracy?: number; cached?: boolean; steps?: number; seconds?: number; heldOut?: number } | null;
    /** The limits (quality.maxFid, …: filter/quality-gate.ts GATE_LIMITS; keys added later are absent from older summaries). */
    gate?: { maxFid: number | null; maxKid: number | null; minSpread?: number | null; onFail: string; failed: { label: string; reasons: string[] }[] };
    rejected?: Record<string, number>;
    shortfall?: number;
  } | null;
  /** Input files with the same bytes (dataset/duplicates.ts; absent in summaries before 2026-12-06). */
  duplicates?: Duplicates;
  /** generate.from: where the candidates were imported from (no GAN trained); null or absent otherwise. */
  imported?: { from: string; classes?: { label: string; found: number; candidates: number }[] } | null;
  /** How this run came by its models: trained now, reused from an earlier run of the folder, or none. */
  incremental?: { train?: 'trained' | 'reused' | 'none'; upToDate?: boolean };
  /** The do-no-harm guard's per-class decision (when the run had one). */
  guard?: {
    mode?: string;
    /** Its classifiers' seeds and steps each (absent in very old summaries). */
    seeds?: number[];
    steps?: number;
    /** Classifiers trained (absent before 2026-12-06's late morning). */
    classifiers?: number;
    /** How the classes were first judged: `each` alone or `together` side by side (absent before 2026-12-07: each alone). */
    screen?: string;
    threads?: { count: number; reason: string };
    perClass?: { label: string; decision: 'kept' | 'fallback'; helps?: boolean; helpsAlone?: boolean; withSynthetic?: unknown; without?: unknown; reason?: string; heldOut?: number; gain?: { mean?: unknown; low?: unknown } }[];
    /** The sets of classes tested side by side, judged on the scarce classes together (absent before 2026-12-06's late morning); in a merged summary each with the shard that tested it. */
    rounds?: { classes?: string[]; helps?: boolean; reason?: string; shard?: number }[];
  } | null;
  /** Written by `merge`: the shards joined, each with the scarce classes it made. */
  merged?: { shards?: { index: number; classes: string[] }[] };
}

export interface SynthesisLike {
  label: string;
  target?: number;
  /** Synthetic images asked of the filters (deliver.share × target); absent in older summaries. */
  planned?: number;
  candidates?: number;
  kept?: number;
  shortfall?: number;
  cut?: number | null;
  rejected?: Record<string, number>;
  steps?: { step: string; left: number; cut: number | null }[];
  /** The candidates' discriminator logits, binned: kept and rejected counts per bin of width `width` from `lo`. */
  scoreBins?: ScoreBins | null;
  /** generate.anchor: drawn around latents fitted to this many real images (absent: from the prior). */
  anchored?: { images: number; sigma: number; mse: number };
  quality?: {
    fid: number | null;
    kid: number | null;
    kidStd?: number | null;
    /** The class's real training images against held-out real ones, same features: what the class's own real images score (not a bound: FID reads lower from more images, so a larger kept set can read below it). */
    fidFloor?: number | null;
    kidFloor?: number | null;
    /** The kept images' spread ÷ the class's real images' (same features; metrics/spread.ts). */
    spread?: number | null;
    /** `held-out`: FID and KID are against the images the GAN held out (`samples.real` of them); `all`: against every real image. */
    reference?: 'held-out' | 'all';
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
  /** FID of the generator's samples, where training measured it (one number, or one per class). */
  fid?: number | Record<string, number> | null;
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
  /** Kept images of a class the guard fell back on (withheld/: not in the manifest), best first. */
  withheld: Thumb[];
  /** Which images the nearest-real pairs, novelty and structure were measured on: the delivered ones, or where none were delivered those the guard withheld. */
  judged: 'kept' | 'withheld';
  /** Totals behind the grids; `rejected` null when rejected candidates were not kept. */
  counts: { real: number; kept: number; rejected: number | null; withheld: number };
  rejectedByReason: Record<string, number>;
  /** Discriminator logits of the kept and of the (kept-on-disk) rejected candidates. */
  scores: { kept: number[]; rejected: number[] };
  /** A few kept images, each beside its nearest real image of the class (pixel RMS distance on 0–1). */
  pairs: NearestPair[];
  /** The real images' own nearest-other-real distance in this class (median), the scale for `pairs`. */
  realNearest: number | null;
  /** Median nearest-real distance of the kept images ÷ `realNearest` (≈ 1: as new as a real image; ≫ 1: noise). */
  novelty: number | null;
  /** Median neighbouring correlation (4× average-pooled) of the kept images and of the real images (noise ≈ 0). */
  structure: { kept: number; real: number } | null;
  /** The generator's fixed-latent samples of this class over training (train/samples/), oldest first. */
  strips: { step: number; uri: string }[];
}

export interface NearestPair {
  kept: Thumb;
  real: Thumb;
  /** RMS pixel difference on a 0–1 scale. */
  distance: number;
}

export interface ReportData {
  out: string;
  summary: SummaryLike | null;
  config: Record<string, unknown> | null;
  /** The scarce classes, each with grids and scores. */
  classes: ClassView[];
  training: { job: string; records: TrainingLine[] }[];
  evaluation: EvaluationResult | null;
  /** evaluate.json measured another manifest than the folder's (a run rewrote it since): not shown; the line that says so and how to measure this one. */
  evaluationStale?: string;
  /** What could not be shown, and why. */
  notes: string[];
  /** Image side length, for display scaling. */
  size: number | null;
  /** `gan.mode: translate`: source → translated pairs per class (absent otherwise). */
  translations?: TranslationView[];
  /** The verdict on each scarce class (the same rules as the console's end-of-run lines). */
  verdicts: ClassVerdict[];
  /** A held-out folder found beside the input (`<input>-test`, or `test/` beside a `train/`), for the evaluate command. */
  heldOut: string | null;
  /** The exact `evaluate` command for this run. */
  evaluateCommand: string;
  /** Per class, what the delivered synthetic images' soft labels and weights make of them (none under hard labels). */
  softLabels?: SoftDelivery[];
}

/** A histogram of discriminator logits over every candidate of a class, kept and rejected apart. */
export interface ScoreBins {
  lo: number;
  width: number;
  kept: number[];
  rejected: number[];
}

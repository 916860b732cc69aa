/**
 * Measuring one class's kept synthetic images against its real images: FID and KID in the feature
 * extractor's space, with what measured them. Pure (features in, figures out).
 */
import type { ExtractorInfo } from './features.js';
import { fid } from './fid.js';
import { kid } from './kid.js';
import { spreadRatio } from './spread.js';

/**
 * FID and KID of one class's kept synthetic images against real images of the class the GAN never trained on
 * (its `train.validation` hold-out), with the floor on the same scale and what measured them.
 */
export interface ClassQuality {
  label: string;
  fid: number | null;
  kid: number | null;
  /**
   * The floor: the class's real *training* images against the same held-out images, in the same features — what a
   * set as good as real scores (its own small-sample bias included). null without a hold-out (`train.validation: 0`,
   * or a class under 3 images); `fid`/`kid` then fall back to all of the class's real images.
   */
  fidFloor: number | null;
  kidFloor: number | null;
  /** Which real images `fid`/`kid` compare against. */
  reference: 'held-out' | 'all';
  /**
   * The kept images' spread ÷ the class's real images' (mean pairwise distance in the same features, all of
   * the class's real images): ≈ 1 as varied as the class, well below 1 a narrowed set (one template), above
   * it scattered. Unlike the diversity logged in training it is measured on what selection kept. null under
   * 2 kept images.
   */
  spread: number | null;
  /** Spread of KID over its subsets (0 when the sets were used whole). */
  kidStd: number | null;
  kidSubsets: number | null;
  kidSubsetSize: number | null;
  /** real: the reference images; realTrain: the training images the floor compares with them (0 without a floor). */
  samples: { real: number; synthetic: number; realTrain: number };
  extractor: { id: string; dims: number; resize: string; decodeKernel: string };
  /** Within the quality gate's limits (filter/quality-gate.ts; true when no limit is set or a score is missing). */
  passed: boolean;
  reasons: string[];
  /** Why a score is missing. */
  note?: string;
}

/** Features of one set: `rows` × `dims`, row-major. */
export interface FeatureRows {
  data: Float64Array;
  rows: number;
  dims: number;
}

/**
 * FID and KID of the kept synthetic features against the class's held-out real images (`split.held`), and the
 * floor: the class's training images (`split.train`) against the same. Without a split (null), against all of
 * the class's real images (`real`) and no floor. Both need at least 2 images on each side; otherwise the
 * scores are null with a note. The gate's verdict (`passed`, `reasons`) is left for the caller to set.
 */
export function measureClass(
  label: string,
  synth: FeatureRows,
  real: FeatureRows,
  info: ExtractorInfo,
  kidOptions: { subsets: number; subsetSize: number; seed: number },
  split: { held: FeatureRows; train: FeatureRows } | null = null,
): ClassQuality {
  const ref = split ? split.held : real;
  const nSynth = synth.rows;
  const base: ClassQuality = {
    label,
    fid: null,
    kid: null,
    fidFloor: null,
    kidFloor: null,
    spread: spreadRatio(synth, real),
    reference: split ? 'held-out' : 'all',
    kidStd: null,
    kidSubsets: null,
    kidSubsetSize: null,
    samples: { real: ref.rows, synthetic: nSynth, realTrain: split ? split.train.rows : 0 },
    extractor: { id: info.id, dims: info.dims, resize: info.resize, decodeKernel: info.decodeKernel },
    passed: true,
    reasons: [],
  };
  const floor = split && split.train.rows >= 2 && ref.rows >= 2 ? { fidFloor: fid(split.train, ref), kidFloor: kid(split.train, ref, kidOptions).kid } : {};
  if (nSynth < 2 || ref.rows < 2) return { ...base, ...floor, note: `FID and KID need at least 2 images on each side (${nSynth} kept synthetic, ${ref.rows} real)` };
  const k = kid(ref, synth, kidOptions);
  return { ...base, ...floor, fid: fid(ref, synth), kid: k.kid, kidStd: k.std, kidSubsets: k.subsets, kidSubsetSize: k.subsetSize };
}

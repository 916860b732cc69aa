/**
 * Measuring one class's kept synthetic images against its real images: FID and KID in the feature
 * extractor's space, with what measured them. Pure (features in, figures out).
 */
import type { ExtractorInfo } from './features.js';
import { fid } from './fid.js';
import { kid } from './kid.js';

/** FID and KID of one class's kept synthetic images against its real images, with what measured them. */
export interface ClassQuality {
  label: string;
  fid: number | null;
  kid: number | null;
  /** Spread of KID over its subsets (0 when the sets were used whole). */
  kidStd: number | null;
  kidSubsets: number | null;
  kidSubsetSize: number | null;
  samples: { real: number; synthetic: number };
  extractor: { id: string; dims: number; resize: string; decodeKernel: string };
  /** Within quality.maxFid / maxKid (true when no limit is set or a score is missing). */
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
 * FID and KID of the kept synthetic features against the real class's. Both need at least 2 images on
 * each side; otherwise the scores are null with a note. The gate's verdict (`passed`, `reasons`) is
 * left for the caller to set.
 */
export function measureClass(
  label: string,
  synth: FeatureRows,
  real: FeatureRows,
  info: ExtractorInfo,
  kidOptions: { subsets: number; subsetSize: number; seed: number },
): ClassQuality {
  const nSynth = synth.rows;
  const nReal = real.rows;
  const base: ClassQuality = {
    label,
    fid: null,
    kid: null,
    kidStd: null,
    kidSubsets: null,
    kidSubsetSize: null,
    samples: { real: nReal, synthetic: nSynth },
    extractor: { id: info.id, dims: info.dims, resize: info.resize, decodeKernel: info.decodeKernel },
    passed: true,
    reasons: [],
  };
  if (nSynth < 2 || nReal < 2) return { ...base, note: `FID and KID need at least 2 images on each side (${nSynth} kept synthetic, ${nReal} real)` };
  const k = kid(real, synth, kidOptions);
  return { ...base, fid: fid(real, synth), kid: k.kid, kidStd: k.std, kidSubsets: k.subsets, kidSubsetSize: k.subsetSize };
}

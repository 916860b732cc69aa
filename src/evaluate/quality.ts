/**
 * The kept synthetic images of each scarce class against the test folder: the figures a run cannot
 * measure well on its own few held-out images (docs/samples.md, "Can a run's own figures be trusted?").
 * FID against the class's test images beside its floor (the class's real training images against the same),
 * and coverage (Naeem et al. 2020) of the test images by as many kept images as the class has real
 * training images beside what those real images cover. Pure: features in, figures out.
 */
import { coverage } from '../metrics/coverage.js';
import { fid } from '../metrics/fid.js';
import { evenRows } from '../metrics/spread.js';
import type { FeatureMatrix } from '../metrics/stats.js';

/** Neighbours that set each test image's coverage radius (the paper's default). */
export const COVERAGE_K = 5;

/** One scarce class's kept images against the test folder. */
export interface HeldOutQuality {
  label: string;
  /** Test images, real training images and kept synthetic images of the class. */
  test: number;
  real: number;
  kept: number;
  /** null with fewer than 2 images on a side. */
  fid: number | null;
  fidFloor: number | null;
  /**
   * Share of the test images whose k-th-nearest-test-neighbour ball holds one of `min(kept, real)` kept
   * images (evenly spaced over the kept set), and the same for the class's real training images; null with
   * fewer than k + 1 test images or no kept image.
   */
  coverage: number | null;
  coverageFloor: number | null;
  /**
   * Share of the kept images the classifier assigns to the class (argmax), and of the class's test images —
   * its recall there, the scale: kept images that are the class should be recognised about as often as its
   * real test images are. null with no image on a side; absent from evaluate.json files written before it.
   */
  assigned?: number | null;
  assignedTest?: number | null;
}

/**
 * The figures of one class from its test, real-training and kept features (same extractor), and how many of
 * its kept and test images the extractor's classifier assigns to it (`hits`).
 */
export function heldOutQuality(label: string, sets: { test: FeatureMatrix; real: FeatureMatrix; kept: FeatureMatrix }, hits?: { kept: number; test: number }): HeldOutQuality {
  const { test, real, kept } = sets;
  const two = (m: FeatureMatrix) => m.rows >= 2;
  const k = Math.min(COVERAGE_K, test.rows - 1);
  const canCover = k >= 1 && kept.rows >= 1 && real.rows >= 1;
  return {
    label,
    test: test.rows,
    real: real.rows,
    kept: kept.rows,
    fid: two(test) && two(kept) ? fid(kept, test) : null,
    fidFloor: two(test) && two(real) ? fid(real, test) : null,
    coverage: canCover ? coverage(test, evenRows(kept, real.rows), k) : null,
    coverageFloor: canCover ? coverage(test, real, k) : null,
    ...(hits ? { assigned: kept.rows > 0 ? hits.kept / kept.rows : null, assignedTest: test.rows > 0 ? hits.test / test.rows : null } : {}),
  };
}

/**
 * `filter.shortfall: oversample`: what the filters left a class short of, filled by listing the class's
 * real images again, so the output is balanced even when the generator's samples are not good enough to
 * pass. The entries say so (`source: "oversampled"`), and a consumer that wants only real and synthetic
 * images drops them by that field. Pure apart from the seeded Rng it is handed.
 */
import { oversampledEntry, type ManifestEntry } from '../manifest/build.js';
import type { Rng } from '../util/rng.js';
import { repeatInRounds } from '../util/rounds.js';

/**
 * `count` entries repeating `real` (one class's real entries) in shuffled rounds: every image is listed
 * once before any is listed twice, so no real image weighs much more than another.
 * @returns [] when `real` is empty (nothing to repeat) or `count` ≤ 0
 */
export function fillShortfall(real: readonly ManifestEntry[], count: number, rng: Rng): ManifestEntry[] {
  return repeatInRounds(real, count, rng).map(oversampledEntry);
}

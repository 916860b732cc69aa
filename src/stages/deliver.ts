/**
 * How the kept synthetic images enter the augmented dataset (`deliver` in the config): how many images of
 * each scarce class's fill are synthetic; the rest of the fill is the class's real images listed again
 * (write.ts `fillShortfalls`), and each synthetic image's recommended target is its class (`hard`) or the
 * real-data teacher's probabilities (`soft`, targets.ts). Pure.
 */
import { AUTO_SHARE } from '../config/defaults.js';

/** `deliver.share` as a run uses it: a set number, or under `auto` {@link AUTO_SHARE}'s for where the candidates come from. */
export function deliverShare(config: { deliver: { share: number | 'auto' }; generate: { from: string | null } }): number {
  const share = config.deliver.share;
  if (share !== 'auto') return share;
  return config.generate.from !== null ? AUTO_SHARE.imported : AUTO_SHARE.trained;
}

/**
 * Synthetic images asked of the filters for a class that lacks `deficit` images: `share` × deficit,
 * rounded half up, never more than the deficit (at least 1 for a deficit ≥ 1 and share > 0: a class is
 * never quietly left without any synthetic image by rounding).
 */
export function plannedSynthetic(deficit: number, share: number): number {
  if (deficit <= 0 || share <= 0) return 0;
  return Math.min(deficit, Math.max(1, Math.round(share * deficit)));
}

/** Real images listed again in a class's fill by design: what `deliver.share` leaves to them. */
export function mixedReal(c: { target: number; planned: number }): number {
  return Math.max(0, c.target - c.planned);
}

/** `deliver.share` as a message names it: the number, and whether `auto` chose it. */
export function shareText(config: Parameters<typeof deliverShare>[0]): string {
  return config.deliver.share === 'auto' ? `auto = ${deliverShare(config)}` : String(config.deliver.share);
}

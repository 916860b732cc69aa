/**
 * An exponential moving average of the generator's weights, used for all sampling: it averages out the
 * oscillation of adversarial training and gives visibly cleaner, more stable samples (Karras et al.).
 * The half-life ramps up with training as in StyleGAN2-ADA, so short runs are not dominated by the
 * random initial weights.
 */
import { tf } from '../tf.js';
import { variableOf, type Params } from './params.js';

export interface EmaSettings {
  /** Half-life of the average, in images. */
  halfLifeImages: number;
  /** The half-life is at most this fraction of the images seen so far. */
  rampup: number;
}

/** A copy of `params` (new variables, same trainability). */
export function cloneParams(params: Params): Params {
  return Object.fromEntries(Object.entries(params).map(([k, v]) => [k, variableOf(v.clone(), v.trainable)]));
}

/** β for this step: 0.5^(batch / halfLife), halfLife = min(halfLifeImages, rampup × imagesSeen). */
export function emaBeta(s: EmaSettings, batch: number, imagesSeen: number): number {
  const halfLife = Math.min(s.halfLifeImages, s.rampup > 0 ? imagesSeen * s.rampup : s.halfLifeImages);
  return halfLife > 0 ? Math.pow(0.5, batch / halfLife) : 0;
}

/** ema ← β·ema + (1 − β)·g for trainable weights. */
export function updateEma(ema: Params, g: Params, beta: number): void {
  tf.tidy(() => {
    for (const [k, v] of Object.entries(g)) {
      if (!v.trainable) continue;
      const e = ema[k]!;
      e.assign(e.mul(beta).add(v.mul(1 - beta)));
    }
  });
}

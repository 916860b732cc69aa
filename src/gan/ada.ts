/**
 * The adaptive augmentation controller of StyleGAN2-ADA (Karras et al. 2020), pure: it watches
 * r = E[sign(D(real))] on the training images — near 1 when D has memorised them — and every `interval`
 * steps moves the augmentation probability p towards keeping r at `target`.
 */

export interface AdaSettings {
  /** r above this means D is over-fitting: raise p. 0.6 in the paper. */
  target: number;
  /** Steps between adjustments. */
  interval: number;
  /** Images over which p may move from 0 to 1. */
  speedImages: number;
  /** Upper bound on p. */
  maxP: number;
}

export interface AdaState {
  p: number;
  /** Running sum of sign(D(real)) and its count since the last adjustment. */
  signSum: number;
  count: number;
  /** The r of the last adjustment (for logs). */
  lastR: number | null;
}

export function initAda(p: number): AdaState {
  return { p, signSum: 0, count: 0, lastR: null };
}

/** Accumulates one step's real logits; adjusts p every `interval` steps. Returns the new state. */
export function updateAda(state: AdaState, realLogits: ArrayLike<number>, step: number, batch: number, s: AdaSettings): AdaState {
  let signSum = state.signSum;
  for (let i = 0; i < realLogits.length; i++) signSum += Math.sign(realLogits[i]!);
  const count = state.count + realLogits.length;
  if (step % s.interval !== 0 || count === 0) return { ...state, signSum, count };
  const r = signSum / count;
  const delta = (Math.sign(r - s.target) * (batch * s.interval)) / s.speedImages;
  const p = Math.min(s.maxP, Math.max(0, state.p + delta));
  return { p, signSum: 0, count: 0, lastR: r };
}

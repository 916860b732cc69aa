/**
 * LeCam regularisation (Tseng et al., "Regularizing Generative Adversarial Networks under Limited Data",
 * CVPR 2021), pure bookkeeping: D's loss also gets
 *   λ · ( E[relu(D(real) − α_fake)²] + E[relu(α_real − D(fake))²] ),
 * where α_real, α_fake are exponential moving averages of D's mean logit on real and on generated images.
 * It keeps D's predictions from drifting apart when D starts to memorise a small training set (the
 * paper bounds it by a LeCam divergence), and stacks with DiffAugment / ADA. The term itself is
 * `lecamTerm` in losses.ts; this module keeps the averages.
 *
 * The averages are zero-debiased (as in the paper's code: EMA / (1 − decay^n)), so the anchors are D's
 * actual recent means from the first step on. A step uses the anchors of the steps before it (the
 * current step's means come out of the same pass the term is part of).
 */

/** Decay of the moving averages per step: the paper's 0.99 (a time constant of ~100 steps). */
export const LECAM_DECAY = 0.99;

export interface LecamState {
  /** Biased EMAs of D's mean logit on real and generated images, and the steps averaged. */
  real: number;
  fake: number;
  steps: number;
}

/** What one D step is regularised towards: λ, and the anchors α_real, α_fake. */
export interface LecamAnchors {
  weight: number;
  real: number;
  fake: number;
}

export function initLecam(): LecamState {
  return { real: 0, fake: 0, steps: 0 };
}

/** The state after a step whose mean logits were `dReal`, `dFake`. */
export function updateLecam(s: LecamState, dReal: number, dFake: number, decay = LECAM_DECAY): LecamState {
  return { real: decay * s.real + (1 - decay) * dReal, fake: decay * s.fake + (1 - decay) * dFake, steps: s.steps + 1 };
}

/** The anchors for the next step at weight λ, or undefined when λ is 0 or nothing has been averaged yet. */
export function lecamAnchors(s: LecamState, weight: number, decay = LECAM_DECAY): LecamAnchors | undefined {
  if (!(weight > 0) || s.steps === 0) return undefined;
  const debias = 1 - decay ** s.steps;
  return { weight, real: s.real / debias, fake: s.fake / debias };
}

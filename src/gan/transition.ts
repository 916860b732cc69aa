/**
 * The transition from unconditional to conditional training of "Collapse by Conditioning" (Shahbazi et
 * al., ICLR 2023): a class-conditional GAN trained on few images per class collapses each class onto a
 * few templates, while the same GAN trained unconditionally keeps its diversity. So training starts
 * unconditional and blends the class in: G's class embedding and D's class term are scaled by
 *
 *   λ(t) = clamp((t − start·T) / ((end − start)·T), 0, 1)       (T = train.steps)
 *
 * Pure: the weight depends only on the step, so a resumed run continues the same schedule.
 */

export interface TransitionSettings {
  /** Fraction of train.steps at which the class starts to enter (λ leaves 0). */
  start: number;
  /** Fraction of train.steps from which training is fully conditional (λ = 1). `end: 0` = off. */
  end: number;
}

/** λ for 1-based `step` of `steps`; 1 when the transition is off (`end` = 0). */
export function conditionWeight(step: number, steps: number, t: TransitionSettings): number {
  if (t.end <= 0) return 1;
  const from = t.start * steps;
  const to = t.end * steps;
  if (step >= to) return 1;
  if (step <= from) return 0;
  return (step - from) / (to - from);
}

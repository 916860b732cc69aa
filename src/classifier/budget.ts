/**
 * The feature classifier's training budget (`features.classifier.steps`). Batches are class-balanced, so
 * at a fixed budget each class is seen less the more classes there are: `auto` gives each class the same
 * share of steps as 400 steps gave 10 classes, never fewer than 400 — every dataset of up to 10 classes
 * trains exactly as it did before `auto`.
 */
export const FEATURE_CLASSIFIER_STEPS = { min: 400, perClass: 40 } as const;

/** The steps a `features.classifier.steps` setting gives for `classes` classes. */
export function featureClassifierSteps(setting: 'auto' | number, classes: number): number {
  return setting === 'auto' ? Math.max(FEATURE_CLASSIFIER_STEPS.min, FEATURE_CLASSIFIER_STEPS.perClass * classes) : setting;
}

/**
 * Every default, in one typed place: the config schema's defaults, resolved once. Modules that take
 * settings outside a config (library calls, `evaluate`'s flags) read their defaults from here, never
 * from a copy.
 */
import { ConfigSchema, type Config } from './schema.js';

/** The resolved config with nothing set (the input path is a placeholder: it has no default). */
export const DEFAULTS: Readonly<Config> = ConfigSchema.parse({ input: '.' });

/**
 * What `evaluate` trains for every row by default (its flags override it). Not a config setting: the
 * yardstick must not move with a run's config. It is the feature classifier's architecture
 * (`features.classifier`) with a larger budget than the run's quick classifier, about 4 passes over
 * fmnist-lt, so the comparison is between training sets and not between under-trained models.
 */
export const EVALUATE_DEFAULTS = {
  /** Adam steps: the whole budget, the same for every row. */
  steps: 600,
  batchSize: 64,
  lr: 2e-3,
  /** Random shift of each training image, in pixels (0 = none). */
  shift: 2,
  /** Conv widths of the classifier. */
  widths: [16, 32, 64] as number[],
} as const;

/** The generator architectures and conditionings (see generator.ts); kept free of tfjs so the config schema can import them. */
export const GENERATOR_ARCHS = ['upsample', 'dcgan', 'upsample-refine'] as const;
export type GeneratorArch = (typeof GENERATOR_ARCHS)[number];

/**
 * How the class enters the generator: `input` (a class embedding concatenated to z before the first
 * layer) or `batchnorm` (z alone feeds the first layer; each batch-norm layer's gain and bias get a
 * per-class offset — conditional batch norm, as in SNGAN's and BigGAN's generators).
 */
export const GENERATOR_CONDITIONINGS = ['input', 'batchnorm'] as const;
export type GeneratorConditioning = (typeof GENERATOR_CONDITIONINGS)[number];

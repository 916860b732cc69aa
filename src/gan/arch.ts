/** The generator architectures and conditionings (see generator.ts); kept free of tfjs so the config schema can import them. */
export const GENERATOR_ARCHS = ['upsample', 'dcgan', 'upsample-refine'] as const;
export type GeneratorArch = (typeof GENERATOR_ARCHS)[number];

/**
 * How the class enters the generator: `input` (a class embedding concatenated to z before the first
 * layer), `batchnorm` (z alone feeds the first layer; each batch-norm layer's gain and bias get an
 * offset projected linearly from the class embedding — conditional batch norm, as in BigGAN) or `both`
 * (the embedding in the input and in every BN layer, as BigGAN's shared embedding).
 */
export const GENERATOR_CONDITIONINGS = ['input', 'batchnorm', 'both'] as const;
export type GeneratorConditioning = (typeof GENERATOR_CONDITIONINGS)[number];

/** Where the class enters under each conditioning: the input embedding, the BN offsets (absent — models saved before the field — = `input`). */
export const conditioningParts = (c: GeneratorConditioning | undefined): { input: boolean; batchnorm: boolean } => {
  const k = c ?? 'input';
  return { input: k !== 'batchnorm', batchnorm: k !== 'input' };
};

/**
 * The GAN's named choices — generator architectures and conditionings (generator.ts), losses (losses.ts),
 * DiffAugment operations (augment.ts) — and the models' layer shapes that their builders and their cost
 * (cost.ts) share, kept free of tfjs, so that the config schema, and every command that only reads a config
 * (validate, scan, init, schema, report), loads without it.
 */
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

/** The generator's channels after its first and second ×2 stage (the second only in `upsample-refine`; the first feature map has `width`). */
export const stageWidths = (width: number): { w2: number; w3: number } => ({ w2: Math.max(1, width / 2), w3: Math.max(1, width / 4) });

/**
 * The discriminator's input channels (a `concat` head adds the label plane) and the length of its flattened
 * features φ (the second conv's 2·width channels at a quarter of the side, plus minibatch-stddev's one).
 */
export const discriminatorShape = (spec: { size: number; channels: number; width: number; head?: string; mbstd?: boolean }): { inC: number; flat: number } => ({
  inC: spec.channels + (spec.head === 'concat' ? 1 : 0),
  flat: (spec.size / 4) * (spec.size / 4) * (2 * spec.width + (spec.mbstd ? 1 : 0)),
});

export const LOSSES = ['ns', 'hinge', 'wgan-gp'] as const;
export type LossName = (typeof LOSSES)[number];

/**
 * DiffAugment's operations (augment.ts). `flip` mirrors half of the images left–right (StyleGAN2-ADA's
 * x-flip), real and generated alike, as every operation there. At p = 1 a mirrored image looks to D exactly
 * like its original, so G may draw either orientation: only for classes that look the same mirrored.
 */
export const AUGMENTATIONS = ['color', 'translation', 'cutout', 'flip'] as const;
export type Augmentation = (typeof AUGMENTATIONS)[number];

/** The generator architectures (see generator.ts); kept free of tfjs so the config schema can import it. */
export const GENERATOR_ARCHS = ['upsample', 'dcgan', 'upsample-refine'] as const;
export type GeneratorArch = (typeof GENERATOR_ARCHS)[number];

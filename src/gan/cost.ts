/**
 * What one image costs a noise GAN's forward pass, in multiply-adds, from the models' specs: a
 * machine-independent measure of the work in a training step, for choices that depend on it (how many
 * threads to split a step across, parallel/plan.ts). Pure and tfjs-free.
 *
 * Layer by layer as generator.ts and discriminator.ts build them: a layer's multiply-adds are its weight's
 * size times the output positions it is applied at. Class embeddings and per-class rows are lookups, not
 * products, and are left out; so are bias adds, normalisation and activations, which are linear in the
 * activations and small beside the convolutions. test/gan/cost.test.ts checks each weight size against
 * the built models.
 */
import { conditioningParts, discriminatorShape, stageWidths } from './arch.js';
import type { DiscriminatorSpec } from './discriminator.js';
import type { GeneratorSpec } from './generator.js';

export interface LayerCost {
  /** The parameter holding the layer's weight. */
  param: string;
  /** Its size (entries). */
  weights: number;
  /** Output positions (pixels, or 1 for a dense layer) the weight is applied at, per image. */
  positions: number;
}

/** The generator's layers that multiply (generator.ts `buildGenerator` / `forward`). */
export function generatorLayers(spec: GeneratorSpec): LayerCost[] {
  const { size, width: w1, channels } = spec;
  const s0 = size / 4;
  const { w2, w3 } = stageWidths(w1);
  const arch = spec.arch ?? 'dcgan';
  const { input: byInput, batchnorm: byBn } = conditioningParts(spec.conditioning);
  const k = arch === 'dcgan' ? 25 : 9;
  const dense: LayerCost = { param: 'denseW', weights: (spec.latentDim + (byInput ? spec.embedDim : 0)) * s0 * s0 * w1, positions: 1 };
  // Conditional BN: γ and β offsets are each image's embedding times a projection.
  const bn = (l: string, c: number): LayerCost[] =>
    byBn
      ? [
          { param: `${l}EmbedGamma`, weights: spec.embedDim * c, positions: 1 },
          { param: `${l}EmbedBeta`, weights: spec.embedDim * c, positions: 1 },
        ]
      : [];
  const up1: LayerCost = { param: 'up1W', weights: k * w1 * w2, positions: (2 * s0) ** 2 };
  const tail: LayerCost[] =
    arch === 'upsample-refine'
      ? [{ param: 'up2W', weights: 9 * w2 * w3, positions: size * size }, ...bn('bn3', w3), { param: 'outW', weights: 9 * w3 * channels, positions: size * size }]
      : [{ param: 'up2W', weights: k * w2 * channels, positions: size * size }];
  return [dense, ...bn('bn1', w1), up1, ...bn('bn2', w2), ...tail];
}

/** The discriminator's layers that multiply (discriminator.ts `buildDiscriminator`). */
export function discriminatorLayers(spec: DiscriminatorSpec): LayerCost[] {
  const { size, width } = spec;
  const head = spec.head ?? 'projection';
  const { inC, flat } = discriminatorShape(spec);
  const layers: LayerCost[] = [
    { param: 'conv1W', weights: 25 * inC * width, positions: (size / 2) ** 2 },
    { param: 'conv2W', weights: 25 * width * 2 * width, positions: (size / 4) ** 2 },
    { param: 'denseW', weights: flat, positions: 1 },
  ];
  // The projection head's inner product with the class's row: one row, `flat` products.
  if (head === 'projection') layers.push({ param: 'projection', weights: flat, positions: 1 });
  if (head === 'acgan') layers.push({ param: 'classW', weights: flat * spec.numClasses, positions: 1 });
  return layers;
}

const total = (layers: LayerCost[]) => layers.reduce((n, l) => n + l.weights * l.positions, 0);

/** Multiply-adds of one image through G's forward pass and one through D's. */
export function imageMacs(specs: { g: GeneratorSpec; d: DiscriminatorSpec }): number {
  return total(generatorLayers(specs.g)) + total(discriminatorLayers(specs.d));
}

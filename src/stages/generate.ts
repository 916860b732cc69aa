/**
 * Generation: `deficit × generate.oversample` candidates of one scarce class from its trained model,
 * each with its own seed (derived from the run seed and the label, so both GAN modes give each class its
 * own latents) and the discriminator's logit.
 */
import type { Config } from '../config/schema.js';
import type { EventSink } from '../events.js';
import type { Discriminator } from '../gan/discriminator.js';
import type { Generator } from '../gan/generator.js';
import { sampleClass, seedsFor, type Candidates } from '../generate/sample.js';
import { labelSalt } from '../util/rng.js';

/** The trained model that makes a class, and the class's index in that model. */
export type ModelFor = Map<string, { g: Generator; d: Discriminator; classIndex: number }>;

/** How many candidates a class with this deficit gets. */
export const candidatesFor = (deficit: number, config: Config): number => Math.ceil(deficit * config.generate.oversample);

/**
 * Samples one class's candidates, batch by batch.
 * @throws {InterruptedError} when `signal` is aborted (checked before each batch)
 */
export async function generateCandidates(
  model: { g: Generator; d: Discriminator; classIndex: number },
  label: string,
  deficit: number,
  config: Config,
  emit: EventSink,
  signal?: AbortSignal,
): Promise<Candidates & { scores: Float32Array }> {
  const n = candidatesFor(deficit, config);
  const cands = await sampleClass(
    model.g,
    model.d,
    model.classIndex,
    n,
    seedsFor(config.seed, labelSalt(label), n),
    config.generate.batchSize,
    (done) => emit({ type: 'generate.progress', label, done, total: n }),
    signal,
  );
  return { ...cands, scores: cands.scores! };
}

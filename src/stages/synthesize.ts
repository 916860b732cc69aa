/**
 * Stage 3: for each scarce class, sample `deficit × oversample` candidates from the trained generator
 * and keep the best `deficit` by discriminator score.
 */
import type { Config } from '../config/schema.js';
import type { ClassBalance } from '../dataset/balance.js';
import type { EventSink } from '../events.js';
import { keepTopByScore } from '../filter/discriminator-score.js';
import type { Discriminator } from '../gan/discriminator.js';
import type { Generator } from '../gan/generator.js';
import { labelSalt } from '../generate/from-model.js';
import { sampleClass, seedsFor } from '../generate/sample.js';

export interface SyntheticImage {
  label: string;
  seed: number;
  score: number;
  /** Rank among the kept images of its class (0 = best). */
  rank: number;
  pixels: Uint8Array;
}

export interface ClassSynthesis {
  label: string;
  candidates: number;
  kept: number;
  /** Lowest kept discriminator score. */
  cut: number | null;
}

/** The trained model that makes a class, and the class's index in that model. */
export type ModelFor = Map<string, { g: Generator; d: Discriminator; classIndex: number }>;

export async function synthesize(
  models: ModelFor,
  scarce: ClassBalance[],
  config: Config,
  emit: EventSink,
): Promise<{ images: SyntheticImage[]; classes: ClassSynthesis[] }> {
  const per = config.decode.size * config.decode.size * config.decode.channels;
  const images: SyntheticImage[] = [];
  const classes: ClassSynthesis[] = [];
  for (const c of scarce) {
    const { g, d, classIndex: ci } = models.get(c.label)!;
    const n = Math.ceil(c.deficit * config.generate.oversample);
    // Seeds depend on the label, not on the model's class index, so both modes give each class its own.
    const cands = await sampleClass(g, d, ci, n, seedsFor(config.seed, labelSalt(c.label), n), config.generate.batchSize, (done) =>
      emit({ type: 'generate.progress', label: c.label, done, total: n }),
    );
    const decision = keepTopByScore(cands.scores!, c.deficit);
    decision.kept.forEach((idx, rank) => {
      images.push({ label: c.label, seed: cands.seeds[idx]!, score: cands.scores![idx]!, rank, pixels: cands.pixels.slice(idx * per, (idx + 1) * per) });
    });
    classes.push({ label: c.label, candidates: n, kept: decision.kept.length, cut: decision.cut });
  }
  return { images, classes };
}

/**
 * Candidates for a scarce class from a translator: real images of other classes (the sources), each
 * translated into the class. Which sources, and how many from each class, is `gan.translate.sources` /
 * `sourceMix`; the choice is seeded per class, and a translated image depends only on its source and the
 * class (the translator normalises per image), so a manifest row's source reproduces its image.
 */
import { tf } from '../tf.js';
import type { Config } from '../config/schema.js';
import type { Discriminator } from '../gan/discriminator.js';
import { runBatches } from './batches.js';
import { translate, type Translator } from '../gan/translator.js';
import { Rng } from '../util/rng.js';

export interface TranslatedCandidates {
  /** uint8 NHWC pixels of `count` images. */
  pixels: Uint8Array;
  count: number;
  /** Discriminator logit per candidate, or null without a discriminator. */
  scores: Float32Array | null;
}

/**
 * The source classes for `target`: `non-scarce` = every class not in `scarce`, `others` = every class
 * but the target, or the labels listed (the target itself is never a source). Falls back to every other
 * class when the setting leaves none (e.g. every class is scarce).
 */
export function sourceClasses(labels: readonly string[], target: string, scarce: readonly string[], setting: Config['gan']['translate']['sources']): string[] {
  const others = labels.filter((l) => l !== target);
  const chosen = setting === 'others' ? others : setting === 'non-scarce' ? others.filter((l) => !scarce.includes(l)) : others.filter((l) => setting.includes(l));
  return chosen.length > 0 ? chosen : others;
}

/**
 * `n` distinct source images (indices into the dataset) from `classes` (class indices), in a seeded order:
 * `balanced` takes them from each class in turn (a class that runs out drops out of the turn), `proportional`
 * draws from all their images pooled. At most as many as there are images, never one of `skip`.
 */
export function pickSources(labels: Int32Array, classes: readonly number[], n: number, mix: 'balanced' | 'proportional', seed: number, skip: ReadonlySet<number> = new Set()): number[] {
  const rng = new Rng(seed >>> 0);
  const shuffle = (a: number[]) => {
    for (let i = a.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [a[i], a[j]] = [a[j]!, a[i]!];
    }
    return a;
  };
  const byClass = classes.map((c) => {
    const idx: number[] = [];
    labels.forEach((l, i) => l === c && !skip.has(i) && idx.push(i));
    return shuffle(idx);
  });
  if (mix === 'proportional') return shuffle(byClass.flat()).slice(0, n);
  const out: number[] = [];
  for (let round = 0; out.length < n; round++) {
    const before = out.length;
    for (const list of byClass) if (round < list.length && out.length < n) out.push(list[round]!);
    if (out.length === before) break;
  }
  return out;
}

/**
 * Translates the images `sources` of `pixels` (uint8 NHWC) into class `classIndex`, batch by batch, with
 * the discriminator's logit for each when `d` is given.
 */
export async function translateImages(
  t: Translator,
  d: Discriminator | null,
  classIndex: number,
  pixels: Uint8Array,
  sources: readonly number[],
  batchSize: number,
  onProgress?: (done: number) => void,
  signal?: AbortSignal,
): Promise<TranslatedCandidates> {
  const { size, channels } = t.spec;
  const per = size * size * channels;
  const count = sources.length;
  const { pixels: out, scores } = await runBatches({
    count,
    batchSize,
    per,
    d,
    make: (at) => {
      const n = at.length;
      const x = new Float32Array(n * per);
      for (let i = 0; i < n; i++) {
        const src = sources[at[i]!]! * per;
        for (let k = 0; k < per; k++) x[i * per + k] = pixels[src + k]! / 127.5 - 1;
      }
      const labels = tf.fill([n], classIndex, 'int32') as tf.Tensor1D;
      return { images: translate(t, tf.tensor4d(x, [n, size, size, channels]), labels), labels };
    },
    interrupted: (start) => `interrupted during generate (${start} of ${count} images translated into class ${classIndex})`,
    ...(onProgress ? { onProgress } : {}),
    ...(signal ? { signal } : {}),
  });
  return { pixels: out, count, scores };
}

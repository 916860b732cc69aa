/**
 * Sampling a saved generator without retraining: `gan-augment generate`. The generator carries its
 * eval-mode statistics, so with the run's seed the same (label, seed) gives the same image it gave in
 * the run.
 */
import path from 'node:path';
import type { Config } from '../config/schema.js';
import { UserError } from '../errors.js';
import type { Generator, GeneratorSpec } from '../gan/generator.js';
import { loadParams } from '../gan/model-io.js';
import { disposeParams } from '../gan/params.js';
import type { ManifestEntry } from '../manifest/build.js';
import { writeManifest, writePngs } from '../manifest/write.js';
import { relativePosix } from '../util/fs.js';
import { safeSegment } from '../util/safe-name.js';
import { sampleClass, seedsFor } from './sample.js';

/** Per-label salt for seeds, so each class draws its own latents whatever its index in a model. */
export function labelSalt(label: string): number {
  let h = 2166136261;
  for (const ch of label) h = Math.imul(h ^ ch.codePointAt(0)!, 16777619) >>> 0;
  return h;
}

export interface GenerateRequest {
  model: string;
  label: string;
  count: number;
  out: string;
  /** Defaults to the seed of the run that trained the model. */
  seed?: number;
  batchSize?: number;
  onProgress?: (done: number, total: number) => void;
}

/**
 * Writes `count` images of `label` to `<out>/<label>/` and `<out>/manifest.jsonl`.
 * @throws {UserError} when the model folder is not a generator or does not know the label.
 */
export async function generateFromModel(req: GenerateRequest): Promise<{ files: string[]; seed: number }> {
  const { saved, params } = await loadParams<GeneratorSpec>(req.model, 'generator');
  const g: Generator = { spec: saved.spec, params };
  try {
    const classIndex = saved.labels.indexOf(req.label);
    if (classIndex < 0) {
      throw new UserError(`--class: the model at ${req.model} knows ${saved.labels.map((l) => `"${l}"`).join(', ')}; received "${req.label}"`);
    }
    const config = saved.meta['config'] as Config | undefined;
    const seed = req.seed ?? config?.seed ?? 0;
    const seeds = seedsFor(seed, labelSalt(req.label), req.count);
    const cands = await sampleClass(g, null, classIndex, req.count, seeds, req.batchSize ?? 256, (done) => req.onProgress?.(done, req.count));
    const { size, channels } = g.spec;
    const per = size * size * channels;
    const dir = path.join(req.out, safeSegment(req.label));
    const files = seeds.map((s, i) => path.join(dir, `${String(i).padStart(5, '0')}-${s.toString(16).padStart(8, '0')}.png`));
    const hashes = await writePngs(
      files.map((file, i) => ({ file, pixels: cands.pixels.subarray(i * per, (i + 1) * per) })),
      size,
      channels as 1 | 3,
    );
    const step = saved.meta['step'];
    const entries: ManifestEntry[] = files.map((f, i) => ({
      path: relativePosix(req.out, f),
      label: req.label,
      split: 'train',
      source: 'synthetic',
      score: null,
      scores: null,
      generator: relativePosix(req.out, path.resolve(req.model)),
      generatorStep: typeof step === 'number' ? step : null,
      seed: seeds[i]!,
      sha256: hashes[i]!,
    }));
    await writeManifest(path.join(req.out, 'manifest.jsonl'), entries);
    return { files, seed };
  } finally {
    disposeParams(g.params);
  }
}

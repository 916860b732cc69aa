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
import { PngWriter, writeManifest } from '../manifest/write.js';
import { syntheticName } from '../out/layout.js';
import { relativePosix } from '../util/fs.js';
import { labelSalt } from '../util/rng.js';
import { safeSegment } from '../util/safe-name.js';
import { sampleClass, seedsFor } from './sample.js';

export { labelSalt };

export interface GenerateRequest {
  model: string;
  /** Labels to sample, each `count` times, in this order. */
  labels: string[];
  count: number;
  out: string;
  /** Defaults to the seed of the run that trained the model. */
  seed?: number;
  batchSize?: number;
  /** Images sampled so far, over all labels, and the label being sampled. */
  onProgress?: (done: number, total: number, label: string) => void;
}

/**
 * Samples `seeds` of one class batch by batch and queues each batch's PNGs (to `files`, in order) on
 * `writer`, whose thread encodes and writes them while the next batch is sampled.
 */
export async function sampleToPngs(
  g: Generator,
  classIndex: number,
  seeds: number[],
  files: string[],
  batchSize: number,
  writer: PngWriter,
  onProgress?: (done: number) => void,
): Promise<void> {
  const { size, channels } = g.spec;
  const per = size * size * channels;
  for (let start = 0; start < seeds.length; start += batchSize) {
    const chunk = seeds.slice(start, start + batchSize);
    const cands = await sampleClass(g, null, classIndex, chunk.length, chunk, batchSize);
    writer.write(chunk.map((_, i) => ({ file: files[start + i]!, pixels: cands.pixels.subarray(i * per, (i + 1) * per) })));
    onProgress?.(start + chunk.length);
  }
}

/**
 * Writes `count` images of each label to `<out>/<label>/` and `<out>/manifest.jsonl`. The PNGs of one
 * batch are written while the next batch (or the next label's first) is sampled.
 * @throws {UserError} when the model folder is not a generator or does not know a label.
 */
export async function generateFromModel(req: GenerateRequest): Promise<{ files: string[]; seed: number }> {
  const { saved, params } = await loadParams<GeneratorSpec>(req.model, 'generator');
  const g: Generator = { spec: saved.spec, params };
  try {
    const unknown = req.labels.filter((l) => !saved.labels.includes(l));
    if (unknown.length > 0) {
      throw new UserError(
        `--class: the model at ${req.model} knows ${saved.labels.map((l) => `"${l}"`).join(', ')}; received ${unknown.map((l) => `"${l}"`).join(', ')}`,
      );
    }
    const config = saved.meta['config'] as Config | undefined;
    const seed = req.seed ?? config?.seed ?? 0;
    const step = saved.meta['step'];
    const { size, channels } = g.spec;
    const writer = new PngWriter(size, channels as 1 | 3);
    const total = req.labels.length * req.count;
    const planned: { label: string; file: string; seed: number }[] = [];
    try {
      for (const [k, label] of req.labels.entries()) {
        const seeds = seedsFor(seed, labelSalt(label), req.count);
        const dir = path.join(req.out, safeSegment(label));
        const files = seeds.map((s, i) => path.join(dir, syntheticName(i, s)));
        for (const [i, file] of files.entries()) planned.push({ label, file, seed: seeds[i]! });
        await sampleToPngs(g, saved.labels.indexOf(label), seeds, files, req.batchSize ?? 256, writer, (done) =>
          req.onProgress?.(k * req.count + done, total, label),
        );
      }
    } catch (err) {
      // Stop the writer's thread too, or it would keep the process alive after the error.
      await writer.done().catch(() => {});
      throw err;
    }
    const hashes = await writer.done();
    const entries: ManifestEntry[] = planned.map((p, i) => ({
      path: relativePosix(req.out, p.file),
      label: p.label,
      split: 'train',
      source: 'synthetic',
      score: null,
      scores: null,
      generator: relativePosix(req.out, path.resolve(req.model)),
      generatorStep: typeof step === 'number' ? step : null,
      seed: p.seed,
      sha256: hashes[i]!,
      // No filter or teacher judged these: plain label, full weight.
      weight: 1,
      softLabel: null,
    }));
    await writeManifest(path.join(req.out, 'manifest.jsonl'), entries);
    return { files: planned.map((p) => p.file), seed };
  } finally {
    disposeParams(g.params);
  }
}

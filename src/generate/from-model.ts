/**
 * Sampling a saved generator without retraining: `gan-augment generate`. The generator carries its
 * eval-mode statistics, and the latents generate.anchor fitted are saved beside it (anchors.json), so with
 * the run's seed the same (label, seed) gives the same image it gave in the run.
 */
import { readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { workerBackend } from '../backend/select.js';
import type { Config } from '../config/schema.js';
import { decodeFile } from '../dataset/decode.js';
import { UserError } from '../errors.js';
import { latentLength, mismatchedParams, type Generator, type GeneratorSpec } from '../gan/generator.js';
import { loadParams } from '../gan/model-io.js';
import { disposeParams } from '../gan/params.js';
import type { Translator, TranslatorSpec } from '../gan/translator.js';
import type { ManifestEntry } from '../manifest/build.js';
import { PngWriter, writeManifest } from '../manifest/write.js';
import { didYouMean } from '../util/closest.js';
import { sha256 } from '../util/hash.js';
import { diskFullError } from '../out/folder.js';
import { anchorsIn, outLayout, syntheticName } from '../out/layout.js';
import { anchoredLatent } from './anchor.js';
import { readAnchors } from './anchor-file.js';
import { pushAll } from '../util/array.js';
import { relativePosix } from '../util/fs.js';
import { labelSalt } from '../util/rng.js';
import { safeSegment } from '../util/safe-name.js';
import { sampleClass, seedsFor } from './sample.js';
import { planSamplers, withSamplers, type SamplerPool, type SamplersPlan, type SamplerWorkers } from './sampler-pool.js';
import { translateImages } from './translate.js';

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
  /** A translator model (`gan.mode: translate`): the image files to translate into each label (`count` is ignored). */
  sources?: string[];
  /** Threads sampling a noise generator (sampler-pool.ts); default `auto`. */
  workers?: SamplerWorkers;
  /** Told once, after the model and the request are checked and before the first image: how many images will be written. */
  onStart?: (total: number) => void;
  /** Told once, before sampling: how many threads sample and why. */
  onPlan?: (plan: SamplersPlan) => void;
  /** Told why sampler threads did not start, if they did not (the sampling then ran on one thread). */
  onWarn?: (message: string) => void;
  /** Told which classes are sampled around generate.anchor's saved latents. */
  onInfo?: (message: string) => void;
  /** Sample the prior even where the run saved generate.anchor's latents (`--prior`). */
  prior?: boolean;
}

/** The kind of model a folder holds (`generator` or `translator`), from its model.json; null when unreadable. */
async function modelKind(dir: string): Promise<string | null> {
  try {
    return (JSON.parse(await readFile(path.join(dir, 'model.json'), 'utf8')) as { kind?: string }).kind ?? null;
  } catch {
    return null;
  }
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
  pool?: SamplerPool | null,
  latent?: (seed: number) => Float32Array,
): Promise<void> {
  const { size, channels } = g.spec;
  const per = size * size * channels;
  for (let start = 0; start < seeds.length; start += batchSize) {
    const chunk = seeds.slice(start, start + batchSize);
    const cands = await sampleClass(g, null, classIndex, chunk.length, chunk, batchSize, { pool: pool ?? null, ...(latent ? { latent } : {}) });
    writer.write(chunk.map((_, i) => ({ file: files[start + i]!, pixels: cands.pixels.subarray(i * per, (i + 1) * per) })));
    onProgress?.(start + chunk.length);
  }
}

/**
 * Runs `write`; when it fails, removes every image it was to write (`files()`: those written, half written
 * or not yet begun), so a failed `generate` leaves no partial images beside an old manifest, and ends
 * with the disk-full error (file, free space) where the disk or quota is full. The manifest is written
 * atomically, so an old one stays whole.
 */
async function removedOnFailure<T>(out: string, files: () => readonly string[], write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (err) {
    await Promise.all(files().map((f) => rm(f, { force: true }).catch(() => {})));
    throw (await diskFullError(err, out)) ?? err;
  }
}

/**
 * Writes `count` images of each label to `<out>/<label>/` and `<out>/manifest.jsonl`. The PNGs of one
 * batch are written while the next batch (or the next label's first) is sampled.
 * @throws {UserError} when the model folder is not a generator or does not know a label.
 */
export async function generateFromModel(req: GenerateRequest): Promise<{ files: string[]; seed: number }> {
  if ((await modelKind(req.model)) === 'translator') return translateFromModel(req);
  if (req.sources) throw new UserError(`--source: the model at ${req.model} is a noise generator; --source needs a translator (a run with gan.mode: translate)`);
  const { saved, params } = await loadParams<GeneratorSpec>(req.model, 'generator');
  const g: Generator = { spec: saved.spec, params };
  try {
    const mismatched = mismatchedParams(saved.spec, params);
    if (mismatched.length > 0) {
      throw new UserError(
        `${path.join(req.model, 'model.json')}: its parameters do not fit a generator of this gan-augment version (${mismatched.slice(0, 3).join('; ')}${mismatched.length > 3 ? `; ${mismatched.length - 3} more` : ''}); train it again with this version`,
      );
    }
    checkLabels(req, saved.labels);
    const config = saved.meta['config'] as Config | undefined;
    const seed = req.seed ?? config?.seed ?? 0;
    const step = saved.meta['step'];
    const anchors = req.prior ? null : await readAnchors(anchorsIn(req.model), latentLength(g.spec));
    const around = req.labels.filter((l) => anchors?.classes.has(l));
    if (anchors && around.length > 0) {
      req.onInfo?.(`generate: ${around.map((l) => `"${l}"`).join(', ')} sampled around the latents the run fitted to its real images (generate.anchor σ ${anchors.sigma}, ${anchorsIn(req.model)}); --prior samples the prior instead`);
    }
    const latentFor = (label: string) => {
      const a = anchors?.classes.get(label);
      return a ? (s: number) => anchoredLatent(a, s, anchors!.sigma) : undefined;
    };
    const { size, channels } = g.spec;
    const writer = new PngWriter(size, channels as 1 | 3);
    const total = req.labels.length * req.count;
    req.onStart?.(total);
    const planned: { label: string; file: string; seed: number }[] = [];
    const plan = planSamplers(req.workers ?? 'auto', workerBackend(), os.availableParallelism(), total, 1);
    req.onPlan?.(plan);
    return await removedOnFailure(req.out, () => planned.map((p) => p.file), async () => {
      try {
        await withSamplers({ g, d: null }, plan, async (pool) => {
          for (const [k, label] of req.labels.entries()) {
            const seeds = seedsFor(seed, labelSalt(label), req.count);
            const dir = path.join(req.out, safeSegment(label));
            const files = seeds.map((s, i) => path.join(dir, syntheticName(i, s)));
            for (const [i, file] of files.entries()) planned.push({ label, file, seed: seeds[i]! });
            await sampleToPngs(g, saved.labels.indexOf(label), seeds, files, req.batchSize ?? 256, writer, (done) => req.onProgress?.(k * req.count + done, total, label), pool, latentFor(label));
          }
        }, req.onWarn);
      } catch (err) {
        // Stop the writer's thread too, or it would keep the process alive after the error.
        await writer.done().catch(() => {});
        throw err;
      }
      const hashes = await writer.done();
      const entries: ManifestEntry[] = planned.map((p, i) => generatedRow(req, p.file, p.label, step, { seed: p.seed, sha256: hashes[i]! }));
      await writeManifest(outLayout(req.out).manifest, entries);
      return { files: planned.map((p) => p.file), seed };
    });
  } finally {
    disposeParams(g.params);
  }
}

/** @throws {UserError} naming each requested label the model does not know, and the nearest it does. */
function checkLabels(req: GenerateRequest, known: readonly string[]): void {
  const unknown = req.labels.filter((l) => !known.includes(l));
  if (unknown.length > 0) {
    throw new UserError(`--class: the model at ${req.model} knows ${known.map((l) => `"${l}"`).join(', ')}; received ${unknown.map((l) => `"${l}"${didYouMean(l, known, 'aside')}`).join(', ')}`);
  }
}

/**
 * Translates each `req.sources` image into each label with a translator model, decoding it with the
 * run's decode settings; writes `<out>/<label>/<n>-<source name>.png` and a manifest whose rows name
 * their source. The same source file gives the same image the run shipped.
 * @throws {UserError} without sources, for an unknown label, or a source that does not decode.
 */
async function translateFromModel(req: GenerateRequest): Promise<{ files: string[]; seed: number }> {
  const sources = req.sources;
  if (!sources?.length) throw new UserError(`--source: the model at ${req.model} is a translator; give the images to translate with --source <file...>`);
  const { saved, params } = await loadParams<TranslatorSpec>(req.model, 'translator');
  const t: Translator = { spec: saved.spec, params };
  try {
    checkLabels(req, saved.labels);
    const config = saved.meta['config'] as Config | undefined;
    if (!config) throw new UserError(`${req.model}/model.json: carries no run config, so its decode settings are unknown`);
    const { size, channels } = t.spec;
    const per = size * size * channels;
    const pixels = new Uint8Array(sources.length * per);
    for (const [i, file] of sources.entries()) {
      try {
        pixels.set(await decodeFile(file, config.decode), i * per);
      } catch (err) {
        throw new UserError(`--source ${file}: not a readable image: ${(err as Error).message}`);
      }
    }
    const sourceHashes = await Promise.all(sources.map(async (f) => sha256(await readFile(f))));
    req.onStart?.(req.labels.length * sources.length);
    const step = saved.meta['step'];
    const entries: ManifestEntry[] = [];
    const files: string[] = [];
    const writer = new PngWriter(size, channels as 1 | 3);
    return await removedOnFailure(req.out, () => files, async () => {
      try {
        for (const [k, label] of req.labels.entries()) {
          const made = await translateImages(t, null, saved.labels.indexOf(label), pixels, sources.map((_, i) => i), req.batchSize ?? 256, (done) =>
            req.onProgress?.(k * sources.length + done, req.labels.length * sources.length, label),
          );
          const out = sources.map((src, i) => path.join(req.out, safeSegment(label), `${String(i).padStart(5, '0')}-${safeSegment(path.parse(src).name)}.png`));
          writer.write(out.map((file, i) => ({ file, pixels: made.pixels.subarray(i * per, (i + 1) * per) })));
          pushAll(files, out);
          sources.forEach((src, i) =>
            entries.push(
              generatedRow(req, out[i]!, label, step, {
                seed: null,
                sha256: '',
                translatedFrom: { path: relativePosix(req.out, path.resolve(src)), sha256: sourceHashes[i]!, label: '' },
              }),
            ),
          );
        }
      } catch (err) {
        await writer.done().catch(() => {});
        throw err;
      }
      const hashes = await writer.done();
      entries.forEach((e, i) => (e.sha256 = hashes[i]!));
      // The source's class is not known from a bare file; name its folder, as the input layout does.
      for (const e of entries) e.translatedFrom!.label = path.basename(path.dirname(e.translatedFrom!.path)) || '?';
      await writeManifest(outLayout(req.out).manifest, entries);
      return { files, seed: config.seed };
    });
  } finally {
    disposeParams(t.params);
  }
}

/**
 * A manifest row for an image `generate` wrote: no filter or teacher judged it, so no scores, its plain
 * label and full weight.
 */
function generatedRow(
  req: { out: string; model: string },
  file: string,
  label: string,
  step: unknown,
  rest: Pick<ManifestEntry, 'seed' | 'sha256'> & Partial<Pick<ManifestEntry, 'translatedFrom'>>,
): ManifestEntry {
  return {
    path: relativePosix(req.out, file),
    label,
    split: 'train',
    source: 'synthetic',
    score: null,
    scores: null,
    generator: relativePosix(req.out, path.resolve(req.model)),
    generatorStep: typeof step === 'number' ? step : null,
    weight: 1,
    softLabel: null,
    ...rest,
  };
}

/**
 * The stages in order — ingest (scan, decode, balance) → train → synthesize (generate, filter) → write —
 * for one resolved config. Emits events and owns no maths; each stage lives in `stages/`.
 */
import * as tf from '@tensorflow/tfjs';
import path from 'node:path';
import type { BackendInfo } from './backend/select.js';
import type { Config } from './config/schema.js';
import type { FileRecord } from './dataset/scan.js';
import { InterruptedError } from './errors.js';
import type { EventSink, Stage } from './events.js';
import { saveParams } from './gan/model-io.js';
import { disposeParams } from './gan/params.js';
import { trainGan } from './gan/train-loop.js';
import { countClasses, realEntry, syntheticEntry, type ClassCounts, type ManifestEntry } from './manifest/build.js';
import { hashFiles, writeJson, writeManifestFiles, writePngs } from './manifest/write.js';
import { decodeScanned, planFromScan, type DecodeReport, type FileCounts } from './stages/ingest.js';
import { prepareOut, syntheticFile } from './stages/output.js';
import { writeReport } from './report/write.js';
import { synthesize, type ClassSynthesis } from './stages/synthesize.js';
import { relativePosix } from './util/fs.js';
import { hashJson } from './util/hash.js';
import { safeSegment } from './util/safe-name.js';
import { VERSION } from './version.js';

export { planFromScan as plan } from './stages/ingest.js';

export interface RunOptions {
  backend: BackendInfo;
  onEvent?: EventSink;
  signal?: AbortSignal;
  /** Reuse an out folder that gan-augment did not make. */
  force?: boolean;
}

export interface Summary {
  tool: 'gan-augment';
  version: string;
  configHash: string;
  createdAt: string;
  input: string;
  out: string;
  backend: { name: string; details: string; tfjs: string };
  classes: ClassCounts[];
  synthesis: ClassSynthesis[];
  /** Every entry of the input folder is exactly one of ingested / ignored / rejected. */
  files: FileCounts;
  rejectedFiles: FileRecord[];
  /** Decode settings (resize kernel included), sharp/libvips versions, and how many files the cache answered. */
  decode: DecodeReport;
  train: { steps: number; seconds: number; imgPerSec: number; final: Record<string, number> | null };
  durations: Record<Stage | 'total', number>;
}

/**
 * Runs the whole job and writes `<out>/synthetic/…`, `<out>/manifest.jsonl`, `<out>/summary.json` and
 * `<out>/model/`. Nothing is written to the input folder.
 * @throws {UserError} for an unusable input or out folder; {InterruptedError} when aborted.
 */
export async function runPipeline(config: Config, options: RunOptions): Promise<Summary> {
  const emit: EventSink = options.onEvent ?? (() => {});
  const signal = options.signal;
  const started = performance.now();
  const durations = { scan: 0, decode: 0, train: 0, generate: 0, write: 0, total: 0 };
  const timed = async <T>(stage: Stage, fn: () => Promise<T>, total?: number): Promise<T> => {
    emit({ type: 'stage.start', stage, ...(total !== undefined ? { total } : {}) });
    const t0 = performance.now();
    const result = await fn();
    durations[stage] = (performance.now() - t0) / 1000;
    emit({ type: 'stage.end', stage, seconds: durations[stage] });
    if (signal?.aborted) throw new InterruptedError(`interrupted during ${stage}`);
    return result;
  };

  await prepareOut(config, options.force ?? false);
  const { scan } = await timed('scan', () => planFromScan(config));
  const ing = await timed('decode', () => decodeScanned(config, scan, emit, signal), scan.classes.reduce((s, c) => s + c.files.length, 0));
  const scarce = ing.plan.classes.filter((c) => c.deficit > 0 && c.count > 0);

  const realHashes = await hashFiles(ing.files.map((f) => path.join(scan.root, f.rel)));
  const entries: ManifestEntry[] = ing.files.map((f, i) => realEntry(relativePosix(config.out, path.join(scan.root, f.rel)), f.label, realHashes[i]!));
  let trainInfo: Summary['train'] = { steps: 0, seconds: 0, imgPerSec: 0, final: null };
  let synthesis: ClassSynthesis[] = [];

  if (scarce.length > 0) {
    const trained = await timed(
      'train',
      () => trainGan(ing.data, config, { onStep: (m) => emit({ type: 'train.step', ...m }), ...(signal ? { signal } : {}) }),
      config.train.steps,
    );
    const last = trained.history.at(-1);
    trainInfo = {
      steps: trained.steps,
      seconds: trained.seconds,
      imgPerSec: trained.steps > 0 ? (trained.steps * config.train.batchSize) / trained.seconds : 0,
      final: last ? { lossD: last.lossD, lossG: last.lossG, dReal: last.dReal, dFake: last.dFake } : null,
    };
    const { g, d } = trained.state;
    const total = scarce.reduce((s, c) => s + Math.ceil(c.deficit * config.generate.oversample), 0);
    const synth = await timed('generate', () => synthesize(g, d, ing.labels, scarce, config, emit), total);
    synthesis = synth.classes;
    const files = synth.images.map((img) => syntheticFile(config.out, safeSegment(img.label), img.rank, img.seed));
    await timed('write', async () => {
      const hashes = await writePngs(synth.images.map((img, i) => ({ file: files[i]!, pixels: img.pixels })), config.decode.size, config.decode.channels);
      synth.images.forEach((img, i) =>
        entries.push(
          syntheticEntry({
            path: relativePosix(config.out, files[i]!),
            label: img.label,
            score: img.score,
            scores: (img as { scores?: Record<string, number> }).scores ?? null,
            generator: 'model/generator',
            generatorStep: trained.steps,
            seed: img.seed,
            sha256: hashes[i]!,
          }),
        ),
      );
      const meta = { config, configHash: hashJson(config), version: VERSION };
      await saveParams(path.join(config.out, 'model', 'generator'), 'generator', g.spec, ing.labels, g.params, { ...meta, step: trained.steps });
      await saveParams(path.join(config.out, 'model', 'discriminator'), 'discriminator', d.spec, ing.labels, d.params, meta);
    });
    disposeParams(g.params);
    disposeParams(d.params);
    trained.state.optG.dispose();
    trained.state.optD.dispose();
  } else {
    emit({ type: 'info', message: 'every class already meets its target: nothing to generate' });
  }
  durations.total = (performance.now() - started) / 1000;
  const summary: Summary = {
    tool: 'gan-augment',
    version: VERSION,
    configHash: hashJson(config),
    createdAt: new Date().toISOString(),
    input: config.input,
    out: config.out,
    backend: { name: options.backend.name, details: options.backend.details, tfjs: tf.version.tfjs },
    classes: countClasses(entries, ing.plan.classes),
    synthesis,
    files: ing.counts,
    rejectedFiles: ing.rejected,
    decode: ing.decode,
    train: trainInfo,
    durations,
  };
  await writeManifestFiles(config.out, entries, { csv: config.output.csv, imagefolder: config.output.imagefolder === 'none' ? null : config.output.imagefolder, input: config.input });
  await writeJson(path.join(config.out, 'summary.json'), summary);
  // The report reads what was just written; a failure to draw it must not fail the run.
  if (config.output.report) await writeReport(config.out, { config }).catch((err: Error) => emit({ type: 'warn', message: `report.html not written: ${err.message}` }));
  return summary;
}

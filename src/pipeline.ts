/**
 * The stages in order — ingest (scan, decode, balance) → train → synthesize (generate, filter) → write —
 * for one resolved config. Emits events and owns no maths; each stage lives in `stages/`.
 */
import * as tf from '@tensorflow/tfjs';
import path from 'node:path';
import type { BackendInfo } from './backend/select.js';
import type { Config } from './config/schema.js';
import type { FileRecord } from './dataset/scan.js';
import { InterruptedError, QualityGateError } from './errors.js';
import type { EventSink, Stage } from './events.js';
import { saveParams } from './gan/model-io.js';
import type { Discriminator } from './gan/discriminator.js';
import { isTranslator, type ImageModel } from './gan/translator.js';
import { fillShortfall } from './filter/shortfall.js';
import { labelSalt } from './generate/from-model.js';
import { countClasses, realEntry, syntheticEntry, type ClassCounts, type ManifestEntry } from './manifest/build.js';
import { hashFiles, writeJson, writeManifestFiles, writePngs } from './manifest/write.js';
import { decodeScanned, planFromScan, type DecodeReport, type FileCounts } from './stages/ingest.js';
import { planIncremental, trainJobs } from './stages/fingerprint.js';
import { commitSynthetic, prepareOut, stagedFile, syntheticFile } from './stages/output.js';
import { checkShardable, selectShard, type ShardSpec } from './stages/shard.js';
import { writeReport } from './report/write.js';
import { prepareQuality, synthesize, writeRejected, type ClassSynthesis, type QualitySummary } from './stages/synthesize.js';
import { trainStage } from './stages/train.js';
import { relativePosix } from './util/fs.js';
import { Rng } from './util/rng.js';
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
  /** Continue training from the checkpoints in `<out>/train/`. */
  resume?: boolean;
  /** Testing hook: per training job, step → times its losses are treated as NaN (the divergence guard). */
  faultAt?: Readonly<Record<string, ReadonlyMap<number, number>>>;
  /** Train and generate only this share of the scarce classes (`run --shard i/n`; see stages/shard.ts). */
  shard?: ShardSpec | null;
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
  train: { steps: number; seconds: number; imgPerSec: number; final: Record<string, number> | null; failed?: { job: string; reason: string }[] };
  durations: Record<Stage | 'total', number>;
  /** Peak resident memory of the process (all threads) up to writing this summary, in MB: what a CI runner must provide. */
  peakRssMB: number;
  /** Feature extractor, per-class FID/KID (in `synthesis`), rejections by reason, shortfall and the quality gate; null when nothing was generated. */
  quality: QualitySummary | null;
  /** Fingerprints of the code, the inputs and the config without paths (stages/fingerprint.ts); `merge` compares them across shards. */
  fingerprints: { code: string; inputs: string; config: string };
  /** This run's share of the scarce classes under `run --shard i/n`; null for a whole run. */
  shard: (ShardSpec & { classes: string[] }) | null;
  /** Whether training ran, or the previous run's trained models were reused; `upToDate`: nothing ran at all. */
  incremental: { train: 'trained' | 'reused' | 'none'; upToDate: boolean };
}

/**
 * Runs the whole job and writes `<out>/synthetic/…`, `<out>/manifest.jsonl`, `<out>/summary.json` and
 * `<out>/model/`. Nothing is written to the input folder.
 * @throws {UserError} for an unusable input or out folder; {InterruptedError} when aborted.
 */
export async function runPipeline(config: Config, options: RunOptions): Promise<Summary> {
  checkShardable(config, options.shard ?? null);
  // The lock is held from before anything in <out> changes until the run ends, however it ends.
  const lock = await prepareOut(config, options.force ?? false, options.onEvent);
  try {
    return await runLocked(config, options);
  } finally {
    await lock.release();
  }
}

async function runLocked(config: Config, options: RunOptions): Promise<Summary> {
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
    if (signal?.aborted) throw new InterruptedError(`interrupted during ${stage}${stage === 'train' ? `: checkpoints written under ${config.out}/train/; continue with \`run --resume\`` : ''}`);
    return result;
  };

  const { scan } = await timed('scan', () => planFromScan(config));
  const ing = await timed('decode', () => decodeScanned(config, scan, emit, signal), scan.classes.reduce((s, c) => s + c.files.length, 0));
  const shard = options.shard ?? null;
  const scarce = selectShard(ing.plan.classes.filter((c) => c.deficit > 0 && c.count > 0), shard);
  const inc = await planIncremental(config, ing, trainJobs(config, scarce.map((c) => c.label)), shard);
  if (inc.message) emit({ type: 'info', message: inc.message });
  if (inc.upToDate) {
    const previous = inc.upToDate as Summary;
    const summary: Summary = { ...previous, incremental: { ...previous.incremental, upToDate: true } };
    throwIfGateFailed(config, summary);
    return summary;
  }
  await inc.beforeTrain();

  const realHashes = await hashFiles(ing.files.map((f) => path.join(scan.root, f.rel)));
  const entries: ManifestEntry[] = ing.files.map((f, i) => realEntry(relativePosix(config.out, path.join(scan.root, f.rel)), f.label, realHashes[i]!));
  let trainInfo: Summary['train'] = { steps: 0, seconds: 0, imgPerSec: 0, final: null };
  let synthesis: ClassSynthesis[] = [];
  let quality: QualitySummary | null = null;

  if (scarce.length > 0) {
    // Features before training: a broken extractor fails before minutes of training.
    const features = await prepareQuality(config, ing, emit, signal);
    const trained = await timed(
      'train',
      () => trainStage(ing, scarce, inc.reuse ?? config, { out: config.out, emit, resume: (options.resume ?? false) || inc.reuse !== null, ...(signal ? { signal } : {}), ...(options.faultAt ? { faultAt: options.faultAt } : {}) }),
      inc.reuse ? 0 : config.train.steps * (config.gan.mode === 'per-class' ? scarce.length : 1),
    );
    await inc.afterTrain(trained.failed.length === 0 && !trained.interrupted);
    const steps = trained.jobs.reduce((n, j) => n + j.result.steps, 0);
    const stepsRun = trained.jobs.reduce((n, j) => n + j.result.steps - j.result.resumedFrom, 0);
    const seconds = trained.jobs.reduce((n, j) => n + j.result.seconds, 0);
    const last = trained.jobs[0]?.result.history.at(-1);
    trainInfo = {
      steps,
      seconds,
      imgPerSec: seconds > 0 ? (stepsRun * config.train.batchSize) / seconds : 0,
      final: last ? { lossD: last.lossD, lossG: last.lossG, dReal: last.dReal, dFake: last.dFake, p: last.p } : null,
      failed: trained.failed,
    };
    const models = new Map<string, { g: ImageModel; d: Discriminator; classIndex: number }>();
    for (const j of trained.jobs) j.labels.forEach((label, classIndex) => models.set(label, { g: j.g, d: j.d, classIndex }));
    const canMake = scarce.filter((c) => models.has(c.label));
    const total = canMake.reduce((s, c) => s + Math.ceil(c.deficit * config.generate.oversample), 0);
    const synth = await timed('generate', () => synthesize(models, canMake, config, emit, features), total);
    features.dispose();
    synthesis = synth.classes;
    quality = synth.quality;
    const files = synth.images.map((img) => syntheticFile(config.out, safeSegment(img.label), img.rank, img.seed));
    // The generator checkpoint (model folder) that made each class, and its step.
    const modelDir = (job: string) => path.join(config.out, 'model', config.gan.mode === 'per-class' ? safeSegment(job) : '');
    const madeBy = new Map(trained.jobs.flatMap((j) => j.labels.map((l) => [l, { generator: relativePosix(config.out, path.join(modelDir(j.job), 'generator')), generatorStep: j.result.steps }] as const)));
    await timed('write', async () => {
      const hashes = await writePngs(synth.images.map((img, i) => ({ file: stagedFile(config.out, files[i]!), pixels: img.pixels })), config.decode.size, config.decode.channels);
      await commitSynthetic(config.out);
      synth.images.forEach((img, i) =>
        entries.push(
          syntheticEntry({
            path: relativePosix(config.out, files[i]!),
            label: img.label,
            score: img.score,
            scores: (img as { scores?: Record<string, number> }).scores ?? null,
            ...madeBy.get(img.label)!,
            seed: img.seed,
            sha256: hashes[i]!,
            ...(img.source !== undefined ? { translatedFrom: { path: entries[img.source]!.path, sha256: entries[img.source]!.sha256, label: entries[img.source]!.label } } : {}),
          }),
        ),
      );
      await writeRejected(config.out, synth.rejected, config.decode.size, config.decode.channels);
      const meta = { config, configHash: hashJson(config), version: VERSION };
      for (const j of trained.jobs) {
        const dir = modelDir(j.job);
        await saveParams(path.join(dir, 'generator'), isTranslator(j.g) ? 'translator' : 'generator', j.g.spec, j.labels, j.g.params, { ...meta, step: j.result.steps });
        await saveParams(path.join(dir, 'discriminator'), 'discriminator', j.d.spec, j.labels, j.d.params, { ...meta, spectral: Object.keys(j.d.spectral) });
      }
    });
    for (const j of trained.jobs) j.result.dispose();
  } else {
    emit({ type: 'info', message: shard && ing.plan.totalDeficit > 0 ? `shard ${shard.index}/${shard.count}: no scarce class falls to this shard` : 'every class already meets its target: nothing to generate' });
    await commitSynthetic(config.out);
  }
  if (config.filter.shortfall === 'oversample') {
    for (const c of synthesis.filter((x) => x.shortfall > 0)) {
      const real = entries.filter((e) => e.source === 'real' && e.label === c.label);
      const fill = fillShortfall(real, c.shortfall, new Rng((config.seed ^ labelSalt(c.label) ^ 0x5eed0f11) >>> 0));
      entries.push(...fill);
      c.oversampled = fill.length;
      emit({ type: 'info', message: `class "${c.label}": ${fill.length} real images listed again to fill what the filters left short (filter.shortfall: oversample)` });
    }
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
    peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
    quality,
    fingerprints: { code: inc.fingerprints.code, inputs: inc.fingerprints.inputs, config: inc.fingerprints.config },
    shard: shard ? { ...shard, classes: scarce.map((c) => c.label) } : null,
    incremental: { train: scarce.length === 0 ? 'none' : inc.reuse ? 'reused' : 'trained', upToDate: false },
  };
  const written = await writeManifestFiles(config.out, entries, { csv: config.output.csv, imagefolder: config.output.imagefolder === 'none' ? null : config.output.imagefolder, input: config.input });
  if (written.copiedInsteadOfLinked > 0) emit({ type: 'info', message: `imagefolder: ${written.copiedInsteadOfLinked} files copied, not hard-linked (the input is on another filesystem)` });
  await writeJson(path.join(config.out, 'summary.json'), summary);
  // The report reads what was just written; a failure to draw it must not fail the run.
  if (config.output.report) await writeReport(config.out, { config }).catch((err: Error) => emit({ type: 'warn', message: `report.html not written: ${err.message}` }));
  await inc.afterWrite();
  throwIfGateFailed(config, summary);
  return summary;
}

/** @throws {QualityGateError} carrying the summary (`summary`) when a class failed a `quality.onFail: fail` gate. */
function throwIfGateFailed(config: Config, summary: Summary): void {
  const failed = summary.quality?.gate.failed ?? [];
  if (config.quality.onFail === 'fail' && failed.length > 0) {
    const err = new QualityGateError(`quality gate failed for ${failed.map((f) => `"${f.label}" (${f.reasons.join('; ')})`).join(', ')}; every output was written to ${config.out}`);
    throw Object.assign(err, { summary });
  }
}

/**
 * The stages in order — ingest (scan, decode, balance) → train, or import under `generate.from` →
 * synthesize (generate, filter, measure) → guard → write — for one resolved config. Emits events and owns no maths; each stage lives in `stages/`, and
 * every path below `<out>` comes from `out/layout.ts`.
 */
import { tf } from './tf.js';
import type { BackendInfo } from './backend/select.js';
import type { ParsedConfig } from './config/schema.js';
import { resolveDecode } from './dataset/auto-decode.js';
import { InterruptedError } from './errors.js';
import type { EventSink, Stage } from './events.js';
import { countClasses, type ManifestEntry } from './manifest/build.js';
import { clearStaging, diskFullError, prepareOut } from './out/folder.js';
import { jobMode, outLayout } from './out/layout.js';
import { decodeScanned, planFromScan } from './stages/ingest.js';
import { planIncremental, trainJobs } from './stages/fingerprint.js';
import { preflight } from './stages/preflight.js';
import { prepareQuality } from './stages/quality.js';
import { checkShardable, selectShard, type ShardSpec } from './stages/shard.js';
import type { Summary } from './stages/summary.js';
import { synthesize, type ClassSynthesis, type ModelFor } from './stages/synthesize.js';
import type { QualitySummary } from './stages/quality.js';
import { trainStage, type TrainStageResult } from './stages/train.js';
import { guardClassifiers, plannedHeldOut, runGuard, type GuardSummary } from './stages/guard.js';
import { splitByGuard } from './filter/quality-gate.js';
import { andList } from './util/text.js';
import { fewHeldOutNote } from './guard/preview.js';
import { fellBackClasses } from './guard/decide.js';
import { deliveredTargets } from './stages/targets.js';
import { candidatesFor, translatedFor, type SourcePool } from './stages/generate.js';
import { importCandidates, scanImport, type ImportedCandidates } from './generate/import.js';
import { fillShortfalls, madeByOf, publish, realRows, saveModels, stageSynthetic, writeRejected, writeWithheld, type JobModels } from './stages/write.js';
import { hashJson } from './util/hash.js';
import { VERSION } from './version.js';
import { pushAll } from './util/array.js';
import type { Verdicts } from './report/load.js';

export { planFromScan as plan } from './stages/ingest.js';
export { gateFailure, type Summary } from './stages/summary.js';

export interface RunOptions {
  backend: BackendInfo;
  onEvent?: EventSink;
  signal?: AbortSignal;
  /** Reuse an out folder that gan-augment did not make. */
  force?: boolean;
  /** Continue training from the checkpoints in `<out>/train/`. */
  resume?: boolean;
  /** The command that continues this run, named when it is interrupted (the CLI's; default `run --resume`). */
  resumeCommand?: string;
  /** Testing hook: per training job, step → times its losses are treated as NaN (the divergence guard). */
  faultAt?: Readonly<Record<string, ReadonlyMap<number, number>>>;
  /** Train and generate only this share of the scarce classes (`run --shard i/n`; see stages/shard.ts). */
  shard?: ShardSpec | null;
}

/** What a run ends with: its summary, and each scarce class's verdict when this run worked them out (null: a run up to date, which wrote nothing). */
export interface RunResult {
  summary: Summary;
  verdicts: Verdicts | null;
}

/**
 * Runs the whole job and writes `<out>/synthetic/…`, `<out>/manifest.jsonl`, `<out>/summary.json` and
 * `<out>/model/`. Nothing is written to the input folder. A failed quality gate is in the summary
 * (`quality.gate.failed`); `gateFailure` turns it into the error the CLI exits with. `decode.size` /
 * `decode.channels: auto` are resolved from the scanned images right after the scan.
 * @throws {UserError} for an unusable input or out folder; {InterruptedError} when aborted.
 */
export async function runPipeline(config: ParsedConfig, options: RunOptions): Promise<Summary> {
  return (await runWithVerdicts(config, options)).summary;
}

/** {@link runPipeline}, also returning the verdicts the run worked out (the CLI prints them). */
export async function runWithVerdicts(config: ParsedConfig, options: RunOptions): Promise<RunResult> {
  checkShardable(config, options.shard ?? null);
  await preflight(config, { force: options.force ?? false });
  // The lock is held from before anything in <out> changes until the run ends, however it ends.
  const lock = await prepareOut(config.out, { force: options.force ?? false, input: config.input, ...(options.onEvent ? { emit: options.onEvent } : {}) }).catch(async (err: unknown) => {
    throw (await diskFullError(err, config.out)) ?? err;
  });
  try {
    return await runLocked(config, options);
  } catch (err) {
    // Whatever this run staged is not an output: a failed or interrupted run leaves no partial folder.
    await clearStaging(config.out).catch(() => {});
    throw (await diskFullError(err, config.out)) ?? err;
  } finally {
    await lock.release();
  }
}

async function runLocked(parsed: ParsedConfig, options: RunOptions): Promise<RunResult> {
  const emit: EventSink = options.onEvent ?? (() => {});
  const signal = options.signal;
  const out = parsed.out;
  const started = performance.now();
  const durations = { scan: 0, decode: 0, import: 0, train: 0, generate: 0, guard: 0, write: 0, total: 0 };
  const timed = async <T>(stage: Stage, fn: () => Promise<T>, total?: number): Promise<T> => {
    emit({ type: 'stage.start', stage, ...(total !== undefined ? { total } : {}) });
    const t0 = performance.now();
    let result: T;
    try {
      result = await fn();
    } catch (err) {
      if (err instanceof InterruptedError && (stage === 'generate' || stage === 'guard')) throw interrupted(stage, out, options.resumeCommand);
      throw err;
    }
    durations[stage] = (performance.now() - t0) / 1000;
    emit({ type: 'stage.end', stage, seconds: durations[stage] });
    if (signal?.aborted) throw interrupted(stage, out, options.resumeCommand);
    return result;
  };

  const { scan } = await timed('scan', () => planFromScan(parsed));
  const { config, message } = await resolveDecode(parsed, scan);
  if (message) emit({ type: 'info', message });
  const ing = await timed('decode', () => decodeScanned(config, scan, emit, signal), scan.classes.reduce((s, c) => s + c.files.length, 0));
  const shard = options.shard ?? null;
  const allScarce = ing.plan.classes.filter((c) => c.deficit > 0 && c.count > 0);
  const scarce = selectShard(allScarce, shard);
  // generate.from: the candidates come from a folder (generate/import.ts), read before anything is judged up to date.
  let imported: ImportedCandidates | null = null;
  if (config.generate.from !== null && scarce.length > 0) {
    const found = await scanImport(config.generate.from, scarce.map((c) => c.label), config.scan.recursive);
    imported = await timed('import', () => importCandidates(found, { decode: config.decode, seed: config.seed }, emit, signal), found.files.length);
  }
  const inc = await planIncremental(config, ing, imported ? [] : trainJobs(config, scarce.map((c) => c.label)), shard, imported?.fingerprint ?? null);
  if (inc.message) emit({ type: 'info', message: inc.message });
  if (inc.upToDate) {
    const previous = inc.upToDate as Summary;
    return { summary: { ...previous, incremental: { ...previous.incremental, upToDate: true } }, verdicts: null };
  }
  await inc.beforeTrain();

  const entries: ManifestEntry[] = realRows(out, scan.root, ing.files);
  let trainInfo: Summary['train'] = { steps: 0, seconds: 0, imgPerSec: 0, final: null };
  let synthesis: ClassSynthesis[] = [];
  let quality: QualitySummary | null = null;
  let guard: GuardSummary | null = null;

  if (scarce.length > 0) {
    const few = fewHeldOutNote(scarce, config.train.validation, config.guard.mode, config.generate.from !== null);
    if (few) emit({ type: 'info', message: few });
    // Features before training: a broken extractor fails before minutes of training.
    // The images the guard judges on, which the feature classifier must not learn: every scarce class's (not
    // only this shard's), so that shards hold out what the unsharded run does.
    const judgedOn = plannedHeldOut(config, ing.data, ing.labels, allScarce.map((c) => c.label));
    const features = await prepareQuality(config, ing, emit, signal, judgedOn);
    const trained = imported
      ? null
      : await timed(
          'train',
          () => trainStage(ing, scarce, inc.reuse ?? config, { out, emit, backend: options.backend, resume: (options.resume ?? false) || inc.reuse !== null, fingerprints: { inputs: inc.fingerprints.inputs, train: inc.fingerprints.train }, ...(signal ? { signal } : {}), ...(options.faultAt ? { faultAt: options.faultAt } : {}) }),
          inc.reuse ? 0 : config.train.steps * (config.gan.mode === 'per-class' ? scarce.length : 1),
        );
    if (trained) {
      await inc.afterTrain(trained.failed.length === 0 && !trained.interrupted);
      trainInfo = trainSummary(trained, config.train.batchSize);
    }
    const trainedJobs = trained?.jobs ?? [];
    const models: ModelFor = new Map();
    for (const j of trainedJobs) j.labels.forEach((label, classIndex) => models.set(label, { g: j.g, d: j.d, classIndex }));
    const canMake = imported ? scarce : scarce.filter((c) => models.has(c.label));
    // A translator's sources: every real image but those the guard judges on.
    const pool: SourcePool | null = config.gan.mode === 'translate' ? { real: ing.data, labels: ing.labels, scarce: scarce.map((c) => c.label), held: new Set(judgedOn) } : null;
    const total = canMake.reduce((s, c) => s + (imported ? (imported.classes.get(c.label)?.count ?? 0) : pool ? translatedFor(pool, c.label, c.deficit, config) : candidatesFor(c.deficit, config)), 0);
    const jobs: JobModels[] = trainedJobs.map((j) => ({ job: j.job, labels: j.labels, g: j.g, d: j.d, steps: j.result.steps }));
    try {
      const synth = await timed('generate', () => synthesize(imported ? { imported: imported.classes } : { models, ...(pool ? { pool } : {}) }, canMake, config, emit, features, signal), total);
      synthesis = synth.classes;
      quality = synth.quality;
      // How each kept image should enter training (manifest weight + softLabel: deliver.labels); then the
      // do-no-harm check, which drops the images of the classes they do not help.
      let images = synth.images;
      let targets = await deliveredTargets(config.deliver.labels, features.classifier, images, ing.labels);
      let withheld: typeof images = [];
      if (config.guard.mode !== 'off') {
        guard = await timed('guard', () => runGuard(config, ing, trainedJobs, synth, targets, emit, judgedOn, signal), guardClassifiers(synth, config.guard.seeds, config.guard.mode, config.guard.screen));
        const dropped = fellBackClasses(guard);
        const kept = images.map((_, i) => i).filter((i) => !dropped.has(images[i]!.label));
        withheld = images.filter((img) => dropped.has(img.label));
        const failedWithheld = splitByGuard(synth.quality.gate.failed, guard).withheld.map((f) => `"${f.label}"`);
        if (failedWithheld.length > 0) emit({ type: 'info', message: `quality gate: ${andList(failedWithheld)} failed it, but the guard withheld ${failedWithheld.length === 1 ? 'its' : 'their'} synthetic images (withheld/, not the manifest)${config.quality.onFail === 'fail' ? `, so the run does not fail on ${failedWithheld.length === 1 ? 'it' : 'them'}` : ''}` });
        targets = kept.map((i) => targets[i]!);
        images = kept.map((i) => images[i]!);
      }
      const reasons = new Map(guard?.perClass.map((c) => [c.label, c.reason] as const) ?? []);
      await timed('write', async () => {
        pushAll(entries, await stageSynthetic(out, images, madeByOf(out, jobMode(config.gan.mode), jobs), config.decode, entries, targets));
        await writeRejected(out, synth.rejected, config.decode.size, config.decode.channels);
        await writeWithheld(out, withheld, reasons, config.decode.size, config.decode.channels);
        await saveModels(out, config, jobs, synth.anchors);
      });
    } finally {
      features.dispose();
      for (const j of trainedJobs) j.result.dispose();
    }
  } else {
    emit({ type: 'info', message: shard && ing.plan.totalDeficit > 0 ? `shard ${shard.index}/${shard.count}: no scarce class falls to this shard` : 'every class already meets its target: nothing to generate' });
  }
  fillShortfalls(entries, synthesis, config, emit, fellBackClasses(guard));
  durations.total = (performance.now() - started) / 1000;
  const summary: Summary = {
    tool: 'gan-augment',
    version: VERSION,
    configHash: hashJson(config),
    createdAt: new Date().toISOString(),
    input: config.input,
    out,
    backend: { name: options.backend.name, details: options.backend.details, tfjs: tf.version.tfjs },
    classes: countClasses(entries, ing.plan.classes),
    synthesis,
    files: ing.counts,
    rejectedFiles: ing.rejected,
    duplicates: ing.duplicates,
    decode: message ? { ...ing.decode, auto: message } : ing.decode,
    train: trainInfo,
    durations,
    peakRssMB: peakRssMB(),
    quality,
    fingerprints: { code: inc.fingerprints.code, inputs: inc.fingerprints.inputs, config: inc.fingerprints.config },
    shard: shard ? { ...shard, classes: scarce.map((c) => c.label) } : null,
    guard,
    imported: imported?.summary ?? null,
    incremental: { train: scarce.length === 0 || imported ? 'none' : inc.reuse ? 'reused' : 'trained', upToDate: false },
  };
  // The peak is read again once the report's thumbnails are decoded and the verdicts worked out, just before summary.json is written.
  let written = summary;
  const verdicts = await publish(out, entries, summary, { output: config.output, input: config.input, reportConfig: config, emit, finish: (s) => (written = { ...s, peakRssMB: peakRssMB() }) });
  await inc.afterWrite();
  return { summary: written, verdicts };
}

/** The process's peak resident memory so far, in MB (the kernel's high-water mark, not a sample). */
const peakRssMB = (): number => Math.round(process.resourceUsage().maxRSS / 1024);

/** The error an interrupted stage ends the run with: what is kept and how to continue. */
/** summary.json's `train`: the steps, time and speed of a finished train stage, and its last losses. */
function trainSummary(trained: TrainStageResult, batchSize: number): Summary['train'] {
  const steps = trained.jobs.reduce((n, j) => n + j.result.steps, 0);
  const stepsRun = trained.jobs.reduce((n, j) => n + j.result.steps - j.result.resumedFrom, 0);
  const seconds = trained.jobs.reduce((n, j) => n + j.result.seconds, 0);
  const last = trained.jobs[0]?.result.history.at(-1);
  return {
    steps,
    seconds,
    imgPerSec: seconds > 0 ? (stepsRun * batchSize) / seconds : 0,
    workers: trained.workers,
    blasThreads: trained.blasThreads,
    ...(trained.blasChanges.length > 0 ? { blasChanges: trained.blasChanges } : {}),
    final: last ? { lossD: last.lossD, lossG: last.lossG, dReal: last.dReal, dFake: last.dFake, p: last.p } : null,
    failed: trained.failed,
  };
}

function interrupted(stage: Stage, out: string, resume = 'run --resume'): InterruptedError {
  const l = outLayout(out);
  if (stage === 'train') return new InterruptedError(`interrupted during train: checkpoints written under ${l.train}/; continue with \`${resume}\``);
  if (stage === 'generate' || stage === 'guard') {
    return new InterruptedError(
      `interrupted during ${stage}: the trained models are kept (checkpoints under ${l.train}/) and the previous outputs in ${out} are unchanged; \`${resume}\` generates again from them without training`,
    );
  }
  return new InterruptedError(`interrupted during ${stage}`);
}

/**
 * Stage 2: training. `shared` mode trains one class-conditional GAN over all classes; `per-class` mode
 * one GAN per scarce class, each a job in a p-queue. Each job writes `train/…/metrics.jsonl`, sample
 * grids and resumable checkpoints; a diverged per-class job fails alone.
 */
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import PQueue from 'p-queue';
import sharp from 'sharp';
import type { Config, ParsedConfig } from '../config/schema.js';
import { AUTO_DECODE } from '../config/defaults.js';
import { withDecode } from '../dataset/auto-decode.js';
import type { ClassBalance } from '../dataset/balance.js';
import { pickImages, type LabelledImages } from '../dataset/sampler.js';
import { DivergenceError, UserError } from '../errors.js';
import type { EventSink } from '../events.js';
import { loadCheckpoint, saveCheckpoint, type CheckpointMeta } from '../gan/checkpoint.js';
import type { Discriminator } from '../gan/discriminator.js';
import type { ImageModel } from '../gan/translator.js';
import { planBlasThreads, planWasmThreads, planWorkers, type BackendFacts, type BlasLoad, type WasmThreadsPlan } from '../gan/parallel/plan.js';
import { blasThreads, blasThreadsFromEnv, setBlasThreadsNow, withBlasThreads } from '../backend/native.js';
import { loadReader, machineLoad } from '../backend/machine-load.js';
import { watchBlasLoad, type BlasChange } from '../gan/parallel/blas-watch.js';
import { imageMacs } from '../gan/cost.js';
import { ganSpecs, trainGan, type MetricsRecord, type SampleGrid, type TrainerSnapshot, type TrainResult } from '../gan/train-loop.js';
import { removeOwned } from '../out/guard.js';
import { outLayout } from '../out/layout.js';
import { canonicalJson, hashJson } from '../util/hash.js';
import { differences, differencesText } from '../util/differences.js';
import { naming, writeFileAtomic } from '../util/fs.js';
import { testKillPoint } from '../util/kill-point.js';
import { withoutThreadCounts } from './fingerprint.js';
import { VERSION } from '../version.js';
import type { Ingested } from './ingest.js';

export interface TrainedJob {
  /** `shared` or the class label. */
  job: string;
  /** Class labels by the model's class index. */
  labels: string[];
  /** The noise generator, or the translator in `translate` mode. */
  g: ImageModel;
  d: Discriminator;
  result: TrainResult;
}

export interface TrainStageResult {
  jobs: TrainedJob[];
  failed: { job: string; reason: string }[];
  interrupted: boolean;
  /** Threads each job trained on (train.workers, resolved). */
  workers: number;
  /** OpenBLAS threads training started on (train.blasThreads, resolved); null without the native backend. */
  blasThreads: number | null;
  /** Where `auto` changed the count while training ran, as the machine's load changed (gan/parallel/blas-watch.ts). */
  blasChanges: BlasChange[];
}

export interface TrainContext {
  out: string;
  emit: EventSink;
  signal?: AbortSignal;
  resume: boolean;
  /** Testing hook forwarded to the loop of the named job (see TrainOptions.faultAt). */
  faultAt?: Readonly<Record<string, ReadonlyMap<number, number>>>;
  /** The backend this process runs on: decides `train.workers: auto` (absent: one thread). */
  backend?: BackendFacts;
  /** This run's `inputs` and `train` fingerprints (stages/fingerprint.ts), recorded in each checkpoint. */
  fingerprints?: { inputs: string; train: string };
}

/**
 * A plain rerun (no `--resume`) continues a job's checkpoint left by an interrupted run — a kill -9, an
 * out-of-memory kill, a CI retry — when the run that wrote it had this run's `train` fingerprint (inputs,
 * training settings, train.steps included, jobs and code): a resumed run ends with the weights an
 * uninterrupted one would (tested), so starting over would only cost the time. Anything else starts over,
 * saying so where a checkpoint was there; a checkpoint that cannot be read is a warning, not an error.
 */
async function leftByInterruptedRun(ckptDir: string, key: string, config: Config, labels: readonly string[], job: string, ctx: TrainContext): Promise<TrainerSnapshot | undefined> {
  const steps = config.train.steps;
  let found;
  try {
    found = await loadCheckpoint(ckptDir);
  } catch (err) {
    ctx.emit({ type: 'warn', message: `${job}: starting over: the checkpoint in ${ckptDir} cannot be read (${(err as Error).message})` });
    return undefined;
  }
  if (!found || found.snapshot.step === 0) return undefined;
  const step = found.snapshot.step;
  if (ctx.fingerprints && found.meta.train === ctx.fingerprints.train && found.meta.resumeKey === key) {
    ctx.emit({ type: 'info', message: `${job}: resuming from step ${step}, the checkpoint an interrupted run of these inputs, settings and code left (it ends as an uninterrupted run would)` });
    return found.snapshot;
  }
  const m = found.meta;
  const why =
    m.resumeKey !== key
      ? `made with ${resumeMismatch(m, config, labels)}`
      : m.inputs !== undefined && m.inputs !== ctx.fingerprints?.inputs
        ? 'made from other input images'
        : m.config.train.steps !== steps
          ? `made with train.steps ${m.config.train.steps}: --resume continues it to this run's ${steps}`
          : m.version !== VERSION
            ? `written by gan-augment ${m.version}: --resume continues it`
            : 'whose run this one cannot tell is its own (written before checkpoints recorded their run): --resume continues it';
  ctx.emit({ type: 'info', message: `${job}: starting over; ${ckptDir} held a checkpoint at step ${step} ${why}` });
  return undefined;
}

/** The metrics lines (one JSON object per line) of steps up to `step`: what a run resumed at `step` continues. */
export function metricsUpTo(text: string, step: number): string {
  return text
    .split('\n')
    .filter((line) => {
      if (line.trim() === '') return false;
      try {
        return (JSON.parse(line) as { step?: unknown }).step as number <= step;
      } catch {
        return false; // a line cut short by the kill
      }
    })
    .map((line) => `${line}\n`)
    .join('');
}

async function truncateMetrics(file: string, step: number): Promise<void> {
  const text = await readFile(file, 'utf8').catch(() => null);
  if (text === null) return;
  const kept = metricsUpTo(text, step);
  if (kept !== text) await writeFileAtomic(file, kept);
}

/** The config as resuming compares it: without paths, step count and thread counts (a job may resume on other threads: the weights differ by rounding only). */
function resumedSettings(config: Config) {
  const { input: _i, out: _o, ...rest } = withoutThreadCounts(config);
  return { ...rest, train: { ...rest.train, steps: 0 } };
}

/** What must match for a checkpoint to be resumed: the config without paths and step count. */
export function resumeKey(config: Config, labels: string[], count: number): string {
  return hashJson({ ...resumedSettings(config), labels, count });
}

/**
 * Why a checkpoint's resume key is not this run's, for the user: the settings that differ (checkpoint → now),
 * or, where every setting matches, the job's training images (its classes, or how many images it had).
 */
export function resumeMismatch(saved: Pick<CheckpointMeta, 'config' | 'labels'>, config: Config, labels: readonly string[]): string {
  const diff = differences(resumedSettings(saved.config), resumedSettings(config));
  if (diff.length > 0) return `other settings (${differencesText(diff)})`;
  if (canonicalJson(saved.labels) !== canonicalJson(labels)) return `other classes (${saved.labels.join(', ')}; now ${labels.join(', ')})`;
  return 'another count of training images';
}

/** The images of one class, relabelled as class 0 (a per-class job's dataset). */
function subset(data: LabelledImages, classIndex: number): LabelledImages {
  const idx: number[] = [];
  data.labels.forEach((l, i) => l === classIndex && idx.push(i));
  return { ...pickImages(data, idx), labels: new Int32Array(idx.length), numClasses: 1 };
}

async function writeGrid(file: string, grid: SampleGrid, k: number, size: number, channels: 1 | 3): Promise<void> {
  const n = grid.perClass;
  const per = size * size * channels;
  const strip = new Uint8Array(n * per);
  const px = grid.classes[k]!.pixels;
  // n images side by side: row y of the strip is row y of each image in turn.
  for (let i = 0; i < n; i++) {
    for (let y = 0; y < size; y++) {
      strip.set(px.subarray(i * per + y * size * channels, i * per + (y + 1) * size * channels), (y * n + i) * size * channels);
    }
  }
  await mkdir(path.dirname(file), { recursive: true });
  const img = sharp(Buffer.from(strip.buffer), { raw: { width: n * size, height: size, channels } });
  if (channels === 1) img.toColourspace('b-w');
  await img.png().toFile(file);
}

export async function trainStage(ing: Ingested, scarce: ClassBalance[], config: Config, ctx: TrainContext): Promise<TrainStageResult> {
  const l = outLayout(ctx.out);
  // `translate` trains one model over every class, laid out like `shared`.
  const mode = config.gan.mode === 'per-class' ? 'per-class' : 'shared';
  const specs =
    mode === 'shared'
      ? [{ job: 'shared', dir: l.trainDir(mode, 'shared'), labels: ing.labels, data: ing.data }]
      : scarce.map((c) => ({
          job: c.label,
          dir: l.trainDir(mode, c.label),
          labels: [c.label],
          data: subset(ing.data, ing.labels.indexOf(c.label)),
        }));
  const jobs: TrainedJob[] = [];
  const failed: TrainStageResult['failed'] = [];
  let interrupted = false;
  const workers = ctx.backend ? planWorkers(config, ctx.backend, os.availableParallelism(), imageMacs(ganSpecs(config, ing.labels.length))) : { workers: 1, reason: 'no backend given', refused: false };
  if (workers.refused) ctx.emit({ type: 'warn', message: `train.workers: ${config.train.workers} not possible here (${workers.reason}); training on one thread` });
  else if (workers.workers > 1) ctx.emit({ type: 'info', message: `train: ${workers.reason}` });
  const load = ctx.backend ? await blasLoad(config, ctx.backend.name) : null;
  const blas = ctx.backend ? planBlasThreads(config, ctx.backend, load) : { threads: null, note: null };
  // Said once a job trains: not where every model comes from a finished checkpoint.
  let blasNoted = false;
  const noteBlas = () => {
    if (blas.note && !blasNoted) ctx.emit({ type: 'info', message: blas.note });
    blasNoted = true;
  };
  const queue = new PQueue({ concurrency: config.gan.mode === 'per-class' ? config.gan.concurrency : 1 });
  /** One training job (`shared`, or a scarce class under per-class): resumes, trains, writes its logs and samples. */
  const trainJob = async (spec: (typeof specs)[number]): Promise<void> => {
    if (ctx.signal?.aborted) return;
    const key = resumeKey(config, spec.labels, spec.data.count);
    const ckptDir = l.checkpointDir(mode, spec.job);
    const meta: CheckpointMeta = { job: spec.job, labels: spec.labels, config, resumeKey: key, version: VERSION, ...(ctx.fingerprints ?? {}) };
    let resume;
    // The same job going on (train.steps as it was) spends what is left of train.budgetSeconds; training further starts a new budget.
    let budgetCountsResumed = true;
    if (ctx.resume) {
      const found = await loadCheckpoint(ckptDir);
      const otherInputs = found?.meta.inputs !== undefined && ctx.fingerprints !== undefined && found.meta.inputs !== ctx.fingerprints.inputs;
      if (found && (found.meta.resumeKey !== key || otherInputs)) {
        throw new UserError(
          `cannot resume ${spec.job}: ${ckptDir} was made with ${otherInputs ? 'a different set of input images' : resumeMismatch(found.meta, config, spec.labels)} (only train.steps, paths and thread counts may change); run without --resume to start over`,
        );
      }
      if (found) {
        resume = found.snapshot;
        budgetCountsResumed = found.meta.config.train.steps === config.train.steps;
        const step = found.snapshot.step;
        ctx.emit({ type: 'info', message: step >= config.train.steps ? `${spec.job}: trained to step ${step} already: the model comes from its checkpoint` : `${spec.job}: resuming from step ${step}` });
      }
    } else {
      resume = await leftByInterruptedRun(ckptDir, key, config, spec.labels, spec.job, ctx);
    }
    if (!resume || resume.step < config.train.steps) noteBlas();
    if (!resume) await removeOwned(ctx.out, spec.dir);
    await mkdir(spec.dir, { recursive: true });
    const metricsFile = l.metricsFile(mode, spec.job);
    // A run killed after its last checkpoint logged steps the resumed run logs again: keep the lines up to the checkpoint.
    if (resume) await truncateMetrics(metricsFile, resume.step);
    const log = async (r: MetricsRecord) => {
      await appendFile(metricsFile, JSON.stringify({ job: spec.job, ...r }) + '\n');
      testKillPoint(`metrics-${r.step}`)?.();
    };
    // Metrics lines are appended in order, off the training loop. The first failure (a full disk …) is
    // kept and thrown once training returns: a rejection nobody awaits while training runs would end
    // the process as an internal error instead of the full-disk exit.
    let pendingLog: Promise<void> = Promise.resolve();
    let logError: unknown;
    try {
      const result = await trainGan(spec.data, config, {
        labels: spec.labels,
        workers: workers.workers,
        ...(resume ? { resume, budgetCountsResumed } : {}),
        ...(ctx.signal ? { signal: ctx.signal } : {}),
        ...(ctx.faultAt?.[spec.job] ? { faultAt: ctx.faultAt[spec.job]! } : {}),
        onStep: (m) => ctx.emit({ type: 'train.step', job: spec.job, ...m }),
        onLog: (r) => {
          pendingLog = pendingLog
            .then(() => (logError === undefined ? log(r) : undefined))
            .catch((err: unknown) => {
              logError ??= naming(err, metricsFile);
            });
        },
        onSamples: async (grid) => {
          await Promise.all(
            grid.classes.map((c, k) =>
              writeGrid(
                l.samplesFile(mode, spec.job, spec.labels[c.classIndex]!, grid.step),
                grid,
                k,
                config.decode.size,
                config.decode.channels,
              ),
            ),
          );
        },
        onCheckpoint: (s) => saveCheckpoint(ckptDir, s, meta),
      });
      await pendingLog;
      if (logError !== undefined) {
        result.dispose();
        throw logError;
      }
      if (result.rollbacks > 0) ctx.emit({ type: 'warn', message: `${spec.job}: training diverged ${result.rollbacks}× and was rolled back with halved learning rates` });
      if (result.interrupted) interrupted = true;
      jobs.push({ job: spec.job, labels: spec.labels, g: result.g, d: result.d, result });
    } catch (err) {
      await pendingLog;
      if (err instanceof DivergenceError && config.gan.mode === 'per-class') {
        failed.push({ job: spec.job, reason: err.message });
        ctx.emit({ type: 'warn', message: `${spec.job}: ${err.message}; this class gets no synthetic images` });
        return;
      }
      throw err;
    }
  };
  let trainedOn: number | null = null;
  let blasChanges: BlasChange[] = [];
  const all = async () => {
    // The count in effect as training starts (the summary's record of it).
    trainedOn = blasThreads();
    // Under auto, the count follows the machine's load while training runs (put back after, for withBlasThreads).
    const start = trainedOn;
    const watch =
      load && start !== null
        ? watchBlasLoad({
            processThreads: load.processThreads,
            threads: start,
            read: loadReader(),
            set: setBlasThreadsNow,
            onChange: (c, cores) => ctx.emit({ type: 'info', message: `train: ${c.threads} BLAS thread${c.threads === 1 ? '' : 's'} from here (train.blasThreads: auto): other processes now keep ${c.othersBusy.toFixed(1)} of the ${cores} cores busy` }),
          })
        : null;
    try {
      await Promise.all(specs.map((spec) => queue.add(() => trainJob(spec))));
    } finally {
      blasChanges = watch?.stop() ?? [];
      if (start !== null && blasChanges.length > 0) setBlasThreadsNow(start);
    }
  };
  await (blas.threads !== null ? withBlasThreads(blas.threads, all) : all());
  return { jobs, failed, interrupted, workers: workers.workers, blasThreads: trainedOn, blasChanges };
}

/**
 * What `train.blasThreads: auto` reads before training on the native backend with more than one thread:
 * how busy other processes keep the cores. Null where nothing is left to decide: an explicit count (the
 * config's or GAN_AUGMENT_BLAS_THREADS), another backend, one thread already.
 */
async function blasLoad(config: Config, backend: string): Promise<BlasLoad | null> {
  const processThreads = blasThreads();
  if (config.train.blasThreads !== 'auto' || backend !== 'native' || blasThreadsFromEnv() || processThreads === null || processThreads <= 1) return null;
  return { ...(await machineLoad()), processThreads };
}

/**
 * The wasm binary a run asks for before its backend starts (backend/select.ts `trainingThreads`; it applies
 * only where wasm without native kernels is the backend), from the config alone: a `decode.size: auto`
 * counts as the largest it resolves to (`AUTO_DECODE.maxSize`) and `decode.channels: auto` as 3, and the class
 * count as 2 (it changes only the acgan head's last product), so a step is never under-counted; under
 * `gan.mode: translate` the noise generator's count stands in for the translator's, which cost.ts does not
 * count (translate trains on one replica either way: parallel/plan.ts `obstacle`). A run
 * whose candidates come from elsewhere (`generate.from`) trains no GAN: one thread.
 */
export function wasmThreadsForRun(config: ParsedConfig, cores: number = os.availableParallelism()): WasmThreadsPlan {
  if (config.generate.from !== null) return { threads: 1, reason: 'generate.from: no GAN to train' };
  const sized = withDecode(config, { size: AUTO_DECODE.maxSize, channels: 3 });
  return planWasmThreads(sized, cores, config.train.batchSize * imageMacs(ganSpecs(sized, 2)));
}

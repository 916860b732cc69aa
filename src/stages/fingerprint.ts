/**
 * Incremental runs. Each stage is fingerprinted from what it depends on, and the fingerprints of the
 * last successful run are kept in `<out>/state.json`:
 *
 * - `inputs`: every entry of the input folder (path, label, ingested / ignored / rejected and why) and the
 *   decoded pixels of the ingested ones — exactly what training sees. The decode cache (keyed by file
 *   content hash) makes a rerun over unchanged files decode nothing.
 * - `config`: the resolved config without paths and execution-only settings (backend, decode.cache,
 *   gan.concurrency, train.workers, generate.workers, guard.threads). Shards of one job share it; `merge` compares it and `inputs`.
 * - `train`: `inputs`, the code version, the training jobs (`shared`, or this shard's per-class labels) and
 *   every config section except those that only act after training (balance, generate, filter,
 *   features, quality, …). A section nobody listed counts — when unsure, retrain.
 * - `outputs`: `train`, the config without execution-only settings (paths included: manifest paths depend on
 *   them) and the shard. A thread count or the decode cache changes no output (sampling, the guard and the
 *   classifiers give the same bytes on any count), so setting `guard.threads: 2` after a slow guard does not
 *   run the guard again over the same images.
 *
 * `outputs` unchanged and the outputs present: nothing runs ("up to date"). `train` unchanged and every
 * job's checkpoint present: the trained models are taken from the checkpoints and only generation,
 * filtering and writing run again. The code version is the package version and the tfjs version: a
 * development checkout that changes code without bumping the version should delete `<out>/state.json`.
 */
import { tf } from '../tf.js';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Config } from '../config/schema.js';
import { jobMode, OUT_NAMES, outLayout, type JobMode } from '../out/layout.js';
import { exists, writeFileAtomic } from '../util/fs.js';
import { canonicalJson, hashJson } from '../util/hash.js';
import { differences, differencesText } from '../util/differences.js';
import { VERSION } from '../version.js';
import type { Ingested } from './ingest.js';
import type { ShardSpec } from './shard.js';

export const STATE_FILE = OUT_NAMES.state;

/** Config sections that act only after training: changing them never retrains. */
const AFTER_TRAINING = ['input', 'out', 'backend', 'balance', 'generate', 'filter', 'deliver', 'features', 'quality', 'output', 'report', 'evaluate', 'metrics', 'manifest', 'guard'];

export interface Fingerprints {
  code: string;
  inputs: string;
  config: string;
  train: string;
  outputs: string;
}

export interface RunState {
  format: 'gan-augment/state@1';
  version: string;
  /** `train` and `outputs` are null until that part of a run has completed. */
  fingerprints: Omit<Fingerprints, 'train' | 'outputs'> & { train: string | null; outputs: string | null };
  /** The training jobs behind `train`. */
  jobs: string[];
  shard: ShardSpec | null;
  /** The resolved config of the run that wrote this state. */
  config: Config;
  /** The resolved config that trained the models in the checkpoints (a run that reused them keeps it). */
  trainedWith: Config | null;
  updatedAt: string;
}

/** The code that produced an output: this package's version and the tfjs version. */
export function codeVersion(): string {
  return `gan-augment ${VERSION}; tfjs ${tf.version.tfjs}`;
}

/** The `inputs` fingerprint of an ingested folder (see the module comment). */
export function inputsFingerprint(ing: Pick<Ingested, 'records' | 'labels' | 'data'>): string {
  const h = createHash('sha256');
  h.update(canonicalJson({ labels: ing.labels, records: ing.records.map((r) => [r.path, r.label, r.status, r.reason]) }));
  const { pixels, size, channels, count } = ing.data;
  h.update(canonicalJson({ size, channels, count }));
  h.update(pixels);
  h.update(new Uint8Array(Int32Array.from(ing.data.labels).buffer));
  return h.digest('hex').slice(0, 16);
}

const without = <T extends object>(config: T, keys: readonly string[]) => Object.fromEntries(Object.entries(config).filter(([k]) => !keys.includes(k)));

/** The train settings that say how many threads train a job, not what it computes: left out of fingerprints, taken from the running config when a training is reused. */
const TRAIN_THREADS = ['workers', 'blasThreads'] as const satisfies readonly (keyof Config['train'])[];

/**
 * The config without its thread counts (train.workers, train.blasThreads, generate.workers, guard.threads):
 * how many threads run a job, not what it computes (train.workers and train.blasThreads change the weights by
 * float rounding only, generate.workers and guard.threads not at all). Left out rather than nulled, so fingerprints and checkpoints
 * made before they existed still match.
 */
export function withoutThreadCounts(config: Config) {
  const train = without(config.train, TRAIN_THREADS) as Omit<Config['train'], (typeof TRAIN_THREADS)[number]>;
  const { workers: _generate, ...generate } = config.generate;
  const { threads: _guard, ...guard } = config.guard;
  return { ...config, train, generate, guard };
}

/** The config without execution-only settings: the thread counts, decode.cache and gan.concurrency. */
export function withoutExecution(config: Config) {
  const c = withoutThreadCounts(config);
  return { ...c, decode: { ...c.decode, cache: null }, gan: { ...c.gan, concurrency: null } };
}

/** The config as shards of one job share it: no paths, no execution-only settings. */
export function configFingerprint(config: Config): string {
  return hashJson(fingerprintedConfig(config));
}

/** The config as {@link configFingerprint} sees it: without paths, the backend and execution-only settings. */
export function fingerprintedConfig(config: Config): Record<string, unknown> {
  return without(withoutExecution(config), ['input', 'out', 'backend']);
}

/** The jobs training runs: `shared`, or the per-class labels (this shard's). */
export function trainJobs(config: Config, labels: readonly string[]): string[] {
  if (labels.length === 0) return [];
  return config.gan.mode === 'per-class' ? [...labels] : ['shared'];
}

/** Every fingerprint of a run (see the module comment). */
export function fingerprints(config: Config, inputs: string, jobs: readonly string[], shard: ShardSpec | null): Fingerprints {
  const code = codeVersion();
  const cfg = configFingerprint(config);
  const train = hashJson({ code, inputs, jobs, config: trainingSettings(config) });
  const outputs = hashJson({ code, train, config: withoutExecution(config), shard });
  return { code, inputs, config: cfg, train, outputs };
}

/** Reads `<out>/state.json`; null when missing or unreadable (then everything runs). */
export async function readState(out: string): Promise<RunState | null> {
  try {
    const s = JSON.parse(await readFile(outLayout(out).state, 'utf8')) as RunState;
    return s.format === 'gan-augment/state@1' ? s : null;
  } catch {
    return null;
  }
}

/** Writes `<out>/state.json` atomically. */
export async function writeState(out: string, state: Omit<RunState, 'format' | 'version' | 'updatedAt'>): Promise<void> {
  const full: RunState = { format: 'gan-augment/state@1', version: VERSION, ...state, updatedAt: new Date().toISOString() };
  await writeFileAtomic(outLayout(out).state, JSON.stringify(full, null, 2) + '\n');
}


/** Whether every job has a checkpoint to take its trained model from. */
export async function checkpointsPresent(out: string, mode: JobMode, jobs: readonly string[]): Promise<boolean> {
  const l = outLayout(out);
  return (await Promise.all(jobs.map((j) => exists(l.checkpointFile(mode, j))))).every(Boolean);
}

/** Whether the final outputs of a run are in place. */
export async function outputsPresent(out: string): Promise<boolean> {
  const l = outLayout(out);
  return (await Promise.all([l.manifest, l.summary, l.synthetic].map(exists))).every(Boolean);
}

/**
 * The config to hand `trainStage` with `resume` so that it rebuilds each job's model from its checkpoint
 * without training: the config that made the checkpoints (its resume key matches), this run's paths and
 * execution settings (a state written before train.workers or train.blasThreads existed has none: a run of
 * 2026-12-06 02:16 reused by a later version crashed on the missing blasThreads), and zero steps to go.
 */
export function reuseConfig(previous: Config, config: Config): Config {
  return {
    ...previous,
    input: config.input,
    out: config.out,
    gan: { ...previous.gan, concurrency: config.gan.concurrency },
    train: { ...previous.train, ...(Object.fromEntries(TRAIN_THREADS.map((k) => [k, config.train[k]])) as Pick<Config['train'], (typeof TRAIN_THREADS)[number]>), steps: 0 },
  };
}

/**
 * Why a run trains again where the folder holds models a finished run trained (`previous`, its state), for
 * the log: another gan-augment or tfjs, other input images, other jobs, or the training settings that
 * differ (`train.lrG 0.001 → 0.0005`). Null where nothing was trained before or the models are this run's.
 * A rerun that trains for minutes says why instead of starting without a word.
 */
export function whyTrainAgain(previous: Pick<RunState, 'fingerprints' | 'trainedWith' | 'jobs' | 'updatedAt'> | null, fp: Fingerprints, config: Config, jobs: readonly string[]): string | null {
  const before = previous?.fingerprints;
  if (!before?.train || !previous!.trainedWith || before.train === fp.train || jobs.length === 0) return null;
  const why = trainingChanges(previous!, config, jobs, fp.code);
  if (before.inputs !== fp.inputs) why.push('other input images');
  // A fingerprint made otherwise than today's (a state written by an older gan-augment) says no more.
  if (why.length === 0) why.push('the training fingerprint differs');
  return `train: training again since the run of ${previous!.updatedAt}: ${why.join('; ')}`;
}

/**
 * What `run --dry-run` can say of the models the out folder holds, from its state and the config alone (the
 * input images are not decoded and compared: the run does that): trained with other settings, jobs or code —
 * the run trains again, naming what changed — or with these, and reused if the images are unchanged. Null
 * where the folder holds no finished training.
 */
export function trainPreview(previous: Pick<RunState, 'fingerprints' | 'trainedWith' | 'jobs'> | null, config: Config, jobs: readonly string[], checkpoints: boolean): string | null {
  if (!previous?.fingerprints.train || !previous.trainedWith || jobs.length === 0) return null;
  if (!checkpoints) return "train: the out folder's state records a finished training whose checkpoints are gone: the run trains again";
  const why = trainingChanges(previous, config, jobs, codeVersion());
  return why.length > 0
    ? `train: the out folder's models were trained with ${why.join('; ')}: the run trains again`
    : "train: the out folder's models were trained with these settings: the run takes them from the checkpoints if the input images are unchanged";
}

/** What the training behind the folder's models (`previous`) had otherwise than this run's, the input images aside: code, jobs, settings. */
function trainingChanges(previous: Pick<RunState, 'fingerprints' | 'trainedWith' | 'jobs'>, config: Config, jobs: readonly string[], code: string): string[] {
  const why: string[] = [];
  if (previous.fingerprints.code !== code) why.push(`other code (${previous.fingerprints.code}; now ${code})`);
  if (canonicalJson(previous.jobs) !== canonicalJson(jobs)) why.push(`other jobs (${previous.jobs.join(', ') || 'none'}; now ${jobs.join(', ')})`);
  const settings = previous.trainedWith ? differences(trainingSettings(previous.trainedWith), trainingSettings(config)) : [];
  if (settings.length > 0) why.push(`other training settings (${differencesText(settings)})`);
  return why;
}

/** The config as the `train` fingerprint sees it (without execution settings and what acts after training). */
function trainingSettings(config: Config): Record<string, unknown> {
  return without(withoutExecution(config), AFTER_TRAINING);
}

/** What an incremental run may skip, and the state transitions to record as it goes. */
export interface IncrementalPlan {
  fingerprints: Fingerprints;
  /** The previous run's summary.json when nothing needs to run, else null. */
  upToDate: unknown;
  /** The config to hand `trainStage` (with `resume`) to take the trained models from the checkpoints, or null to train. */
  reuse: Config | null;
  /** Why something is skipped, or why the run trains models the folder already held, for the log; null otherwise. */
  message: string | null;
  /** Records that the outputs (and, unless reused, the trained models) are about to change. */
  beforeTrain(): Promise<void>;
  /** Records the trained models as current, unless a job failed. */
  afterTrain(ok: boolean): Promise<void>;
  /** Records the outputs as current: a rerun with nothing changed is then up to date. */
  afterWrite(): Promise<void>;
}

/**
 * Compares this run's fingerprints with `<out>/state.json` (see the module comment). `run --resume`
 * changes nothing here: the `train` fingerprint of a run is recorded only once its training completed,
 * so a match means the checkpoints hold finished models; otherwise `--resume` continues them.
 */
export async function planIncremental(
  config: Config,
  ing: Pick<Ingested, 'records' | 'labels' | 'data'>,
  jobs: readonly string[],
  shard: ShardSpec | null,
  /** generate.from: the imported candidates' fingerprint, part of the inputs (a changed folder makes the outputs stale). */
  imported: string | null = null,
): Promise<IncrementalPlan> {
  const inputs = inputsFingerprint(ing);
  const fp = fingerprints(config, imported === null ? inputs : hashJson({ inputs, imported }), jobs, shard);
  const previous = await readState(config.out);
  const prevFp = previous?.fingerprints;
  let upToDate: unknown = null;
  let reuse: Config | null = null;
  let message: string | null = null;
  if (prevFp?.outputs === fp.outputs && (await outputsPresent(config.out))) {
    upToDate = JSON.parse(await readFile(outLayout(config.out).summary, 'utf8').catch(() => 'null'));
    if (upToDate) message = `up to date: inputs, config and code are unchanged since ${previous!.updatedAt} (${outLayout(config.out).state}); nothing to do`;
  }
  if (!upToDate && jobs.length > 0 && prevFp?.train === fp.train && previous!.trainedWith && (await checkpointsPresent(config.out, jobMode(config.gan.mode), jobs))) {
    reuse = reuseConfig(previous!.trainedWith, config);
    message = `train: up to date (inputs, training settings and code unchanged): the models come from the checkpoints in ${outLayout(config.out).train}; generating and filtering again`;
  }
  if (!upToDate && !reuse) message = whyTrainAgain(previous, fp, config, jobs);
  let state: Omit<RunState, 'format' | 'version' | 'updatedAt'> = {
    fingerprints: { code: fp.code, inputs: fp.inputs, config: fp.config, train: reuse ? fp.train : null, outputs: null },
    jobs: [...jobs],
    shard,
    config,
    trainedWith: reuse ? previous!.trainedWith : null,
  };
  const save = async (next: typeof state) => {
    state = next;
    await writeState(config.out, state);
  };
  return {
    fingerprints: fp,
    upToDate,
    reuse,
    message,
    beforeTrain: () => save(state),
    afterTrain: (ok) => (ok ? save({ ...state, fingerprints: { ...state.fingerprints, train: fp.train }, trainedWith: state.trainedWith ?? config }) : Promise.resolve()),
    afterWrite: () => save({ ...state, fingerprints: { ...state.fingerprints, outputs: fp.outputs } }),
  };
}

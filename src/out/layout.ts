/**
 * The out folder's layout: every path below `<out>` comes from here. Pure (names and joins, no disk);
 * `folder.ts` claims, locks and guards the folder on disk.
 *
 * ```
 * <out>/.gan-augment            ownership ledger: which top-level folders gan-augment made, and the input(s)
 * <out>/.gan-augment.lock       a run in progress
 * <out>/state.json              fingerprints for incremental runs (stages/fingerprint.ts)
 * <out>/manifest.jsonl          the augmented dataset (+ manifest.schema.json, manifest.csv)
 * <out>/summary.json, report.html, evaluate.json
 * <out>/synthetic/<class>/<rank>-<seed>.png       kept synthetic images
 * <out>/.synthetic.partial/…    this run's synthetic images until they replace synthetic/ (staging)
 * <out>/.synthetic.old/…        the previous synthetic/ while it is being replaced
 * <out>/model/[<class>/]{generator,discriminator}/   trained models ([<class>/]: gan.mode per-class)
 * <out>/model/[<class>/]generator/anchors.json       generate.anchor's fitted latents, by class
 * <out>/.model.partial/, .model.old/   the same for model/
 * <out>/train/[<class>/]{metrics.jsonl,samples/,checkpoint/}
 * <out>/rejected/<class>/<reason>-<seed>.png, rejected.jsonl     (filter.keepRejected)
 * <out>/withheld/<class>/<rank>-<seed>.png, withheld.jsonl       kept images the guard did not deliver (guard: fallback)
 * <out>/imagefolder/train/…     Hugging Face / torchvision layout (output.imagefolder)
 * <out>/.cache/{decode,classifier,features}/
 * ```
 */
import path from 'node:path';
import { safeSegment } from '../util/safe-name.js';

/** Names of the entries directly below `<out>`. */
export const OUT_NAMES = {
  marker: '.gan-augment',
  lock: '.gan-augment.lock',
  state: 'state.json',
  manifest: 'manifest.jsonl',
  manifestNext: '.manifest.next.jsonl',
  manifestCsv: 'manifest.csv',
  manifestSchema: 'manifest.schema.json',
  summary: 'summary.json',
  report: 'report.html',
  evaluate: 'evaluate.json',
  model: 'model',
  train: 'train',
  synthetic: 'synthetic',
  staging: '.synthetic.partial',
  previous: '.synthetic.old',
  modelStaging: '.model.partial',
  modelPrevious: '.model.old',
  rejected: 'rejected',
  withheld: 'withheld',
  imagefolder: 'imagefolder',
  imagefolderStaging: '.imagefolder.partial',
  imagefolderPrevious: '.imagefolder.old',
  cache: '.cache',
} as const;

/** Names inside a job's training and model folders (`train/[<class>/]…`, `model/[<class>/]…`). */
const JOB_NAMES = {
  metrics: 'metrics.jsonl',
  samples: 'samples',
  checkpoint: 'checkpoint',
  checkpointFile: 'checkpoint.json',
  generator: 'generator',
  discriminator: 'discriminator',
  modelJson: 'model.json',
  anchors: 'anchors.json',
} as const;

/** generate.anchor's fitted latents inside a generator folder (`model/[<class>/]generator/`, or one `generate --model` names). */
export const anchorsIn = (generatorDir: string): string => path.join(generatorDir, JOB_NAMES.anchors);

/** A sample strip's file name at `step` (zero-padded, so names sort by step). */
const sampleName = (step: number) => `step-${String(step).padStart(6, '0')}.png`;

/**
 * fast-glob patterns (relative to `<out>`, for `cwd: out`) for what readers look for in any job's folder,
 * whatever the gan.mode that wrote it: the report finds a run's files through these.
 */
export const OUT_GLOBS = {
  /** Every job's metrics.jsonl. */
  metrics: `${OUT_NAMES.train}/**/${JOB_NAMES.metrics}`,
  /** Every saved generator's model.json. */
  generatorModels: `${OUT_NAMES.model}/**/${JOB_NAMES.generator}/${JOB_NAMES.modelJson}`,
  /** A class's sample strips, any job (`escaped`: the class's folder name, escaped for fast-glob). */
  samples: (escaped: string) => `${OUT_NAMES.train}/**/${JOB_NAMES.samples}/${escaped}/step-*.png`,
  /** The step a sample strip's file name carries, or NaN. */
  sampleStep: (file: string) => Number(/step-(\d+)\.png$/.exec(file)?.[1] ?? NaN),
} as const;

/**
 * The folders below `<out>` that gan-augment makes and may empty or replace. A recursive delete is only
 * ever done on one of these (or below one), and only when the ledger says gan-augment made it
 * (`removeOwned` in folder.ts).
 */
export const OWNED_FOLDERS = [
  OUT_NAMES.model,
  OUT_NAMES.train,
  OUT_NAMES.synthetic,
  OUT_NAMES.staging,
  OUT_NAMES.previous,
  OUT_NAMES.modelStaging,
  OUT_NAMES.modelPrevious,
  OUT_NAMES.rejected,
  OUT_NAMES.withheld,
  OUT_NAMES.imagefolder,
  OUT_NAMES.imagefolderStaging,
  OUT_NAMES.imagefolderPrevious,
  OUT_NAMES.cache,
] as const;

/**
 * The folders a run replaces whole when it publishes (out/folder.ts `commitOutputs`): written to `staged`
 * first, then swapped for `final` together with the manifest; `previous` holds the old one meanwhile.
 * `synthetic/` is left empty when nothing was staged; `model/` and `imagefolder/` are then removed.
 */
export const SWAPPED = [
  { final: OUT_NAMES.synthetic, staged: OUT_NAMES.staging, previous: OUT_NAMES.previous, keepEmpty: true },
  { final: OUT_NAMES.model, staged: OUT_NAMES.modelStaging, previous: OUT_NAMES.modelPrevious, keepEmpty: false },
  // The manifest's file_name column names files in imagefolder/: it is replaced with the manifest too.
  { final: OUT_NAMES.imagefolder, staged: OUT_NAMES.imagefolderStaging, previous: OUT_NAMES.imagefolderPrevious, keepEmpty: false },
] as const;

/** Every file and folder gan-augment writes directly below `<out>` (what must not overlap the input). */
export const WRITTEN_NAMES = Object.values(OUT_NAMES);

/** `shared` (one model for every class) or `per-class` (one model per scarce class). */
export type JobMode = 'shared' | 'per-class';

/** The layout of a `gan.mode`: `translate` trains one model over every class, laid out like `shared`. */
export function jobMode(mode: 'shared' | 'per-class' | 'translate'): JobMode {
  return mode === 'per-class' ? 'per-class' : 'shared';
}

/** A synthetic image's file name: its rank (or position) and its seed, `00012-0badcafe.png`. */
export function syntheticName(rank: number, seed: number): string {
  return `${String(rank).padStart(5, '0')}-${seed.toString(16).padStart(8, '0')}.png`;
}

/** Every path below one out folder. `job` is a class label in `per-class` mode and ignored in `shared` mode. */
export function outLayout(out: string) {
  const at = (...parts: string[]) => path.join(out, ...parts);
  const jobSeg = (mode: JobMode, job: string) => (mode === 'shared' ? [] : [safeSegment(job)]);
  return {
    root: out,
    marker: at(OUT_NAMES.marker),
    lock: at(OUT_NAMES.lock),
    state: at(OUT_NAMES.state),
    manifest: at(OUT_NAMES.manifest),
    /** The new manifest while the synthetic images it names replace the old ones. */
    manifestNext: at(OUT_NAMES.manifestNext),
    manifestCsv: at(OUT_NAMES.manifestCsv),
    manifestSchema: at(OUT_NAMES.manifestSchema),
    summary: at(OUT_NAMES.summary),
    report: at(OUT_NAMES.report),
    evaluate: at(OUT_NAMES.evaluate),

    model: at(OUT_NAMES.model),
    /** A job's model folder: `model/` (shared) or `model/<class>/`. */
    modelDir: (mode: JobMode, job: string) => at(OUT_NAMES.model, ...jobSeg(mode, job)),
    /** The model folder of one class's models in any mode, as `merge` copies them (`model/<class>/`). */
    classModelDir: (label: string) => at(OUT_NAMES.model, safeSegment(label)),
    /** Where a job's generator ends up (the path the manifest's `generator` names). */
    generator: (mode: JobMode, job: string) => at(OUT_NAMES.model, ...jobSeg(mode, job), JOB_NAMES.generator),
    discriminator: (mode: JobMode, job: string) => at(OUT_NAMES.model, ...jobSeg(mode, job), 'discriminator'),
    /** Where models are written first, and become `model/` on publish. */
    modelStaging: at(OUT_NAMES.modelStaging),
    stagedGenerator: (mode: JobMode, job: string) => at(OUT_NAMES.modelStaging, ...jobSeg(mode, job), JOB_NAMES.generator),
    stagedDiscriminator: (mode: JobMode, job: string) => at(OUT_NAMES.modelStaging, ...jobSeg(mode, job), JOB_NAMES.discriminator),
    /** generate.anchor's fitted latents of a job's classes, beside its staged generator. */
    stagedAnchors: (mode: JobMode, job: string) => anchorsIn(at(OUT_NAMES.modelStaging, ...jobSeg(mode, job), JOB_NAMES.generator)),
    stagedClassModelDir: (label: string) => at(OUT_NAMES.modelStaging, safeSegment(label)),

    train: at(OUT_NAMES.train),
    /** A job's training folder: `train/` (shared) or `train/<class>/`. */
    trainDir: (mode: JobMode, job: string) => at(OUT_NAMES.train, ...jobSeg(mode, job)),
    classTrainDir: (label: string) => at(OUT_NAMES.train, safeSegment(label)),
    checkpointDir: (mode: JobMode, job: string) => at(OUT_NAMES.train, ...jobSeg(mode, job), JOB_NAMES.checkpoint),
    checkpointFile: (mode: JobMode, job: string) => at(OUT_NAMES.train, ...jobSeg(mode, job), JOB_NAMES.checkpoint, JOB_NAMES.checkpointFile),
    metricsFile: (mode: JobMode, job: string) => at(OUT_NAMES.train, ...jobSeg(mode, job), JOB_NAMES.metrics),
    /** A sample strip of one class at one step, below its job's training folder. */
    samplesFile: (mode: JobMode, job: string, label: string, step: number) =>
      at(OUT_NAMES.train, ...jobSeg(mode, job), JOB_NAMES.samples, safeSegment(label), sampleName(step)),

    synthetic: at(OUT_NAMES.synthetic),
    syntheticClass: (label: string) => at(OUT_NAMES.synthetic, safeSegment(label)),
    /** Where a synthetic image ends up (the path the manifest lists). */
    syntheticFile: (label: string, rank: number, seed: number) => at(OUT_NAMES.synthetic, safeSegment(label), syntheticName(rank, seed)),
    staging: at(OUT_NAMES.staging),
    stagingClass: (label: string) => at(OUT_NAMES.staging, safeSegment(label)),
    /** Where the image that will end up at `finalFile` (a `syntheticFile`) is written first. */
    stagedFile: (finalFile: string) => at(OUT_NAMES.staging, path.relative(at(OUT_NAMES.synthetic), finalFile)),
    previous: at(OUT_NAMES.previous),

    rejected: at(OUT_NAMES.rejected),
    rejectedClass: (label: string) => at(OUT_NAMES.rejected, safeSegment(label)),
    rejectedFile: (label: string, reason: string, seed: number) => at(OUT_NAMES.rejected, safeSegment(label), `${reason}-${seed.toString(16).padStart(8, '0')}.png`),
    rejectedList: at(OUT_NAMES.rejected, 'rejected.jsonl'),
    /** Kept synthetic images of the classes the guard fell back on: not in the manifest, there to be looked at. */
    withheld: at(OUT_NAMES.withheld),
    withheldClass: (label: string) => at(OUT_NAMES.withheld, safeSegment(label)),
    withheldFile: (label: string, rank: number, seed: number) => at(OUT_NAMES.withheld, safeSegment(label), syntheticName(rank, seed)),
    withheldList: at(OUT_NAMES.withheld, 'withheld.jsonl'),

    imagefolder: at(OUT_NAMES.imagefolder),
    /** Where the next imagefolder/ is built before it is swapped in with the manifest. */
    imagefolderStaging: at(OUT_NAMES.imagefolderStaging),

    cache: at(OUT_NAMES.cache),
    decodeCache: at(OUT_NAMES.cache, 'decode'),
    classifierCache: at(OUT_NAMES.cache, 'classifier'),
    featuresCache: at(OUT_NAMES.cache, 'features'),
  };
}

export type OutLayout = ReturnType<typeof outLayout>;

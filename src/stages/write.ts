/**
 * Stage 4, the write stage, shared by `run` and `merge`: stages the synthetic PNGs, writes kept rejects
 * and the trained models, fills shortfalls, then publishes — manifest and images swapped in together
 * (out/folder.ts `commitOutputs`), the manifest's other forms, summary.json and report.html.
 */
import path from 'node:path';
import type { Config } from '../config/schema.js';
import { CLASSES_IN_FULL } from '../config/defaults.js';
import type { EventSink } from '../events.js';
import { fillShortfall } from '../filter/shortfall.js';
import type { Discriminator } from '../gan/discriminator.js';
import { isTranslator, type ImageModel } from '../gan/translator.js';
import type { ImageTarget } from './targets.js';
import { saveParams } from '../gan/model-io.js';
import type { Anchors } from '../generate/anchor.js';
import { writeAnchors } from '../generate/anchor-file.js';
import { realEntry, syntheticEntry, toJsonl, type ManifestEntry } from '../manifest/build.js';
import { layoutFor, stageImagefolder, withFileNames, writeJson, writeManifestTexts, writePngs, type ImagefolderMode } from '../manifest/write.js';
import { commitOutputs } from '../out/folder.js';
import { removeOwned } from '../out/guard.js';
import { jobMode, outLayout, type JobMode } from '../out/layout.js';
import { loadReportData, loadVerdicts, type Verdicts } from '../report/load.js';
import { renderReport } from '../report/html.js';
import type { SummaryLike } from '../report/types.js';
import { writeFileAtomic, relativePosix } from '../util/fs.js';
import { hashJson } from '../util/hash.js';
import { labelSalt, Rng } from '../util/rng.js';
import { VERSION } from '../version.js';
import { pushAll } from '../util/array.js';
import type { HashedFile } from './ingest.js';
import type { ClassSynthesis, RejectedImage, SyntheticImage } from './synthesize.js';
import { mixedReal, shareText } from './deliver.js';
import { testKillPoint } from '../util/kill-point.js';

/** The manifest rows of the real images, from the hashes decode took (nothing is read again). */
export function realRows(out: string, root: string, files: readonly HashedFile[]): ManifestEntry[] {
  return files.map((f) => realEntry(relativePosix(out, path.join(root, f.rel)), f.label, f.sha256));
}

/** The generator folder (relative to out) and step that made each class. */
export type MadeBy = Map<string, { generator: string; generatorStep: number }>;

/**
 * Writes the kept synthetic images to the staging folder (they become `synthetic/` on publish).
 * @returns their manifest rows, in the order of `images`
 */
export async function stageSynthetic(
  out: string,
  images: readonly SyntheticImage[],
  madeBy: MadeBy,
  decode: { size: number; channels: 1 | 3 },
  /** The real images' rows, by ingested index: a translated image's row names its source from them. */
  real: readonly ManifestEntry[] = [],
  /** Per image (same order): its recommended weight and soft label (`deliver.labels`; null: its class). */
  targets?: readonly ImageTarget[],
): Promise<ManifestEntry[]> {
  const l = outLayout(out);
  const files = images.map((img) => l.syntheticFile(img.label, img.rank, img.seed));
  const hashes = await writePngs(images.map((img, i) => ({ file: l.stagedFile(files[i]!), pixels: img.pixels })), decode.size, decode.channels);
  return images.map((img, i) =>
    syntheticEntry({
      path: relativePosix(out, files[i]!),
      label: img.label,
      score: img.score,
      scores: img.scores,
      ...madeBy.get(img.label)!,
      seed: img.seed,
      sha256: hashes[i]!,
      ...targets?.[i],
      ...(img.source !== undefined && real[img.source] ? { translatedFrom: { path: real[img.source]!.path, sha256: real[img.source]!.sha256, label: real[img.source]!.label } } : {}),
      // Made outside (generate.from): no generator, step, seed or discriminator score to name.
      ...(img.imported ? { generator: null, generatorStep: null, seed: null, score: null, importedFrom: { path: relativePosix(out, img.imported.file), sha256: img.imported.sha256 } } : {}),
    }),
  );
}

/**
 * Writes rejected candidates to `<out>/rejected/<class>/<reason>-<seed>.png` and `<out>/rejected/rejected.jsonl`
 * (one line each: path, label, seed, score, reason, detail). A previous run's rejected folder is removed
 * first, and always, so it never mixes with this run's.
 */
export async function writeRejected(out: string, rejected: readonly RejectedImage[], size: number, channels: 1 | 3): Promise<void> {
  const l = outLayout(out);
  await removeOwned(out, l.rejected);
  if (rejected.length === 0) return;
  const files = rejected.map((r) => l.rejectedFile(r.label, r.reason, r.seed));
  await writePngs(rejected.map((r, i) => ({ file: files[i]!, pixels: r.pixels })), size, channels);
  const lines = rejected.map((r, i) => JSON.stringify({ path: relativePosix(out, files[i]!), label: r.label, seed: r.seed, score: r.score, reason: r.reason, detail: r.detail }));
  await writeFileAtomic(l.rejectedList, lines.join('\n') + '\n');
}

/**
 * Writes the kept synthetic images of the classes the guard fell back on to `<out>/withheld/<class>/<rank>-<seed>.png`
 * and `<out>/withheld/withheld.jsonl` (one line each: path, label, rank, seed, score, and the guard's reason): the
 * manifest does not list them, but a reader of a "fell back" verdict should be able to see what was judged.
 * A previous run's withheld folder is removed first, and always.
 */
export async function writeWithheld(out: string, withheld: readonly SyntheticImage[], reasons: ReadonlyMap<string, string>, size: number, channels: 1 | 3): Promise<void> {
  const l = outLayout(out);
  await removeOwned(out, l.withheld);
  if (withheld.length === 0) return;
  const files = withheld.map((img) => l.withheldFile(img.label, img.rank, img.seed));
  await writePngs(withheld.map((img, i) => ({ file: files[i]!, pixels: img.pixels })), size, channels);
  const lines = withheld.map((img, i) => JSON.stringify({ path: relativePosix(out, files[i]!), label: img.label, rank: img.rank, seed: img.seed, score: img.score, reason: reasons.get(img.label) ?? '' }));
  await writeFileAtomic(l.withheldList, lines.join('\n') + '\n');
}

/** A trained job's models, as the train stage returns them. */
export interface JobModels {
  job: string;
  labels: string[];
  /** The noise generator, or the translator (`gan.mode: translate`). */
  g: ImageModel;
  d: Discriminator;
  steps: number;
}

/** Where each class's generator is (relative to out) and its step. */
export function madeByOf(out: string, mode: JobMode, jobs: readonly JobModels[]): MadeBy {
  const l = outLayout(out);
  return new Map(jobs.flatMap((j) => j.labels.map((label) => [label, { generator: relativePosix(out, l.generator(mode, j.job)), generatorStep: j.steps }] as const)));
}

/**
 * Saves each job's generator and discriminator to the model staging folder (`model/…` on publish), with the
 * resolved config, and beside a generator the latents generate.anchor fitted for its classes (`anchors`).
 */
export async function saveModels(out: string, config: Config, jobs: readonly JobModels[], anchors: ReadonlyMap<string, Anchors> = new Map()): Promise<void> {
  const l = outLayout(out);
  const meta = { config, configHash: hashJson(config), version: VERSION };
  const { sigma, steps } = config.generate.anchor;
  for (const j of jobs) {
    const mode = jobMode(config.gan.mode);
    await saveParams(l.stagedGenerator(mode, j.job), isTranslator(j.g) ? 'translator' : 'generator', j.g.spec, j.labels, j.g.params, { ...meta, step: j.steps });
    await saveParams(l.stagedDiscriminator(mode, j.job), 'discriminator', j.d.spec, j.labels, j.d.params, { ...meta, spectral: Object.keys(j.d.spectral) });
    const fitted = new Map(j.labels.filter((label) => anchors.has(label)).map((label) => [label, anchors.get(label)!] as const));
    if (fitted.size > 0 && sigma !== null) await writeAnchors(l.stagedAnchors(mode, j.job), { sigma, steps, classes: fitted });
  }
}

/**
 * Fills each class to its target with its real images listed again (source "oversampled"): the part of
 * the fill `deliver.share` leaves to real images, plus what the filters left short under
 * `filter.shortfall: oversample` — or the whole target where the guard fell back. Records the count on
 * the class's synthesis record; appends to `entries`.
 */
export function fillShortfalls(entries: ManifestEntry[], synthesis: ClassSynthesis[], config: Config, emit: EventSink, fallback: ReadonlySet<string> = new Set()): void {
  // Many scarce classes: one line for all of them (an 80-class run printed ~50), each class's count in summary.json.
  const lines: { label: string; count: number; message: string }[] = [];
  for (const c of synthesis) {
    const byDesign = mixedReal(c);
    const short = config.filter.shortfall === 'oversample' ? c.shortfall : 0;
    // A class the guard fell back on is filled to its target with its real images, whatever filter.shortfall says.
    const count = fallback.has(c.label) ? c.target : byDesign + short;
    if (count <= 0) continue;
    const real = entries.filter((e) => e.source === 'real' && e.label === c.label);
    const fill = fillShortfall(real, count, new Rng((config.seed ^ labelSalt(c.label) ^ 0x5eed0f11) >>> 0));
    pushAll(entries, fill);
    c.oversampled = fill.length;
    if (fallback.has(c.label) || fill.length === 0) continue;
    const parts = [
      ...(byDesign > 0 ? [`${byDesign} for the rest of its fill (deliver.share ${shareText(config)}: ${c.planned} of ${c.target} synthetic)`] : []),
      ...(short > 0 ? [`${short} for what the filters left short (filter.shortfall: oversample)`] : []),
    ];
    lines.push({ label: c.label, count: fill.length, message: `class "${c.label}": ${fill.length} real images listed again — ${parts.join('; ')}` });
  }
  if (synthesis.length <= CLASSES_IN_FULL) for (const l of lines) emit({ type: 'info', message: l.message });
  else if (lines.length > 0) {
    emit({
      type: 'info',
      message: `real images listed again to fill ${lines.length} of ${synthesis.length} scarce classes (deliver.share ${shareText(config)}${config.filter.shortfall === 'oversample' ? ', and what the filters left short' : ''}): ${lines.map((l) => `${l.label} ${l.count}`).join(', ')} (each class's count in summary.json, "oversampled")`,
    });
  }
}

/** The `output` settings publishing reads (a merge reads them from the shards' config). */
export interface PublishSettings {
  csv: boolean;
  imagefolder: ImagefolderMode | 'none';
  report: boolean;
}

/**
 * Publishes a finished set of outputs: the staged synthetic images replace `synthetic/` together with the
 * new manifest, then `manifest.schema.json`, `manifest.csv`, `imagefolder/`, `summary.json` and
 * `report.html` (whose failure only warns) are written.
 *
 * The report's data (every grid's thumbnails decoded, the manifest parsed again) and each class's
 * verdict (the report's, or without a report the same rules on their own) are worked out before
 * summary.json is written, and `finish` is called between the two: figures the summary takes last — a
 * run's peak memory — then include that work, and the report shows the summary as written. Returns the
 * verdicts, for the console's last lines (null where they could not be worked out).
 */
export async function publish<S extends object>(
  out: string,
  entries: readonly ManifestEntry[],
  summary: S,
  options: { output: PublishSettings; input: string; reportConfig: unknown; emit: EventSink; finish?: (summary: S) => S },
): Promise<Verdicts | null> {
  const l = outLayout(out);
  const imagefolder = options.output.imagefolder === 'none' ? null : options.output.imagefolder;
  // Each row's file_name (its image inside out) is known before the manifest is swapped in.
  const layout = imagefolder ? layoutFor(entries, out, options.input) : null;
  const named = withFileNames([...entries], imagefolder, options.input, out, layout);
  // imagefolder/ holds the files the new manifest's file_names name: staged, then swapped in with it.
  const copied = imagefolder ? await stageImagefolder(out, layout!, imagefolder) : 0;
  const jsonl = toJsonl(named);
  await commitOutputs(out, jsonl, { afterSwap: testKillPoint('after-swap') });
  testKillPoint('after-manifest')?.();
  await writeManifestTexts(out, named, { jsonl: false, csv: options.output.csv });
  if (copied > 0) options.emit({ type: 'info', message: `imagefolder: ${copied} files copied, not hard-linked (the input is on another filesystem)` });
  // A failure to draw the report must not fail the run.
  const reportFailed = (err: Error): null => {
    options.emit({ type: 'warn', message: `report.html not written: ${err.message}` });
    return null;
  };
  // The report takes the manifest as written from here: read back and parsed again, it was a second copy (~30 MB at 18,000 rows).
  const report = options.output.report ? await loadReportData(out, { config: options.reportConfig, summary: asWritten(summary), manifest: { text: jsonl, entries: named } }).catch(reportFailed) : null;
  // Where they cannot be worked out here, the console works them out itself afterwards (and says why not).
  const verdicts = report ? { verdicts: report.verdicts, staleEvaluation: report.evaluationStale ?? null } : await loadVerdicts(out, asWritten(summary)).catch(() => null);
  const final = options.finish ? options.finish(summary) : summary;
  await writeJson(l.summary, final);
  if (report) await writeFileAtomic(l.report, renderReport({ ...report, summary: asWritten(final) })).catch(reportFailed);
  return verdicts;
}

/** The summary as summary.json will hold it (what the report drew from when it read the file). */
const asWritten = (summary: object): SummaryLike => JSON.parse(JSON.stringify(summary)) as SummaryLike;

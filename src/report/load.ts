/**
 * Reading what a run left in its out folder into one {@link ReportData}: summary.json, manifest.jsonl,
 * train/**\/metrics.jsonl, rejected/rejected.jsonl (under `filter.keepRejected`), evaluate.json, and a
 * sample of the images, decoded and inlined as PNG data URIs. Whatever is missing is left out and
 * noted; the report renders what exists.
 */
import { softDelivery } from './soft-labels.js';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import fg from 'fast-glob';
import PQueue from 'p-queue';
import sharp from 'sharp';
import { duplicateLines } from '../dataset/duplicates.js';
import { decodeImage } from '../dataset/decode.js';
import type { EvaluationResult } from '../evaluate/types.js';
import { parseManifest, type ManifestEntry } from '../manifest/build.js';
import { locateImages } from '../manifest/locate.js';
import { OUT_GLOBS, outLayout } from '../out/layout.js';
import { sha256 } from '../util/hash.js';
import { shellQuote } from '../util/shell.js';
import { safeSegment } from '../util/safe-name.js';
import { classVerdicts, evaluateCommand, type PixelFigures } from './figures.js';
import { zoomFor } from './html.js';
import { planTranslations } from './translations.js';
import type { ClassVerdict } from './verdict.js';
import type { ClassView, ReportData, SummaryLike, Thumb, TrainingLine } from './types.js';

/** Images per class and kind (real, kept, rejected) shown in the report. */
export const THUMBS_PER_GRID = 16;

/** A line of withheld/withheld.jsonl (stages/write.ts `writeWithheld`). */
interface WithheldLine {
  path: string;
  label: string;
  rank: number;
  seed: number;
  score: number;
  reason: string;
}

interface RejectedLine {
  path: string;
  label: string;
  seed: number;
  score: number;
  reason: string;
  detail: string;
}

async function readJson<T>(file: string): Promise<T | null> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as T;
  } catch {
    return null;
  }
}

/**
 * The folder's evaluate.json where it measured the manifest the folder holds now (`manifestText`); else, as
 * `stale`, the result of an earlier manifest: a run rewrites manifest.jsonl and leaves evaluate.json, whose
 * figures beside another manifest's images would read as theirs. A result records its manifest's sha256
 * (since 2026-12-07); an older one counts as stale when manifest.jsonl is newer than it.
 */
async function currentEvaluation(out: string, manifestText: string | null): Promise<{ evaluation: EvaluationResult | null; stale: EvaluationResult | null }> {
  const l = outLayout(out);
  const evaluation = await readJson<EvaluationResult>(l.evaluate);
  if (!evaluation || manifestText === null) return { evaluation, stale: null };
  let stale: boolean;
  if (typeof evaluation.manifestSha256 === 'string') stale = evaluation.manifestSha256 !== sha256(manifestText);
  else {
    try {
      stale = (await stat(l.evaluate)).mtimeMs < (await stat(l.manifest)).mtimeMs;
    } catch {
      stale = false;
    }
  }
  return stale ? { evaluation: null, stale: evaluation } : { evaluation, stale: null };
}

/**
 * The console's line where the folder's evaluate.json measured an earlier manifest (`stale`, its figures left
 * out of the verdicts), with the command that measures this one on the test folder it used.
 */
function staleEvaluationLine(out: string, stale: EvaluationResult): string {
  return `evaluate.json measured an earlier manifest of this folder, so the verdicts leave its figures out; measure this one with \`gan-augment evaluate --manifest ${shellQuote(outLayout(out).manifest)} --test ${shellQuote(stale.test)}\``;
}

async function readJsonl<T>(file: string): Promise<T[] | null> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return null;
  }
  const out: T[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line) as T);
    } catch {
      // A line cut short by an interrupted run: skip it.
    }
  }
  return out;
}

/** `k` items spread evenly over `xs` (first and last included). */
export function spread<T>(xs: readonly T[], k: number): T[] {
  if (xs.length <= k) return [...xs];
  return Array.from({ length: k }, (_, i) => xs[Math.round((i * (xs.length - 1)) / (k - 1))]!);
}

type Decode = NonNullable<SummaryLike['decode']>;

/** Decodes images to `size`×`size` the way ingest did (null for one that failed). */
async function decodeAll(files: string[], decode: Decode): Promise<(Uint8Array | null)[]> {
  const queue = new PQueue({ concurrency: 4 });
  const settings = { size: decode.size, channels: decode.channels, fit: decode.fit ?? 'cover', kernel: decode.kernel ?? 'lanczos3', background: decode.background ?? '#000000', cache: false } as const;
  return Promise.all(files.map((f) => queue.add(async () => decodeImage(f, settings).catch(() => null))));
}

/** A raw image as a PNG data URI, upscaled `zoom`× by nearest neighbour. */
async function pngUri(px: Uint8Array, width: number, height: number, channels: 1 | 3, zoom: number): Promise<string> {
  let img = sharp(Buffer.from(px.buffer, px.byteOffset, px.byteLength), { raw: { width, height, channels } });
  if (zoom > 1) img = img.resize(width * zoom, height * zoom, { kernel: 'nearest' });
  if (channels === 1) img = img.toColourspace('b-w');
  return `data:image/png;base64,${(await img.png().toBuffer()).toString('base64')}`;
}

/** RMS difference of two images on a 0–1 scale. */
export function rmsDistance(a: Uint8Array, b: Uint8Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i]! - b[i]!;
    s += d * d;
  }
  return Math.sqrt(s / a.length) / 255;
}

/** Index and distance of the nearest of `pool` to `q` (skipping index `skip`). */
export function nearest(q: Uint8Array, pool: readonly Uint8Array[], skip = -1): { index: number; distance: number } {
  let best = { index: -1, distance: Infinity };
  pool.forEach((p, i) => {
    if (i === skip) return;
    const d = rmsDistance(q, p);
    if (d < best.distance) best = { index: i, distance: d };
  });
  return best;
}

const median = (xs: number[]): number | null => {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/** Kept images shown beside their nearest real image. */
export const PAIRS = 4;
/** Real images of a class searched for the nearest one (a seeded spread over more). */
const NEAREST_POOL = 1000;
/** Training sample strips shown per class, spread over the run. */
const STRIPS = 6;

/** Kept images whose nearest real image is measured for the novelty figure (a spread over more). */
const NOVELTY_SAMPLE = 64;

/** A synthetic image the report measures: a manifest entry, or a line of withheld.jsonl. */
type JudgedImage = Pick<ManifestEntry, 'path' | 'score' | 'seed'> & { file_name?: string };

interface Novelty {
  /** Median over the sampled kept images of (distance to the nearest real image of the class) ÷ {@link Novelty.realNearest}. */
  ratio: number | null;
  /** Median distance of a real image of the class to its nearest other real one. */
  realNearest: number | null;
  kept: { entry: JudgedImage; px: Uint8Array; realPx: Uint8Array; realPath: string; distance: number }[];
  /** Median neighbouring correlation (4× average-pooled) of the sampled kept images, and of the real images (see {@link smoothness}). */
  smoothness: { kept: number; real: number } | null;
}

/**
 * Correlation between neighbouring cells of the image average-pooled `pool`× (horizontal and vertical
 * pairs, all channels): near 1 for images with shapes and regions, near 0 for noise whatever its contrast.
 * 0 for a flat image.
 *
 * Measured on the generator's coarsest grid (`pool` = 4: both generators start from a (size/4)² map and
 * upsample twice), because upsampling manufactures correlation between neighbouring *pixels*: noise from
 * the nearest-neighbour `upsample` generator has 0.61 at full size against 0.86 for real coats, but 0.17
 * against 0.60 once pooled 4×, while trained samples keep the real images' figure (0.64–0.66).
 */
export function smoothness(px: Uint8Array, size: number, channels: number, pool = 4): number {
  if (pool > 1 && size % pool === 0 && size / pool >= 2) return smoothness(averagePool(px, size, channels, pool), size / pool, channels, 1);
  const row = size * channels;
  let n = 0;
  let sa = 0;
  let sb = 0;
  let saa = 0;
  let sbb = 0;
  let sab = 0;
  const add = (a: number, b: number) => {
    n++;
    sa += a;
    sb += b;
    saa += a * a;
    sbb += b * b;
    sab += a * b;
  };
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < row; x++) {
      const i = y * row + x;
      if (x + channels < row) add(px[i]!, px[i + channels]!);
      if (y + 1 < size) add(px[i]!, px[i + row]!);
    }
  }
  if (n === 0) return 0;
  const cov = sab / n - (sa / n) * (sb / n);
  const va = saa / n - (sa / n) ** 2;
  const vb = sbb / n - (sb / n) ** 2;
  return va > 0 && vb > 0 ? cov / Math.sqrt(va * vb) : 0;
}

/** Mean of each `f`×`f` block, per channel: a (size/f)² image. */
function averagePool(px: Uint8Array, size: number, channels: number, f: number): Uint8Array {
  const s = size / f;
  const outPx = new Uint8Array(s * s * channels);
  for (let y = 0; y < s; y++) {
    for (let x = 0; x < s; x++) {
      for (let c = 0; c < channels; c++) {
        let t = 0;
        for (let j = 0; j < f; j++) for (let i = 0; i < f; i++) t += px[((y * f + j) * size + x * f + i) * channels + c]!;
        outPx[(y * s + x) * channels + c] = Math.round(t / (f * f));
      }
    }
  }
  return outPx;
}

/**
 * How far a class's kept images lie from its real ones, on the scale of how far its real images lie from
 * each other (pixel RMS on 0–1). About 1: as new as another real image would be; well above 1: farther from
 * every real image than real images are from each other (noise, blobs); near 0: copies.
 */
export async function measureNovelty(out: string, kept: readonly JudgedImage[], real: ManifestEntry[], decode: Decode): Promise<Novelty> {
  const pool = spread(real, NEAREST_POOL);
  const poolPx = await decodeAll(await locateImages(out, pool), decode);
  const ok = poolPx.map((p, i) => ({ p, e: pool[i]! })).filter((x): x is { p: Uint8Array; e: ManifestEntry } => x.p !== null);
  const px = ok.map((x) => x.p);
  const realNearest = px.length >= 2 ? median(px.slice(0, 200).map((p, i) => nearest(p, px, i).distance)) : null;
  const chosen = spread(kept, NOVELTY_SAMPLE);
  const keptPx = await decodeAll(await locateImages(out, chosen), decode);
  const found: Novelty['kept'] = [];
  keptPx.forEach((p, i) => {
    if (!p || px.length === 0) return;
    const nn = nearest(p, px);
    found.push({ entry: chosen[i]!, px: p, realPx: px[nn.index]!, realPath: ok[nn.index]!.e.path, distance: nn.distance });
  });
  const med = median(found.map((x) => x.distance));
  const smooth = (p: Uint8Array) => smoothness(p, decode.size, decode.channels);
  const realSmooth = median(px.map(smooth));
  const keptSmooth = median(found.map((x) => smooth(x.px)));
  return {
    ratio: med !== null && realNearest !== null && realNearest > 0 ? med / realNearest : null,
    realNearest,
    kept: found,
    smoothness: keptSmooth !== null && realSmooth !== null ? { kept: keptSmooth, real: realSmooth } : null,
  };
}

/** The training sample strips of a class (train/samples/<class>/step-N.png, any job), spread over time. */
async function sampleStrips(out: string, label: string, zoom: number): Promise<{ step: number; uri: string }[]> {
  const files = (await fg(OUT_GLOBS.samples(fg.escapePath(safeSegment(label))), { cwd: out })).map((f) => ({ f, step: OUT_GLOBS.sampleStep(f) }));
  const chosen = spread(files.filter((x) => Number.isFinite(x.step)).sort((a, b) => a.step - b.step), STRIPS);
  const strips: { step: number; uri: string }[] = [];
  for (const { f, step } of chosen) {
    try {
      const { data, info } = await sharp(path.join(out, f)).raw().toBuffer({ resolveWithObject: true });
      const channels = info.channels >= 3 ? 3 : 1;
      const px = channels === info.channels ? new Uint8Array(data) : await sharp(path.join(out, f)).removeAlpha().toColourspace(channels === 1 ? 'b-w' : 'srgb').raw().toBuffer().then((b) => new Uint8Array(b));
      strips.push({ step, uri: await pngUri(px, info.width, info.height, channels, zoom) });
    } catch {
      // An unreadable strip is left out.
    }
  }
  return strips;
}

/** A held-out folder beside `input` with the same layout: `<input>-test`, `<input>_test`, or `test/` beside `train/`. */
async function findHeldOut(input: string | undefined): Promise<string | null> {
  if (!input) return null;
  const abs = path.resolve(input);
  const candidates = [`${abs}-test`, `${abs}_test`, ...(path.basename(abs) === 'train' ? [path.join(path.dirname(abs), 'test')] : [])];
  for (const c of candidates) if ((await stat(c).catch(() => null))?.isDirectory()) return c;
  return null;
}

/**
 * Finds the resolved config of the folder's last run: state.json's, which every run writes — a rerun that
 * only re-filtered with changed settings included, where the saved generator still carries the config that
 * trained it — else the saved generator's (a folder from before state.json kept a config).
 */
async function findConfig(out: string): Promise<Record<string, unknown> | null> {
  const state = await readJson<{ config?: Record<string, unknown> }>(outLayout(out).state);
  if (state?.config) return state.config;
  for (const f of (await fg(OUT_GLOBS.generatorModels, { cwd: out })).sort()) {
    const m = await readJson<{ meta?: { config?: Record<string, unknown> } }>(path.join(out, f));
    if (m?.meta?.config) return m.meta.config;
  }
  return null;
}

/** Every training job's metrics lines (train/**\/metrics.jsonl), by job. */
export async function readTraining(out: string): Promise<ReportData['training']> {
  const trainFiles = (await fg(OUT_GLOBS.metrics, { cwd: out })).sort();
  const training: ReportData['training'] = [];
  for (const f of trainFiles) {
    const lines = (await readJsonl<TrainingLine>(path.join(out, f))) ?? [];
    const byJob = new Map<string, TrainingLine[]>();
    for (const l of lines) {
      const job = typeof l.job === 'string' ? l.job : path.dirname(f).split('/').slice(1).join('/') || 'shared';
      byJob.set(job, [...(byJob.get(job) ?? []), l]);
    }
    for (const [job, records] of byJob) training.push({ job, records });
  }
  return training;
}

/** Each scarce class's verdict, and where evaluate.json measured an earlier manifest (left out of them), the line that says so. */
export interface Verdicts {
  verdicts: ClassVerdict[];
  staleEvaluation: string | null;
}

/**
 * The synthetic images a class is judged on — its verdict's novelty and structure, the report's nearest-real
 * pairs: its kept images, best discriminator score first, or where the guard delivered none, the ones it
 * withheld, by their rank. `kept` and `withheld` are the class's whole lists, for the grids.
 */
export function judgedImages(
  label: string,
  entries: readonly ManifestEntry[],
  withheld: readonly WithheldLine[],
): { judged: 'kept' | 'withheld'; images: readonly JudgedImage[]; kept: ManifestEntry[]; withheld: WithheldLine[] } {
  const kept = entries.filter((e) => e.label === label && e.source === 'synthetic').sort((a, b) => (b.score ?? -Infinity) - (a.score ?? -Infinity));
  const held = withheld.filter((w) => w.label === label).sort((a, b) => a.rank - b.rank);
  const judged = kept.length === 0 && held.length > 0 ? 'withheld' : 'kept';
  return { judged, images: judged === 'withheld' ? held : kept, kept, withheld: held };
}

/**
 * The verdict on each scarce class of the run in `out` — the same as report.html shows — from its
 * summary (given, or summary.json), train/**\/metrics.jsonl and evaluate.json; and, where evaluate.json measured an
 * earlier manifest (left out of the verdicts), the line that says so. One read of each file.
 */
export async function loadVerdicts(out: string, summary?: SummaryLike): Promise<Verdicts> {
  const s = summary ?? (await readJson<SummaryLike>(outLayout(out).summary));
  const pixels: Record<string, PixelFigures> = {};
  let entries: ManifestEntry[] = [];
  let text: string | null = null;
  try {
    text = await readFile(outLayout(out).manifest, 'utf8');
    entries = parseManifest(text);
  } catch {
    // No manifest: no novelty figure.
  }
  const decode = s?.decode ?? (await sniffDecode(out, entries));
  if (decode) {
    const withheld = (await readJsonl<WithheldLine>(outLayout(out).withheldList)) ?? [];
    for (const c of s?.synthesis ?? []) {
      const real = entries.filter((e) => e.label === c.label && e.source === 'real');
      const n = await measureNovelty(out, judgedImages(c.label, entries, withheld).images, real, decode);
      pixels[c.label] = { novelty: n.ratio, structure: n.smoothness };
    }
  }
  const { evaluation, stale } = await currentEvaluation(out, text);
  return { verdicts: classVerdicts(s, await readTraining(out), evaluation, pixels), staleEvaluation: stale ? staleEvaluationLine(out, stale) : null };
}

/**
 * Loads everything the report shows from `out`.
 * @param options.config the resolved config (else read from the saved generator, if any)
 * @param options.thumbs images per grid
 * @param options.manifest the manifest as just written (its text and rows), instead of reading manifest.jsonl
 */
export async function loadReportData(out: string, options: { config?: unknown; thumbs?: number; summary?: SummaryLike; manifest?: { text: string; entries: readonly ManifestEntry[] } } = {}): Promise<ReportData> {
  const notes: string[] = [];
  const k = options.thumbs ?? THUMBS_PER_GRID;
  const l = outLayout(out);
  const summary = options.summary ?? (await readJson<SummaryLike>(l.summary)) ?? null;
  if (!summary) notes.push('summary.json is missing or unreadable: counts, durations and quality figures are not shown.');
  // The input's copies and label conflicts, as the run's console said them (a reader of the report may not have seen it).
  if (summary?.duplicates) for (const line of duplicateLines(summary.duplicates, 5)) notes.push(`Input: ${line.text}.`);
  // `publish` hands over the manifest it has just written; otherwise it is read from the folder.
  let entries: readonly ManifestEntry[] = options.manifest?.entries ?? [];
  let manifestText: string | null = options.manifest?.text ?? null;
  if (!options.manifest) {
    try {
      manifestText = await readFile(l.manifest, 'utf8');
      entries = parseManifest(manifestText);
    } catch (err) {
      notes.push(`manifest.jsonl could not be read (${(err as Error).message.split('\n')[0]}): no image grids.`);
    }
  }
  const rejected = await readJsonl<RejectedLine>(l.rejectedList);
  const withheld = (await readJsonl<WithheldLine>(l.withheldList)) ?? [];
  const config = (options.config as Record<string, unknown> | undefined) ?? (await findConfig(out));

  const training = await readTraining(out);

  const { evaluation, stale } = await currentEvaluation(out, manifestText);

  // Which classes get a section: those with synthetic images or a synthesis record.
  const synthesis = summary?.synthesis ?? [];
  const scarce = [...new Set([...synthesis.map((s) => s.label), ...entries.filter((e) => e.source === 'synthetic').map((e) => e.label)])];
  const decode = summary?.decode ?? (await sniffDecode(out, entries));
  const zoom = decode ? zoomFor(decode.size) : 1;
  const classes: ClassView[] = [];
  let failed = 0;
  for (const label of scarce) {
    const real = entries.filter((e) => e.label === label && e.source === 'real');
    const { judged, images: judgedOn, kept, withheld: held } = judgedImages(label, entries, withheld);
    const rej = (rejected ?? []).filter((r) => r.label === label);
    // Rejected ones: round-robin over reasons so every reason is seen.
    const byReason = new Map<string, RejectedLine[]>();
    for (const r of rej) byReason.set(r.reason, [...(byReason.get(r.reason) ?? []), r]);
    const mixed: RejectedLine[] = [];
    const lists = [...byReason.values()].map((l) => l.sort((a, b) => b.score - a.score));
    for (let i = 0; mixed.length < Math.min(k, rej.length); i++) for (const l of lists) if (l[i] && mixed.length < k) mixed.push(l[i]!);
    const view: ClassView = {
      label,
      synthesis: synthesis.find((s) => s.label === label) ?? null,
      real: [],
      kept: [],
      rejected: [],
      withheld: [],
      judged: 'kept',
      counts: { real: real.length, kept: kept.length, rejected: rejected === null ? null : rej.length, withheld: held.length },
      rejectedByReason: Object.fromEntries([...byReason].map(([r, l]) => [r, l.length])),
      scores: { kept: kept.map((e) => e.score).filter((s): s is number => typeof s === 'number'), rejected: rej.map((r) => r.score) },
      pairs: [],
      realNearest: null,
      novelty: null,
      structure: null,
      strips: await sampleStrips(out, label, zoom),
    };
    classes.push(view);
    if (!decode) continue;
    const { size, channels } = decode;
    const show = async (files: string[], titles: string[]): Promise<Thumb[]> => {
      const px = await decodeAll(files, decode);
      const thumbs: Thumb[] = [];
      for (const [i, p] of px.entries()) {
        if (p) thumbs.push({ uri: await pngUri(p, size, size, channels, zoom), title: titles[i]! });
        else failed++;
      }
      return thumbs;
    };
    const realShown = spread(real, k);
    const keptShown = spread(kept, k);
    view.real = await show(await locateImages(out, realShown), realShown.map((e) => e.path));
    view.kept = await show(await locateImages(out, keptShown), keptShown.map((e) => `D logit ${fmt(e.score)} · seed ${e.seed}`));
    view.rejected = await show(mixed.map((r) => path.resolve(out, r.path)), mixed.map((r) => `${r.reason}: ${r.detail} · D logit ${fmt(r.score)}`));
    const heldShown = spread(held, k);
    view.withheld = await show(heldShown.map((w) => path.resolve(out, w.path)), heldShown.map((w) => `withheld by the guard · D logit ${fmt(w.score)} · seed ${w.seed}`));
    // A few kept images beside their nearest real image, and the novelty figure behind the verdict — of the
    // images the guard withheld where it delivered none.
    view.judged = judged;
    const nov = await measureNovelty(out, judgedOn, real, decode);
    view.realNearest = nov.realNearest;
    view.novelty = nov.ratio;
    view.structure = nov.smoothness;
    for (const x of spread(nov.kept, PAIRS)) {
      view.pairs.push({
        kept: { uri: await pngUri(x.px, size, size, channels, zoom), title: `${view.judged}, D logit ${fmt(x.entry.score)} · seed ${x.entry.seed}` },
        real: { uri: await pngUri(x.realPx, size, size, channels, zoom), title: x.realPath },
        distance: x.distance,
      });
    }
  }
  // gan.mode: translate — source → translated pairs per class (thumbnails decoded here like the grids').
  const translated = planTranslations(out, entries);
  if (decode && translated.wanted.length > 0) {
    const px = await decodeAll(translated.wanted.map((w) => w.file), decode);
    for (const [i, p] of px.entries()) {
      if (p) translated.wanted[i]!.thumb.uri = await pngUri(p, decode.size, decode.size, decode.channels, zoom);
      else failed++;
    }
  }
  const heldOut = await findHeldOut(summary?.input);
  if (failed > 0) notes.push(`${failed} image${failed === 1 ? '' : 's'} could not be read for the grids (moved or deleted since the run?).`);
  if (rejected === null && classes.length > 0) notes.push('Rejected candidates were not kept (filter.keepRejected: false): the grids show kept images only; the histograms show every candidate.');
  return {
    out: path.resolve(out),
    summary,
    config,
    classes,
    training,
    evaluation,
    ...(stale ? { evaluationStale: staleEvaluationLine(out, stale) } : {}),
    notes,
    size: decode?.size ?? null,
    verdicts: classVerdicts(summary, training, evaluation, Object.fromEntries(classes.map((c) => [c.label, { novelty: c.novelty, structure: c.structure }]))),
    heldOut,
    // Where no held-out folder sits beside the input, an earlier evaluation's test folder is the one to use again.
    evaluateCommand: evaluateCommand(path.resolve(out), heldOut ?? stale?.test ?? null, process.cwd()),
    ...(translated.views.length ? { translations: translated.views } : {}),
    softLabels: softDelivery(entries),
  };
}

/** Decode settings when summary.json lacks them: the size and channels of a synthetic PNG. */
async function sniffDecode(out: string, entries: readonly ManifestEntry[]): Promise<SummaryLike['decode'] | null> {
  const syn = entries.find((e) => e.source === 'synthetic');
  if (!syn) return null;
  try {
    const m = await sharp(path.resolve(out, syn.path)).metadata();
    return { size: m.width!, channels: m.channels === 1 ? 1 : 3 };
  } catch {
    return null;
  }
}

const fmt = (x: number | null | undefined, d = 3) => (typeof x === 'number' && Number.isFinite(x) ? x.toFixed(d) : '–');

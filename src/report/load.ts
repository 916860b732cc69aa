/**
 * Reading what a run left in its out folder into one {@link ReportData}: summary.json, manifest.jsonl,
 * train/**\/metrics.jsonl, rejected/rejected.jsonl (under `filter.keepRejected`), evaluate.json, and a
 * sample of the images, decoded and inlined as PNG data URIs. Whatever is missing is left out and
 * noted; the report renders what exists.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import fg from 'fast-glob';
import PQueue from 'p-queue';
import sharp from 'sharp';
import { decodeImage } from '../dataset/decode.js';
import type { EvaluationResult } from '../evaluate/types.js';
import { parseManifest, type ManifestEntry } from '../manifest/build.js';
import { planTranslations } from './translations.js';
import type { ClassView, ReportData, SummaryLike, Thumb, TrainingLine } from './types.js';

/** Images per class and kind (real, kept, rejected) shown in the report. */
export const THUMBS_PER_GRID = 16;

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

/** Decodes images to `size`×`size` the way ingest did and returns them as PNG data URIs ('' for one that failed). */
async function thumbnails(files: string[], decode: NonNullable<SummaryLike['decode']>): Promise<string[]> {
  const queue = new PQueue({ concurrency: 4 });
  const settings = { size: decode.size, channels: decode.channels, fit: decode.fit ?? 'cover', kernel: decode.kernel ?? 'lanczos3', background: decode.background ?? '#000000', cache: false } as const;
  return Promise.all(
    files.map((f) =>
      queue.add(async () => {
        try {
          const px = await decodeImage(f, settings);
          const img = sharp(Buffer.from(px.buffer, px.byteOffset, px.byteLength), { raw: { width: decode.size, height: decode.size, channels: decode.channels } });
          if (decode.channels === 1) img.toColourspace('b-w');
          return `data:image/png;base64,${(await img.png().toBuffer()).toString('base64')}`;
        } catch {
          return '';
        }
      }),
    ),
  );
}

/** Finds the resolved config: given, or from the saved generator's model.json. */
async function findConfig(out: string): Promise<Record<string, unknown> | null> {
  for (const f of (await fg('model/**/generator/model.json', { cwd: out })).sort()) {
    const m = await readJson<{ meta?: { config?: Record<string, unknown> } }>(path.join(out, f));
    if (m?.meta?.config) return m.meta.config;
  }
  return null;
}

/**
 * Loads everything the report shows from `out`.
 * @param options.config the resolved config (else read from the saved generator, if any)
 * @param options.thumbs images per grid
 */
export async function loadReportData(out: string, options: { config?: unknown; thumbs?: number } = {}): Promise<ReportData> {
  const notes: string[] = [];
  const k = options.thumbs ?? THUMBS_PER_GRID;
  const summary = (await readJson<SummaryLike>(path.join(out, 'summary.json'))) ?? null;
  if (!summary) notes.push('summary.json is missing or unreadable: counts, durations and quality figures are not shown.');
  let entries: ManifestEntry[] = [];
  try {
    entries = parseManifest(await readFile(path.join(out, 'manifest.jsonl'), 'utf8'));
  } catch (err) {
    notes.push(`manifest.jsonl could not be read (${(err as Error).message.split('\n')[0]}): no image grids.`);
  }
  const rejected = await readJsonl<RejectedLine>(path.join(out, 'rejected', 'rejected.jsonl'));
  const config = (options.config as Record<string, unknown> | undefined) ?? (await findConfig(out));

  const trainFiles = (await fg('train/**/metrics.jsonl', { cwd: out })).sort();
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

  const evaluation = await readJson<EvaluationResult>(path.join(out, 'evaluate.json'));

  // Which classes get a section: those with synthetic images or a synthesis record.
  const synthesis = summary?.synthesis ?? [];
  const scarce = [...new Set([...synthesis.map((s) => s.label), ...entries.filter((e) => e.source === 'synthetic').map((e) => e.label)])];
  const decode = summary?.decode ?? (await sniffDecode(out, entries));
  const classes: ClassView[] = [];
  const wanted: { file: string; thumb: Thumb }[] = [];
  for (const label of scarce) {
    const real = entries.filter((e) => e.label === label && e.source === 'real');
    const kept = entries.filter((e) => e.label === label && e.source === 'synthetic').sort((a, b) => (b.score ?? -Infinity) - (a.score ?? -Infinity));
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
      real: spread(real, k).map((e) => ({ uri: '', title: e.path })),
      kept: spread(kept, k).map((e) => ({ uri: '', title: `D logit ${fmt(e.score)} · seed ${e.seed}` })),
      rejected: mixed.map((r) => ({ uri: '', title: `${r.reason}: ${r.detail} · D logit ${fmt(r.score)}` })),
      counts: { real: real.length, kept: kept.length, rejected: rejected === null ? null : rej.length },
      rejectedByReason: Object.fromEntries([...byReason].map(([r, l]) => [r, l.length])),
      scores: { kept: kept.map((e) => e.score).filter((s): s is number => typeof s === 'number'), rejected: rej.map((r) => r.score) },
    };
    spread(real, k).forEach((e, i) => wanted.push({ file: path.resolve(out, e.path), thumb: view.real[i]! }));
    spread(kept, k).forEach((e, i) => wanted.push({ file: path.resolve(out, e.path), thumb: view.kept[i]! }));
    mixed.forEach((r, i) => wanted.push({ file: path.resolve(out, r.path), thumb: view.rejected[i]! }));
    classes.push(view);
  }
  const translated = planTranslations(out, entries);
  wanted.push(...translated.wanted);
  if (decode) {
    const uris = await thumbnails(wanted.map((w) => w.file), decode);
    wanted.forEach((w, i) => (w.thumb.uri = uris[i]!));
    const failed = uris.filter((u) => u === '').length;
    if (failed > 0) notes.push(`${failed} image${failed === 1 ? '' : 's'} could not be read for the grids (moved or deleted since the run?).`);
  }
  if (rejected === null && classes.length > 0) notes.push('Rejected candidates were not kept (filter.keepRejected: false): the grids and histograms show the kept images only.');
  for (const c of classes) {
    c.real = c.real.filter((t) => t.uri);
    c.kept = c.kept.filter((t) => t.uri);
    c.rejected = c.rejected.filter((t) => t.uri);
  }
  return { out: path.resolve(out), summary, config, classes, training, evaluation, notes, size: decode?.size ?? null, ...(translated.views.length ? { translations: translated.views } : {}) };
}

/** Decode settings when summary.json lacks them: the size and channels of a synthetic PNG. */
async function sniffDecode(out: string, entries: ManifestEntry[]): Promise<SummaryLike['decode'] | null> {
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

/**
 * The report's section for `gan.mode: translate`: per scarce class, a strip of source → translated
 * pairs (the kept translations, best to worst by the discriminator, spread over the list) beside a strip
 * of the class's real images — what to look at to judge whether a translation carried a plentiful
 * class's pose and shape over into the scarce class, or only copied its source.
 */
import path from 'node:path';
import type { ManifestEntry } from '../manifest/build.js';
import { esc } from './svg.js';
import type { Thumb } from './types.js';

export interface TranslationView {
  label: string;
  /** Source and translated image, pairwise. */
  pairs: { source: Thumb; translated: Thumb }[];
  real: Thumb[];
  /** Translated images of the class in the manifest, by source class. */
  bySource: Record<string, number>;
}

/** Pairs shown per class. */
export const PAIRS_PER_CLASS = 12;

/** `k` items spread evenly over `xs` (first and last included). */
function spread<T>(xs: readonly T[], k: number): T[] {
  if (xs.length <= k) return [...xs];
  return Array.from({ length: k }, (_, i) => xs[Math.round((i * (xs.length - 1)) / (k - 1))]!);
}

/**
 * The translated classes of a manifest, and the image files their strips need (thumbnails are filled
 * in by the caller, which decodes every file the report shows in one go).
 */
export function planTranslations(out: string, entries: readonly ManifestEntry[], k = PAIRS_PER_CLASS): { views: TranslationView[]; wanted: { file: string; thumb: Thumb }[] } {
  const views: TranslationView[] = [];
  const wanted: { file: string; thumb: Thumb }[] = [];
  const labels = [...new Set(entries.filter((e) => e.translatedFrom).map((e) => e.label))];
  for (const label of labels) {
    const made = entries.filter((e) => e.label === label && e.translatedFrom).sort((a, b) => (b.score ?? -Infinity) - (a.score ?? -Infinity));
    const bySource: Record<string, number> = {};
    for (const e of made) bySource[e.translatedFrom!.label] = (bySource[e.translatedFrom!.label] ?? 0) + 1;
    const view: TranslationView = { label, pairs: [], real: [], bySource };
    for (const e of spread(made, k)) {
      const pair = {
        source: { uri: '', title: `${e.translatedFrom!.label}: ${e.translatedFrom!.path}` },
        translated: { uri: '', title: `${e.path} · D logit ${e.score === null ? '–' : e.score.toFixed(3)}` },
      };
      view.pairs.push(pair);
      wanted.push({ file: path.resolve(out, e.translatedFrom!.path), thumb: pair.source }, { file: path.resolve(out, e.path), thumb: pair.translated });
    }
    for (const e of spread(entries.filter((x) => x.label === label && x.source === 'real'), k)) {
      const thumb = { uri: '', title: e.path };
      view.real.push(thumb);
      wanted.push({ file: path.resolve(out, e.path), thumb });
    }
    views.push(view);
  }
  return { views, wanted };
}

const img = (t: Thumb, tw: number) => (t.uri ? `<img src="${t.uri}" alt="${esc(t.title)}" title="${esc(t.title)}" width="${tw}" height="${tw}">` : '');

/** The section's HTML; empty when nothing was translated. */
export function translationsSection(views: readonly TranslationView[], tw: number): string {
  if (views.length === 0) return '';
  const strip = (cells: string[]) => `<div style="display:flex;flex-wrap:wrap;gap:6px;align-items:center">${cells.join('')}</div>`;
  const body = views
    .map((v) => {
      const pairs = v.pairs.map((p) => `<span style="display:inline-flex;flex-direction:column;gap:1px;border:1px solid #ccc;padding:1px">${img(p.source, tw)}${img(p.translated, tw)}</span>`);
      const sources = Object.entries(v.bySource)
        .map(([l, n]) => `${esc(l)} ${n}`)
        .join(', ');
      return `<section class="cls"><h3>${esc(v.label)}</h3>
<p class="sub">Source (top) → translated into ${esc(v.label)} (bottom), kept images from best to worst by the discriminator. Kept translations by source class: ${sources}.</p>
${strip(pairs)}
<p class="sub">Real ${esc(v.label)} images:</p>
${strip(v.real.map((t) => img(t, tw)))}</section>`;
    })
    .join('');
  return `<section id="translations"><h2>Translations (gan.mode: translate)</h2>${body}</section>`;
}

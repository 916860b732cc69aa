/**
 * Small inline-SVG charts for the report: line charts, horizontal stacked bars and histograms with a
 * cut line. Pure string builders (no DOM, no scripts); every text goes through {@link esc}.
 */
import { maxOf, minOf } from '../util/array.js';

/** Escapes text for HTML and SVG, in element content and in quoted attributes. */
export function esc(s: unknown): string {
  return String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** A colour-blind-safe palette (Okabe–Ito). */
export const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#F0E442', '#000000'];

const num = (x: number) => (Number.isInteger(x) ? String(x) : x.toFixed(2));

/** "Nice" tick values covering [lo, hi] (about `count` of them). */
export function ticks(lo: number, hi: number, count = 5): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [];
  if (hi === lo) return [lo];
  const raw = (hi - lo) / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return out;
}

/** Short label of a tick value. */
export function fmtTick(v: number): string {
  const a = Math.abs(v);
  if (a === 0) return '0';
  if (a >= 1e4 || a < 1e-3) return v.toExponential(0);
  return String(Number(v.toPrecision(3)));
}

export interface Series {
  name: string;
  points: [number, number][];
  color?: string;
  /** Dashed line. */
  dashed?: boolean;
}

interface Frame {
  width: number;
  height: number;
  left: number;
  right: number;
  top: number;
  bottom: number;
}

const FRAME: Frame = { width: 360, height: 200, left: 44, right: 16, top: 22, bottom: 30 };

function axes(f: Frame, xs: number[], ys: number[], sx: (x: number) => number, sy: (y: number) => number, xLabel: string): string {
  const parts: string[] = [];
  const x0 = f.left;
  const x1 = f.width - f.right;
  const y0 = f.height - f.bottom;
  const y1 = f.top;
  for (const y of ys) {
    const py = sy(y);
    parts.push(`<line x1="${x0}" x2="${x1}" y1="${py}" y2="${py}" class="grid"/><text x="${x0 - 4}" y="${py + 3}" text-anchor="end">${esc(fmtTick(y))}</text>`);
  }
  for (const x of xs) {
    const px = sx(x);
    parts.push(`<line x1="${px}" x2="${px}" y1="${y0}" y2="${y0 + 3}" class="axis"/><text x="${px}" y="${y0 + 13}" text-anchor="middle">${esc(fmtTick(x))}</text>`);
  }
  parts.push(`<line x1="${x0}" x2="${x1}" y1="${y0}" y2="${y0}" class="axis"/><line x1="${x0}" x2="${x0}" y1="${y0}" y2="${y1}" class="axis"/>`);
  if (xLabel) parts.push(`<text x="${(x0 + x1) / 2}" y="${f.height - 3}" text-anchor="middle" class="label">${esc(xLabel)}</text>`);
  return parts.join('');
}

type LegendItem = { name: string; color: string; dashed?: boolean };

/** Legend items in rows that fit between the frame's margins (a long list wraps instead of running off the chart). */
function legendRows(series: LegendItem[], f: Frame): LegendItem[][] {
  const rows: LegendItem[][] = [[]];
  let x = f.left + 4;
  for (const s of series) {
    const w = 26 + 6 * s.name.length;
    if (rows.at(-1)!.length > 0 && x + w - 8 > f.width - f.right) {
      rows.push([]);
      x = f.left + 4;
    }
    rows.at(-1)!.push(s);
    x += w;
  }
  return rows;
}

/** The legend's rows (from {@link legendRows}), the first at height `y0`. */
function legend(rows: LegendItem[][], f: Frame, y0 = 11): string {
  return rows
    .map((row, r) => {
      const y = y0 + 14 * r;
      let x = f.left + 4;
      return row
        .map((s) => {
          const item = `<line x1="${x}" x2="${x + 14}" y1="${y}" y2="${y}" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="4 3"' : ''}/><text x="${x + 18}" y="${y + 3}">${esc(s.name)}</text>`;
          x += 26 + 6 * s.name.length;
          return item;
        })
        .join('');
    })
    .join('');
}

/**
 * A line chart of one or more series over a shared x axis. Non-finite points are skipped (a gap).
 * @returns an `<svg>` element, or a short note when no series has a finite point
 */
export function lineChart(opts: { title: string; series: Series[]; xLabel?: string; yMin?: number; yMax?: number; hline?: number }): string {
  // Past the palette's eight colours a series is dashed, so no two series look alike. The title is drawn
  // above the legend (its rows as many as it needs); the plot moves down by what they take.
  const colored = opts.series.map((s, i) => ({ ...s, color: s.color ?? PALETTE[i % PALETTE.length]!, dashed: s.dashed ?? i >= PALETTE.length }));
  const rows = legendRows(colored, FRAME);
  const above = 14 * rows.length;
  const f: Frame = { ...FRAME, top: FRAME.top + above, height: FRAME.height + above };
  const all = opts.series.flatMap((s) => s.points).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  if (all.length === 0) return `<p class="note">${esc(opts.title)}: no data</p>`;
  let [xlo, xhi] = [minOf(all.map((p) => p[0])), maxOf(all.map((p) => p[0]))];
  let ylo = opts.yMin ?? minOf([...all.map((p) => p[1]), ...(opts.hline !== undefined ? [opts.hline] : [])]);
  let yhi = opts.yMax ?? maxOf([...all.map((p) => p[1]), ...(opts.hline !== undefined ? [opts.hline] : [])]);
  if (xhi === xlo) [xlo, xhi] = [xlo - 1, xhi + 1];
  if (yhi === ylo) [ylo, yhi] = [ylo - 1, yhi + 1];
  const pad = (yhi - ylo) * 0.05;
  if (opts.yMin === undefined) ylo -= pad;
  if (opts.yMax === undefined) yhi += pad;
  const sx = (x: number) => +(f.left + ((x - xlo) / (xhi - xlo)) * (f.width - f.left - f.right)).toFixed(1);
  const sy = (y: number) => +(f.height - f.bottom - ((y - ylo) / (yhi - ylo)) * (f.height - f.top - f.bottom)).toFixed(1);
  const paths = colored.map((s) => {
    let d = '';
    let pen = false;
    for (const [x, y] of s.points) {
      if (!Number.isFinite(x) || !Number.isFinite(y)) {
        pen = false;
        continue;
      }
      d += `${pen ? 'L' : 'M'}${sx(x)} ${sy(y)}`;
      pen = true;
    }
    const single = s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y)).length === 1;
    return single
      ? `<circle cx="${sx(s.points.find(([x, y]) => Number.isFinite(x) && Number.isFinite(y))![0])}" cy="${sy(s.points.find(([x, y]) => Number.isFinite(x) && Number.isFinite(y))![1])}" r="2.5" fill="${s.color}"/>`
      : `<path d="${d}" fill="none" stroke="${s.color}" stroke-width="1.5"${s.dashed ? ' stroke-dasharray="4 3"' : ''}/>`;
  });
  const h = opts.hline !== undefined ? `<line x1="${f.left}" x2="${f.width - f.right}" y1="${sy(opts.hline)}" y2="${sy(opts.hline)}" class="ref"/>` : '';
  // A title longer than the chart is wide is squeezed to fit (≈ 6.3 px a character at its size) rather than cut.
  const room = f.width - 12;
  const fit = 6.3 * opts.title.length > room ? ` textLength="${room}" lengthAdjust="spacingAndGlyphs"` : '';
  const title = `<text x="6" y="13" class="title"${fit}>${esc(opts.title)}</text>`;
  return svg(f, opts.title, title + axes(f, ticks(xlo, xhi, 4), ticks(ylo, yhi, 4), sx, sy, opts.xLabel ?? '') + h + paths.join('') + legend(rows, f, 25));
}

function svg(f: Frame, title: string, body: string): string {
  return `<svg class="chart" viewBox="0 0 ${f.width} ${f.height}" width="${f.width}" height="${f.height}" role="img" aria-label="${esc(title)}"><title>${esc(title)}</title>${body}</svg>`;
}

export interface BarRow {
  label: string;
  /** Stacked segments, left to right. */
  values: number[];
  /** A marker (e.g. the target count). */
  marker?: number;
}

/** Horizontal stacked bars, one row per label, with an optional marker per row. */
export function stackedBars(opts: { title: string; segments: string[]; rows: BarRow[]; colors?: string[]; markerName?: string }): string {
  const rowH = 18;
  const labelW = Math.min(160, 12 + 6.5 * Math.max(4, maxOf(opts.rows.map((r) => r.label.length))));
  const f: Frame = { width: 560, height: 34 + rowH * opts.rows.length + 22, left: labelW, right: 50, top: 26, bottom: 22 };
  const max = Math.max(1, maxOf(opts.rows.map((r) => Math.max(r.values.reduce((s, v) => s + v, 0), r.marker ?? 0))));
  const sx = (v: number) => +(f.left + (v / max) * (f.width - f.left - f.right)).toFixed(1);
  const colors = opts.colors ?? PALETTE;
  const parts: string[] = [];
  opts.rows.forEach((r, i) => {
    const y = f.top + i * rowH;
    let acc = 0;
    parts.push(`<text x="${f.left - 6}" y="${y + 12}" text-anchor="end">${esc(r.label)}</text>`);
    r.values.forEach((v, k) => {
      if (v <= 0) return;
      parts.push(`<rect x="${sx(acc)}" y="${y + 2}" width="${Math.max(0.5, sx(acc + v) - sx(acc))}" height="${rowH - 5}" fill="${colors[k % colors.length]}"><title>${esc(`${r.label}: ${opts.segments[k]} ${v}`)}</title></rect>`);
      acc += v;
    });
    parts.push(`<text x="${sx(acc) + 4}" y="${y + 12}" class="small">${esc(num(acc))}</text>`);
    if (r.marker !== undefined) parts.push(`<line x1="${sx(r.marker)}" x2="${sx(r.marker)}" y1="${y}" y2="${y + rowH - 1}" class="marker"/>`);
  });
  const y0 = f.top + rowH * opts.rows.length + 2;
  for (const t of ticks(0, max, 5)) parts.push(`<text x="${sx(t)}" y="${y0 + 12}" text-anchor="middle" class="small">${esc(fmtTick(t))}</text>`);
  const leg = [...opts.segments.map((name, k) => ({ name, color: colors[k % colors.length]! }))];
  let x = f.left;
  const legendParts = leg.map((l) => {
    const s = `<rect x="${x}" y="6" width="10" height="10" fill="${l.color}"/><text x="${x + 14}" y="15">${esc(l.name)}</text>`;
    x += 24 + 6.5 * l.name.length;
    return s;
  });
  if (opts.markerName) legendParts.push(`<line x1="${x}" x2="${x}" y1="5" y2="17" class="marker"/><text x="${x + 5}" y="15">${esc(opts.markerName)}</text>`);
  return svg(f, opts.title, legendParts.join('') + parts.join(''));
}

/**
 * Overlaid histograms of groups of values on shared bins, with an optional vertical cut line.
 * @returns an `<svg>`, or a note when there are no values
 */
export function histogram(opts: { title: string; groups: { name: string; values: number[]; color?: string }[]; cut?: number | null; cutName?: string; bins?: number; xLabel?: string }): string {
  const all = opts.groups.flatMap((g) => g.values).filter(Number.isFinite);
  if (all.length === 0) return `<p class="note">${esc(opts.title)}: no scores</p>`;
  let lo = minOf([...all, ...(opts.cut != null ? [opts.cut] : [])]);
  let hi = maxOf([...all, ...(opts.cut != null ? [opts.cut] : [])]);
  if (hi === lo) [lo, hi] = [lo - 0.5, hi + 0.5];
  const nb = opts.bins ?? Math.max(5, Math.min(30, Math.ceil(Math.sqrt(all.length) * 1.5)));
  const w = (hi - lo) / nb;
  const counts = opts.groups.map((g) => {
    const c = new Array<number>(nb).fill(0);
    for (const v of g.values) if (Number.isFinite(v)) c[Math.min(nb - 1, Math.floor((v - lo) / w))]!++;
    return c;
  });
  return binnedHistogram({ ...opts, lo, width: w, groups: opts.groups.map((g, i) => ({ name: g.name, counts: counts[i]!, ...(g.color ? { color: g.color } : {}) })) });
}

/**
 * Stacked histogram of counts already binned (bins of `width` from `lo`), with an optional vertical cut line.
 * @returns an `<svg>`, or a note when every count is 0
 */
export function binnedHistogram(opts: { title: string; lo: number; width: number; groups: { name: string; counts: number[]; color?: string }[]; cut?: number | null; cutName?: string; xLabel?: string }): string {
  const nb = Math.max(0, maxOf(opts.groups.map((g) => g.counts.length)));
  const total = opts.groups.reduce((s, g) => s + g.counts.reduce((a, b) => a + b, 0), 0);
  if (nb === 0 || total === 0 || !(opts.width > 0)) return `<p class="note">${esc(opts.title)}: no scores</p>`;
  const w = opts.width;
  const lo = Math.min(opts.lo, opts.cut ?? Infinity);
  const hi = Math.max(opts.lo + nb * w, opts.cut ?? -Infinity);
  const b0 = opts.lo;
  const counts = opts.groups.map((g) => g.counts);
  // Stacked: each bin's groups on top of each other.
  const tops = new Array<number>(nb).fill(0);
  counts.forEach((c) => c.forEach((v, b) => (tops[b]! += v)));
  const ymax = Math.max(1, maxOf(tops));
  const f = FRAME;
  const sx = (x: number) => +(f.left + ((x - lo) / (hi - lo)) * (f.width - f.left - f.right)).toFixed(1);
  const sy = (y: number) => +(f.height - f.bottom - (y / ymax) * (f.height - f.top - f.bottom)).toFixed(1);
  const colored = opts.groups.map((g, i) => ({ ...g, color: g.color ?? PALETTE[i % PALETTE.length]! }));
  const base = new Array<number>(nb).fill(0);
  const rects: string[] = [];
  counts.forEach((c, gi) =>
    c.forEach((v, b) => {
      if (v === 0) return;
      const x = sx(b0 + b * w);
      const x2 = sx(b0 + (b + 1) * w);
      rects.push(
        `<rect x="${x}" y="${sy(base[b]! + v)}" width="${Math.max(0.5, x2 - x - 0.5)}" height="${+(sy(base[b]!) - sy(base[b]! + v)).toFixed(1)}" fill="${colored[gi]!.color}"><title>${esc(`${colored[gi]!.name}: ${v} in [${fmtTick(b0 + b * w)}, ${fmtTick(b0 + (b + 1) * w)})`)}</title></rect>`,
      );
      base[b]! += v;
    }),
  );
  const cutLine =
    opts.cut != null && Number.isFinite(opts.cut)
      ? `<line x1="${sx(opts.cut)}" x2="${sx(opts.cut)}" y1="${f.top}" y2="${f.height - f.bottom}" class="cut"/><text x="${sx(opts.cut) + 3}" y="${f.top + 9}" class="small cut-label">${esc(opts.cutName ?? 'cut')} ${esc(fmtTick(opts.cut))}</text>`
      : '';
  const leg = legend(legendRows(colored.map((g) => ({ name: `${g.name} (${g.counts.reduce((a, b) => a + b, 0)})`, color: g.color })), f), f);
  return svg(f, opts.title, axes(f, ticks(lo, hi, 4), ticks(0, ymax, 4).filter((t) => Number.isInteger(t)), sx, sy, opts.xLabel ?? '') + rects.join('') + cutLine + leg);
}

/**
 * The report page: one self-contained HTML document (inline CSS, inline SVG charts, images as data
 * URIs, no script, nothing fetched), readable offline and printable. Pure: data in, string out.
 */
import { stringify } from 'yaml';
import { asWrittenLines, columnClasses, confusionLines, fewest, hasSynthetic, insteadLine, perClassLines, qualityLines, vsOversampleLines } from '../evaluate/format.js';
import { ARMS, type EvaluationResult } from '../evaluate/types.js';
import { describeLimits, GATE_KEYS, gateHasLimits, splitByGuard } from '../filter/quality-gate.js';
import { RANKING_CUTS } from '../filter/steps.js';
import { fallbackInstead, fellBackClasses, keptByShard } from '../guard/decide.js';
import { capitalised } from '../util/text.js';
import { shellQuote } from '../util/shell.js';
import { binnedHistogram, esc, histogram, lineChart, PALETTE, stackedBars } from './svg.js';
import { translationsSection } from './translations.js';
import type { SoftDelivery } from './soft-labels.js';
import type { ClassView, ReportData, SummaryLike, Thumb, TrainingLine } from './types.js';
import { CLASSES_IN_FULL } from '../config/defaults.js';
import { VERDICT_LIMITS, type ClassVerdict, type Verdict } from './verdict.js';

const f = (x: number | null | undefined, d = 3): string => (typeof x === 'number' && Number.isFinite(x) ? x.toFixed(d) : '–');
const pct = (x: number | null | undefined, d = 1): string => (typeof x === 'number' && Number.isFinite(x) ? `${(100 * x).toFixed(d)}` : '–');
const secs = (s: number | null | undefined): string => {
  if (typeof s !== 'number' || !Number.isFinite(s)) return '–';
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m} min ${Math.round(s - 60 * m)} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
};

/** Displayed images are scaled by an integer factor (nearest neighbour: crisp pixels) to about this many px. */
export const TILE_PX = 84;

/** The integer zoom that brings `size` px near {@link TILE_PX} (at least 1). */
export function zoomFor(size: number): number {
  return Math.max(1, Math.round(TILE_PX / size));
}

const CSS = `
:root{--fg:#1b1f24;--muted:#59636e;--line:#d1d9e0;--bg:#fff;--soft:#f6f8fa;--bad:#b42318;--good:#067647}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--fg);background:var(--bg);margin:0}
main{max-width:1180px;margin:0 auto;padding:20px 24px 60px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:32px 0 10px;padding-bottom:4px;border-bottom:1px solid var(--line)}
h3{font-size:15px;margin:22px 0 8px}
.sub{color:var(--muted);margin:0 0 12px}
nav a{margin-right:14px;color:#0969da;text-decoration:none}
table{border-collapse:collapse;margin:6px 0 10px;font-variant-numeric:tabular-nums}
th,td{border-bottom:1px solid var(--line);padding:3px 10px;text-align:right;white-space:nowrap}
th:first-child,td:first-child{text-align:left}
th{background:var(--soft);font-weight:600}
td.l,th.l{text-align:left;white-space:normal}
.ok{color:var(--good)}.bad{color:var(--bad);font-weight:600}.warn{color:#93370d;font-weight:600}.wide{overflow-x:auto;max-width:100%}
.cards{display:flex;flex-wrap:wrap;gap:10px;margin:10px 0}
.card{border:1px solid var(--line);border-radius:6px;padding:8px 12px;min-width:150px;background:var(--soft)}
.card b{display:block;font-size:20px}
.card span{color:var(--muted);font-size:12px}
.row{display:flex;flex-wrap:wrap;gap:18px;align-items:flex-start}
.grid{display:flex;flex-wrap:wrap;gap:2px;max-width:var(--gw);background:var(--soft);padding:2px;border:1px solid var(--line)}
.grid img{display:block;image-rendering:pixelated;width:var(--tw);height:var(--tw)}
figure{margin:0}
figcaption{color:var(--muted);font-size:12px;margin:3px 0 0;max-width:var(--gw)}
svg.chart{font:10px system-ui,sans-serif;fill:var(--fg);background:#fff;border:1px solid var(--line);border-radius:4px;max-width:100%;height:auto}
svg .grid{stroke:#eaeef2;stroke-width:1}svg .axis{stroke:#8c959f;stroke-width:1}
svg .label{fill:var(--muted)}svg .small{font-size:9px;fill:var(--muted)}svg .title{font-weight:600;font-size:11px}
svg .cut{stroke:var(--bad);stroke-width:1.5;stroke-dasharray:5 3}svg .cut-label{fill:var(--bad)}
svg .marker{stroke:#1b1f24;stroke-width:2}svg .ref{stroke:#8c959f;stroke-dasharray:2 3}
.note{color:var(--muted);font-style:italic}
.notes li{color:var(--muted)}
details.class-verdict{margin:4px 0}details.class-verdict summary{cursor:pointer;padding:4px 0}
details pre{background:var(--soft);border:1px solid var(--line);padding:10px;overflow:auto;font-size:12px;max-height:480px}
.verdict{padding:8px 12px;border-radius:6px;border:1px solid var(--line);margin:10px 0}
.verdict.good{background:#ecfdf3;border-color:#abefc6}.verdict.bad{background:#fef3f2;border-color:#fecdca}.verdict.neutral{background:var(--soft)}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;font-weight:600;font-size:12px;text-transform:uppercase;letter-spacing:.03em}
.badge.good{background:#dcfae6;color:#067647}.badge.doubtful{background:#fef0c7;color:#93370d}.badge.poor{background:#fee4e2;color:#b42318}.badge.none{background:var(--soft);color:var(--muted)}
.pairs{display:flex;flex-wrap:wrap;gap:12px}.pair{display:flex;gap:2px;align-items:flex-start}.pair img,.strip img{image-rendering:pixelated;display:block}
.strip{margin:2px 0;display:flex;align-items:center;gap:8px}.strip span{color:var(--muted);font-size:12px;width:80px;text-align:right}
pre.cmd{background:var(--soft);border:1px solid var(--line);padding:8px 10px;overflow:auto}
@media print{nav{display:none}h2{break-after:avoid}section{break-inside:avoid-page}}
`;

/**
 * A table whose first `leftCols` columns, and the `textCols`, are left-aligned text that wraps; the rest are
 * right-aligned figures on one line. A sentence in a figure column would stretch the table past the page.
 */
function table(head: string[] | null, rows: (string | number)[][], leftCols = 1, textCols: readonly number[] = []): string {
  const cls = (i: number) => (i < leftCols || textCols.includes(i) ? ' class="l"' : '');
  const thead = head ? `<thead><tr>${head.map((h, i) => `<th${cls(i)}>${h}</th>`).join('')}</tr></thead>` : '';
  // In a box that scrolls sideways: a table wider than the page (evaluate's, with many scarce classes) keeps
  // its last columns reachable instead of cut off.
  return `<div class="wide"><table>${thead}<tbody>${rows
    .map((r) => `<tr>${r.map((c, i) => `<td${cls(i)}>${c}</td>`).join('')}</tr>`)
    .join('')}</tbody></table></div>`;
}

function grid(thumbs: Thumb[], caption: string, tw: number): string {
  const cols = 4;
  const gw = cols * (tw + 2) + 6;
  const body = thumbs.length
    ? thumbs.map((t) => `<img src="${t.uri}" alt="${esc(t.title)}" title="${esc(t.title)}" width="${tw}" height="${tw}">`).join('')
    : `<p class="note" style="margin:6px">none</p>`;
  return `<figure style="--tw:${tw}px;--gw:${gw}px"><div class="grid">${body}</div><figcaption>${caption}</figcaption></figure>`;
}

function header(d: ReportData): string {
  const s = d.summary;
  const classes = s?.classes ?? [];
  const before = classes.reduce((a, c) => a + c.before, 0);
  const syn = classes.reduce((a, c) => a + c.synthetic, 0);
  const scarce = classes.filter((c) => c.synthetic > 0 || c.deficit > 0).length;
  // What the delivered set lacks (the balance table's "short" column), not the filters' shortfall
  // (quality.shortfall), which the fill tops up with real images under filter.shortfall: oversample.
  const shortfall = classes.length > 0 ? classes.reduce((a, c) => a + Math.max(0, c.target - c.after), 0) : (s?.quality?.shortfall ?? 0);
  // A class the guard fell back on delivers none of its synthetic images: its failed figures fail nothing.
  const { delivered: failed, withheld: failedWithheld } = splitByGuard(s?.quality?.gate?.failed ?? [], s?.guard);
  const cards = [
    [String(before), 'real images'],
    [String(syn), syn === 0 && scarce > 0 ? `synthetic images delivered to the ${scarce} scarce class${scarce === 1 ? '' : 'es'}: what fills ${scarce === 1 ? 'it' : 'them'} is under Balance` : `synthetic images delivered, for ${scarce} scarce class${scarce === 1 ? '' : 'es'}`],
    [String(shortfall), 'short of the targets'],
    [secs(s?.durations?.['total']), 'total run time'],
  ];
  // With nothing synthetic delivered, evaluate compared oversampling with itself: its +0.0 is no finding.
  if (d.evaluation) cards.push(syn > 0 ? [`${d.evaluation.gain >= 0 ? '+' : ''}${d.evaluation.gain.toFixed(1)} pt`, `scarce-class recall vs ${d.evaluation.best}`] : ['–', 'evaluate: no synthetic image delivered to judge']);
  const g = s?.quality?.gate;
  const failedList = (xs: typeof failed) => xs.map((x) => `<b>${esc(x.label)}</b> (${esc(x.reasons.join('; '))})`).join(', ');
  const withheldNote = failedWithheld.length > 0 ? ` ${failed.length > 0 ? 'Also failed' : 'Failed'}, but withheld by the guard (their synthetic images are in withheld/, not in the manifest, so they fail nothing delivered): ${failedList(failedWithheld)}.` : '';
  const gate = g
    ? failed.length > 0
      ? `<div class="verdict bad">Quality gate failed: ${failedList(failed)}.${withheldNote}</div>`
      : failedWithheld.length > 0
        ? `<div class="verdict neutral">Quality gate: no delivered class fails it (${esc(describeLimits(g))}).${withheldNote}</div>`
        : !gateHasLimits(g)
          ? `<div class="verdict neutral">Quality gate: no limits set (${GATE_KEYS}), so it checked nothing. Judge the classes by the verdicts below.</div>`
          : `<div class="verdict neutral">Quality gate: every class within ${esc(describeLimits(g))}.</div>`
    : '';
  return `<h1>gan-augment report</h1>
<p class="sub">${esc(d.out)}${s?.createdAt ? ` · ${esc(s.createdAt)}` : ''}${s?.version ? ` · gan-augment ${esc(s.version)}` : ''}${s?.configHash ? ` · config ${esc(s.configHash)}` : ''}${s?.backend?.name ? ` · backend ${esc(s.backend.name)}` : ''}</p>
<nav><a href="#verdict">Verdict</a><a href="#balance">Balance</a><a href="#quality">Quality</a><a href="#classes">Classes</a><a href="#training">Training</a><a href="#evaluate">Does it help?</a><a href="#facts">Run facts</a></nav>
<div class="cards">${cards.map(([v, l]) => `<div class="card"><b>${esc(v)}</b><span>${esc(l)}</span></div>`).join('')}</div>${verdictSummary(d.verdicts)}${togetherVerdict(d, syn)}${deliveredTogether(s, d.out)}${gate}`;
}

/**
 * evaluate's verdict on the delivered set, beside the per-class line: a class can read good on its own
 * figures (its recall gained) while its images take recall from another class, which only the set's
 * verdict and the per-class lines of "Does it help?" show.
 */
function togetherVerdict(d: ReportData, synthetic: number): string {
  const v = d.evaluation?.verdict;
  if (!v || synthetic === 0) return '';
  const good = d.verdicts.filter((x) => x.verdict === 'good' && !x.withheld);
  if (v.helps) return `<div class="verdict good">evaluate, the delivered synthetic images together: they help — ${esc(v.reason)}. <a href="#evaluate">Does it help?</a></div>`;
  const caveat = good.length ? ` A class that reads good above (${good.map((x) => `<b>${esc(x.label)}</b>`).join(', ')}) gained on its own figures; the set did not, and may have cost another class: see each class's line there.` : '';
  return `<div class="verdict bad">evaluate, the delivered synthetic images together: they do not help — ${esc(v.reason)}.${caveat} <a href="#evaluate">Does it help?</a></div>`;
}

/**
 * Under `guard: warn`, which delivers every class's synthetic images, whether the guard found the scarce classes
 * together gain with them on held-out images — said at the top where they do not (under `fallback` the delivered
 * set gained, or nothing synthetic was delivered). A merged summary where two or more shards deliver synthetic
 * images has no such finding: no guard tested them side by side, which is said instead, with the command that does.
 */
function deliveredTogether(s: SummaryLike | null, out: string): string {
  let rounds = s?.guard?.rounds ?? [];
  if (s?.merged?.shards && s.guard) {
    // Merged: each shard's guard judged its own classes; where two or more shards deliver some, no guard
    // tested the delivered set, and where one does, its own sets are the ones to read.
    const from = keptByShard(s.merged.shards, s.guard.perClass ?? []);
    if (from.length >= 2) {
      return `<div class="verdict bad">Merged from ${s.merged.shards.length} shards, whose guards each judged only their own classes: no guard tested the delivered synthetic images of ${esc(from.map((f) => `${f.kept.join(', ')} (shard ${f.index})`).join('; '))} side by side, so whether the scarce classes together gain with them is not known. <code>gan-augment run &lt;the shards' config&gt; --out ${esc(shellQuote(out))}</code> tests them together, as the unsharded run does (taking the trained models from the shards' checkpoints where merge found them). <a href="#guard">The guard</a></div>`;
    }
    rounds = rounds.filter((r) => r.shard === from[0]?.index);
  }
  // Under warn the first set is what it delivers; any after it, what fallback would deliver instead.
  const whole = rounds[0];
  if (s?.guard?.mode !== 'warn' || !whole || whole.helps !== false) return '';
  const instead = rounds.slice(1).find((r) => r.helps);
  const fallback = instead ? ` ${esc(capitalised(fallbackInstead(instead.classes ?? [])))}: ${esc(instead.reason ?? '')}.` : '';
  return `<div class="verdict bad">The guard (warn) delivered the synthetic images of ${esc((whole.classes ?? []).join(', '))}, and with them the scarce classes together gained nothing on held-out images: ${esc(whole.reason ?? '')}.${fallback} <a href="#guard">The guard</a></div>`;
}

/** A check without a verdict: its figure is missing, or too thin to vouch for the class (its why says which). */
const badge = (v: Verdict | null) => `<span class="badge ${v ?? 'none'}">${v ?? 'no verdict'}</span>`;

/** The one-glance line under the header: which classes' synthetic images to use, and which not. */
function verdictSummary(vs: ClassVerdict[]): string {
  if (vs.length === 0) return '';
  const names = (xs: ClassVerdict[]) => xs.map((x) => `<b>${esc(x.label)}</b>`);
  const by = (v: Verdict) => vs.filter((x) => x.verdict === v);
  // Poor classes the guard already left out need no action: the manifest holds none of their synthetic images.
  const poor = names(by('poor').filter((x) => !x.withheld && !x.noneKept));
  const withheld = names(by('poor').filter((x) => x.withheld && !x.noneKept));
  // Nothing kept: no synthetic images to use or leave out.
  const noneKept = names(vs.filter((x) => x.noneKept));
  const doubtful = names(by('doubtful'));
  const good = names(by('good'));
  const parts = [
    poor.length ? `Do not use the synthetic images of ${poor.join(', ')} (poor).` : '',
    withheld.length
      ? `The guard left out the synthetic images of ${withheld.join(', ')} (poor): the manifest fills ${withheld.length === 1 ? 'that class with its' : 'those classes with their'} real images listed again, as random oversampling would.`
      : '',
    noneKept.length
      ? `The filters kept none of the candidates of ${noneKept.join(', ')}: the manifest fills ${noneKept.length === 1 ? 'that class with its' : 'those classes with their'} real images listed again.`
      : '',
    doubtful.length ? `Check ${doubtful.join(', ')} before using them (doubtful).` : '',
    good.length ? `${good.join(', ')}: good.` : '',
  ].filter(Boolean);
  const cls = poor.length ? 'bad' : withheld.length || noneKept.length || doubtful.length ? 'neutral' : 'good';
  return `<div class="verdict ${cls}">${parts.join(' ')} <a href="#verdict">Why</a></div>`;
}

/** The verdict per scarce class, with every figure behind it and its scale. */
function verdicts(d: ReportData): string {
  if (d.verdicts.length === 0) return `<section id="verdict"><h2>Verdict per class</h2><p class="note">No class got synthetic images.</p></section>`;
  const checks = (v: ClassVerdict) =>
    `<p>${esc(v.advice)}</p>${table(
      ['check', 'figure', 'verdict', 'why'],
      v.checks.map((k) => [esc(k.name), esc(k.figure), badge(k.verdict), esc(k.why)]),
      2,
      [3],
    )}`;
  // Many classes: one line each (name and verdict), their checks a click away, so the page stays a list.
  const many = d.verdicts.length > CLASSES_IN_FULL;
  const blocks = d.verdicts.map((v) =>
    many ? `<details class="class-verdict"><summary><b>${esc(v.label)}</b> ${badge(v.verdict)}${v.noneKept ? ' none kept' : v.withheld ? ' not delivered' : ''}</summary>${checks(v)}</details>` : `<h3>${esc(v.label)} ${badge(v.verdict)}</h3>${checks(v)}`,
  );
  const counts = many ? `<p>${d.verdicts.length} classes: ${(['good', 'doubtful', 'poor'] as const).map((x) => `${d.verdicts.filter((v) => v.verdict === x).length} ${x}`).join(', ')}; open a class for its figures.</p>` : '';
  return `<section id="verdict"><h2>Verdict per class</h2>${counts}<p class="sub">Each figure is read against a scale: FID and KID against the class's floor (its real training images against held-out real ones, in the same features: what the class's own real images score; FID reads lower the more images it is measured on, so a kept set larger than the class's real images can read below its floor), the kept images' spread against the real images' (mean pairwise distance in the same features, ≈ 1 is healthy; the generator's sample diversity in training where the spread was not recorded), how far kept images lie from their nearest real image and how much structure they have (each against the real images' own: noise is far from every real image and has no correlation between neighbouring pixels), and the share of candidates the filters rejected; once evaluate has run, FID and the coverage of its test folder (as many kept images against as many real ones) replace the run's own FID and KID, and its real-data classifier says how often it recognises the kept images as their class, against the class's test images. <b>good</b> needs every one of them measured and close, FID, KID, coverage and the label check from at least ${VERDICT_LIMITS.minHeldOut} held-out or test images (from fewer they read better than they are, so they cannot vouch for a class); one poor figure makes the class poor. A quality gate with no limits counts for nothing.</p>${blocks.join('')}</section>`;
}

function guard(s: SummaryLike | null): string {
  const gd = s?.guard;
  if (!gd?.perClass?.length) return '';
  const show = (x: unknown) => (typeof x === 'number' ? f(x, 3) : x === undefined || x === null ? '–' : esc(typeof x === 'object' ? JSON.stringify(x) : String(x)));
  const how = [gd.mode ? esc(gd.mode) : '', gd.seeds?.length && gd.steps ? `${gd.seeds.length} classifier seeds of ${gd.steps} steps each` : '', typeof gd.classifiers === 'number' ? `${gd.classifiers} classifiers trained${gd.threads && gd.threads.count > 1 ? `, ${gd.threads.count} at a time` : ''}` : '', gd.screen === 'together' ? 'the scarce classes judged side by side, not each alone (guard.screen: together)' : ''].filter(Boolean).join('; ');
  return `<h3 id="guard">Do-no-harm guard${how ? ` (${how})` : ''}</h3>${table(
    ['class', 'decision', 'held-out recall with synthetic', 'without', 'reason'],
    gd.perClass.map((c) => [
      esc(c.label),
      c.decision === 'fallback' ? '<span class="bad">fallback: synthetic not used</span>' : c.helps === false ? '<span class="warn">kept, though no gain (warn)</span>' : '<span class="ok">kept</span>',
      show(c.withSynthetic),
      show(c.without),
      esc(c.reason ?? ''),
    ]),
    1,
    [4],
  )}${together(gd.rounds ?? [], gd.mode)}`;
}

/**
 * The guard's sets tested side by side, each judged on the scarce classes together (under warn: first what it
 * delivers, then what fallback would); in a merged summary, shard by shard, each among its own classes.
 */
function together(rounds: readonly { classes?: string[]; helps?: boolean; reason?: string; shard?: number }[], mode: string | undefined): string {
  if (rounds.length === 0) return '';
  const item = (r: (typeof rounds)[number]) => `<li>with the synthetic images of ${esc((r.classes ?? []).join(', '))}: ${r.helps ? '<span class="ok">a gain</span>' : '<span class="bad">no gain</span>'} — ${esc(r.reason ?? '')}</li>`;
  const lead = (rs: typeof rounds) =>
    mode === 'warn' && rs.length > 1
      ? 'first with every class as delivered (guard: warn), then the sets guard: fallback would test to choose what to deliver instead:'
      : 'each set tested side by side as it would be delivered:';
  if (rounds.every((r) => r.shard === undefined)) return `<p>The scarce classes together, ${lead(rounds)}</p><ul>${rounds.map(item).join('')}</ul>`;
  const shards = [...new Set(rounds.map((r) => r.shard))];
  return `<p>The scarce classes together, as each shard's guard tested its own classes (merged: no guard tested one shard's classes beside another's):</p>${shards
    .map((i) => {
      const mine = rounds.filter((r) => r.shard === i);
      return `<p>Shard ${i ?? '?'}: ${lead(mine)}</p><ul>${mine.map(item).join('')}</ul>`;
    })
    .join('')}`;
}

function balance(d: ReportData): string {
  const s = d.summary;
  const classes = s?.classes ?? [];
  if (classes.length === 0) return `<section id="balance"><h2>Class balance</h2><p class="note">No class counts (summary.json missing).</p></section>`;
  const chart = stackedBars({
    title: "Images per class: real, synthetic, then real listed again (the fill's real part under deliver.share, the guard's fallback, or the filters' shortfall); the mark is the target",
    segments: ['real', 'synthetic', 'oversampled'],
    colors: [PALETTE[0]!, PALETTE[1]!, PALETTE[2]!],
    rows: classes.map((c) => ({ label: c.label, values: [c.before, c.synthetic, c.oversampled ?? 0], marker: c.target })),
    markerName: 'target',
  });
  const rows = classes.map((c) => [esc(c.label), c.before, c.target, c.deficit, c.synthetic, c.oversampled ?? 0, c.after, c.after < c.target ? `<span class="bad">${c.target - c.after}</span>` : '0']);
  return `<section id="balance"><h2>Class balance before and after</h2><div class="row">${chart}${table(['class', 'before', 'target', 'deficit', 'synthetic', 'oversampled', 'after', 'short'], rows)}</div>${softNote(d.softLabels ?? [])}</section>`;
}

/** Under soft labels the synthetic count overstates what a training that follows the manifest gets: said per class. */
function softNote(soft: readonly SoftDelivery[]): string {
  if (soft.length === 0) return '';
  const per = soft.map((c) => {
    const to = c.to.length ? `: ${c.to.map(([l, n]) => `${esc(l)} ${n}`).join(', ')}` : '';
    return `<b>${esc(c.label)}</b> ${f(c.weight, 1)} of ${c.images} (${c.elsewhere} mostly another class${to})`;
  });
  return `<div class="verdict neutral">The synthetic images are delivered with soft labels and weights (deliver.labels: soft): a training that follows the manifest's <code>weight</code> and <code>softLabel</code> counts them as less than their number, and learns another class from those its teacher puts mostly elsewhere. Their weight summed against their count: ${per.join('; ')}.</div>`;
}

function quality(d: ReportData): string {
  const syn = d.summary?.synthesis ?? [];
  if (syn.length === 0) return `<section id="quality"><h2>Quality: FID and KID</h2><p class="note">Nothing was generated.</p></section>`;
  const q = d.summary?.quality;
  const hasQ = syn.some((c) => c.quality);
  const fellBack = fellBackClasses(d.summary?.guard);
  const rows = syn.map((c) => {
    const cq = c.quality;
    const limits = q?.gate && gateHasLimits(q.gate);
    const gate = !cq ? '–' : cq.passed === false ? (fellBack.has(c.label) ? 'failed (withheld by the guard: not delivered)' : `<span class="bad">failed</span>`) : limits ? 'within limits' : 'no limits';
    return [
      esc(c.label),
      c.candidates ?? '–',
      c.kept === undefined ? '–' : c.planned === undefined ? c.kept : `${c.kept} of ${c.planned}`,
      c.shortfall ?? '–',
      f(c.cut),
      f(cq?.fid, 2),
      cq?.fidFloor == null ? 'not measured' : f(cq.fidFloor, 2),
      cq?.kid == null ? '–' : `${f(cq.kid, 4)}${cq.kidStd ? ` ± ${f(cq.kidStd, 4)}` : ''}`,
      cq?.kidFloor == null ? 'not measured' : f(cq.kidFloor, 4),
      cq?.spread == null ? '–' : f(cq.spread, 2),
      cq?.samples ? `${cq.samples.real} / ${cq.samples.synthetic}` : '–',
      gate,
      [fellBack.has(c.label) ? 'withheld by the guard: not in the manifest' : '', esc(cq?.note ?? (cq?.reasons ?? []).join('; '))].filter(Boolean).join('; '),
    ];
  });
  const reasons = [...new Set(syn.flatMap((c) => Object.keys(c.rejected ?? {})))].filter((r) => syn.some((c) => (c.rejected?.[r] ?? 0) > 0));
  const rej = reasons.length
    ? `<h3>Candidates not kept, by reason</h3><p class="sub">${reasons.some((r) => RANKING_CUTS.has(r)) ? `Columns marked “ranked” are not failures: of the candidates that pass the filters, a ranking keeps the best the fill needs (generate.oversample makes more on purpose) and leaves the rest — ${reasons.filter((r) => RANKING_CUTS.has(r)).map(esc).join(', ')} here. The other columns are candidates a filter rejected.` : 'Candidates a filter rejected.'}</p>${table(['class', ...reasons.map((r) => (RANKING_CUTS.has(r) ? `${esc(r)} (ranked)` : esc(r)))], syn.map((c) => [esc(c.label), ...reasons.map((r) => c.rejected?.[r] ?? 0)]))}`
    : '';
  const anchored = syn.filter((c) => c.anchored);
  const sampling = anchored.length
    ? `<p class="sub">Sampled around the real images (generate.anchor σ ${f(anchored[0]!.anchored!.sigma, 2)}): each candidate is one of the latents fitted to the class's real training images plus noise, not a draw from the prior — ${anchored.map((c) => `${esc(c.label)} around ${c.anchored!.images} images (fit's pixel MSE ${f(c.anchored!.mse, 3)})`).join('; ')}. Kept images may sit closer to particular real images than prior samples do: read the nearest-real pairs below.</p>`
    : '';
  const ext = q?.extractor;
  const extLine = ext ? `<p class="sub">Features: ${esc(ext.id ?? 'unknown')}${ext.dims ? `, ${ext.dims}-d` : ''}${q?.classifier?.trainAccuracy !== undefined ? `; the feature classifier's accuracy on the real images ${q.classifier.heldOut ? `it trained on (not the ${q.classifier.heldOut} held out, which ${d.summary?.guard ? 'the guard judges on' : 'FID and KID compare kept images with'}) ` : ''}is ${pct(q.classifier.trainAccuracy)}%` : ''}. FID and KID compare each class's kept synthetic images with its real images (lower is closer). The floor is what the class's real images score against held-out real ones: with few images per class FID is far from 0 even for real images, so read it as a multiple of the floor. Spread is the kept images' mean pairwise distance ÷ the real images' (same features): well below 1, the kept set is narrower than the class.</p>` : '';
  return `<section id="quality"><h2>Quality: FID and KID per class</h2>${hasQ ? '' : '<p class="note">This run recorded no FID/KID (older summary.json).</p>'}${extLine}
${table(['class', 'candidates', 'kept', 'short', 'D cut', 'FID', 'FID floor', 'KID', 'KID floor', 'spread ÷ real', 'held-out real / kept', 'gate', 'note'], rows, 1, [12])}${d.evaluation ? `<p class="sub">These are the run's own FID and KID, against the images it held out; the verdicts above use evaluate's, against its test folder (under <a href="#evaluate">Does it help?</a>).</p>` : ''}${sampling}${rej}${guard(d.summary)}</section>`;
}

function classSection(c: ClassView, tw: number, v: ClassVerdict | undefined, collapsed = false): string {
  const cut = c.synthesis?.cut ?? null;
  const reasons = Object.entries(c.rejectedByReason)
    .map(([r, n]) => `${esc(r)} ${n}`)
    .join(', ');
  const rejectedCaption =
    c.counts.rejected === null
      ? 'rejected candidates not kept (set filter.keepRejected: true to see them)'
      : `rejected: ${c.rejected.length} of ${c.counts.rejected} shown${reasons ? ` (${reasons})` : ''}; hover for the reason`;
  const bins = c.synthesis?.scoreBins;
  const title = `${c.label}: discriminator logits of all ${c.synthesis?.candidates ?? ''} candidates, kept and rejected, with the cut`;
  const xLabel = 'D logit (higher = judged more real)';
  const hist = bins
    ? binnedHistogram({ title, lo: bins.lo, width: bins.width, groups: [{ name: c.judged === 'withheld' ? 'withheld' : 'kept', counts: bins.kept, color: PALETTE[2]! }, { name: 'rejected', counts: bins.rejected, color: '#8c959f' }], cut, cutName: 'cut', xLabel })
    : c.counts.rejected === null
      ? '' // only the kept scores are known (an older run without keepRejected): a histogram of them alone says nothing about the cut
      : histogram({ title, groups: [{ name: c.judged === 'withheld' ? 'withheld' : 'kept', values: c.scores.kept, color: PALETTE[2]! }, { name: 'rejected', values: c.scores.rejected, color: '#8c959f' }], cut, cutName: 'cut', xLabel });
  const scale = c.realNearest !== null ? `; for scale, a real ${esc(c.label)} image's nearest other real one is at ${f(c.realNearest)} (median)` : '';
  const pairs = c.pairs.length
    ? `<h4>Nearest real image of a few ${c.judged === 'withheld' ? 'withheld' : 'kept'} ones</h4><p class="sub">Each ${c.judged === 'withheld' ? 'withheld' : 'kept'} image (left) beside the real training image of its class closest to it in pixels (right), with the RMS pixel difference on 0–1${scale}. A much smaller distance is a near-copy of a real image.</p><div class="pairs">${c.pairs
        .map((p) => `<figure class="pair" style="--tw:${tw}px;--gw:${2 * tw + 8}px"><img src="${p.kept.uri}" alt="${esc(p.kept.title)}" title="${esc(p.kept.title)}" width="${tw}" height="${tw}"><img src="${p.real.uri}" alt="${esc(p.real.title)}" title="${esc(p.real.title)}" width="${tw}" height="${tw}"><figcaption>distance ${f(p.distance)}</figcaption></figure>`)
        .join('')}</div>`
    : '';
  const strips = c.strips.length
    ? `<h4>The generator's samples of ${esc(c.label)} during training</h4><p class="sub">The same latent vectors at each step (train/samples/): shapes should sharpen and stay varied.</p>${c.strips
        .map((s) => `<div class="strip"><span>step ${s.step}</span><img src="${s.uri}" alt="${esc(`${c.label} samples at step ${s.step}`)}" height="${tw}"></div>`)
        .join('')}`
    : '';
  const body = `<div class="row">
${grid(c.real, `real: ${c.real.length} of ${c.counts.real}, spread over the class`, tw)}
${grid(c.kept.length === 0 && c.withheld.length > 0 ? c.withheld : c.kept, keptCaption(c), tw)}
${c.counts.rejected === null ? `<p class="note" style="max-width:220px">${rejectedCaption}</p>` : grid(c.rejected, rejectedCaption, tw)}
${hist}</div>${pairs}${strips}`;
  // Many classes: each a click away, so the page stays a list and the sections after it stay in reach.
  if (collapsed) return `<details class="cls class-verdict"><summary><b>${esc(c.label)}</b>${v ? ` ${badge(v.verdict)}` : ''}</summary>${body}</details>`;
  return `<section class="cls"><h3>${esc(c.label)}${v ? ` ${badge(v.verdict)}` : ''}</h3>${body}</section>`;
}

/** The kept grid's caption; where the filters kept images and the manifest lists none, the guard dropped them, and it says so. */
function keptCaption(c: ClassView): string {
  const filtered = c.synthesis?.kept ?? 0;
  if (c.counts.kept === 0 && c.withheld.length > 0) return `kept by the filters, withheld by the guard: ${c.withheld.length} of ${c.counts.withheld}, best → worst D logit — not delivered (the manifest fills the class with its real images listed again; these are in withheld/)`;
  if (c.counts.kept === 0 && filtered > 0) return `kept synthetic: none delivered — the filters kept ${filtered}, and the guard fell back to the class's real images`;
  return `kept synthetic: ${c.kept.length} of ${c.counts.kept}, best → worst D logit`;
}

function classes(d: ReportData): string {
  if (d.classes.length === 0) return `<section id="classes"><h2>Real vs synthetic, per class</h2><p class="note">No class got synthetic images.</p></section>`;
  // An integer zoom of small images (crisp pixels, nearest neighbour).
  const tw = d.size ? d.size * zoomFor(d.size) : 84;
  // ~1,450 px of images a class: at 30 scarce classes 29,000 px before evaluate's section.
  const many = d.classes.length > CLASSES_IN_FULL;
  return `<section id="classes"><h2>Real vs synthetic, per class</h2><p class="sub">Each class that needed images: a sample of its real images, the kept synthetic ones (from best to worst by the discriminator) and rejected candidates; the discriminator logits of every candidate with the cut that separated kept from rejected; a few kept images beside their nearest real image; and the generator's samples over training.${many ? ` ${d.classes.length} classes: open one for its images.` : ''}</p>${d.classes.map((c) => classSection(c, tw, d.verdicts.find((v) => v.label === c.label), many)).join('')}</section>`;
}

const val = (r: TrainingLine, k: keyof TrainingLine): number => {
  const v = r[k];
  return typeof v === 'number' ? v : NaN;
};

/** A series that never changes carries no information: it is named in a sentence instead of drawn. */
function constant(points: [number, number][]): number | null {
  const ys = points.map((p) => p[1]).filter(Number.isFinite);
  return ys.length > 0 && ys.every((y) => y === ys[0]) ? ys[0]! : null;
}

/** FID during training, where a line recorded it (one number, or one per class). */
function fidSeries(records: TrainingLine[]): { name: string; points: [number, number][] }[] {
  const series = new Map<string, [number, number][]>();
  for (const r of records) {
    if (typeof r.fid === 'number') series.set('FID', [...(series.get('FID') ?? []), [r.step, r.fid]]);
    else if (r.fid && typeof r.fid === 'object') for (const [k, v] of Object.entries(r.fid)) if (typeof v === 'number') series.set(k, [...(series.get(k) ?? []), [r.step, v]]);
  }
  return [...series].map(([name, points]) => ({ name, points }));
}

/** Per-class sample diversity during training (÷ the real images'; `rollback` markers are not a class). */
function diversitySeries(records: TrainingLine[]): { name: string; points: [number, number][] }[] {
  const series = new Map<string, [number, number][]>();
  for (const r of records) {
    if (!r.diversity || typeof r.diversity !== 'object') continue;
    for (const [k, v] of Object.entries(r.diversity as Record<string, unknown>)) if (k !== 'rollback' && typeof v === 'number') series.set(k, [...(series.get(k) ?? []), [r.step, v]]);
  }
  return [...series].map(([name, points]) => ({ name, points }));
}

/**
 * The diversity series a reader can use: the scarce classes' (a shared GAN also logs the plentiful ones, which
 * nobody augments), and beyond CLASSES_IN_FULL the ones lowest at the end, the classes that collapse — 30
 * lines in one panel repeated colours and hid each other.
 */
function scarceDiversity(all: { name: string; points: [number, number][] }[], scarce: ReadonlySet<string>): { series: { name: string; points: [number, number][] }[]; note: string } {
  const only = all.filter((x) => scarce.has(x.name));
  const mine = only.length > 0 ? only : all;
  if (mine.length <= CLASSES_IN_FULL) return { series: mine, note: '' };
  // The same pick as evaluate's listings of many classes (fewest): lowest first, ties in class order.
  const byName = new Map(mine.map((x) => [x.name, x]));
  const { shown } = fewest([...byName.keys()], (name) => byName.get(name)!.points.at(-1)?.[1] ?? NaN, 'lowest diversity at the end');
  return { series: shown.map((name) => byName.get(name)!), note: `the ${CLASSES_IN_FULL} of ${mine.length} scarce classes lowest at the end (every class in train/metrics.jsonl)` };
}

function training(d: ReportData): string {
  if (d.training.length === 0) {
    const imported = d.summary?.imported;
    const note = imported ? `No GAN was trained: the candidates were imported from ${esc(imported.from)} (generate.from).` : 'No train/metrics.jsonl in this folder.';
    return `<section id="training"><h2>Training</h2><p class="note">${note}</p></section>`;
  }
  const jobs = d.training.slice(0, 24).map(({ job, records }) => {
    const pts = (k: keyof TrainingLine) => records.map((r) => [r.step, val(r, k)] as [number, number]);
    const gap = records.map((r) => [r.step, val(r, 'dTrainReal') - val(r, 'dHeldOut')] as [number, number]);
    const p = constant(pts('p'));
    const fids = fidSeries(records);
    const { series: divs, note: divNote } = scarceDiversity(diversitySeries(records), new Set(d.classes.map((c) => c.label)));
    const facts = [
      p !== null ? `The augmentation probability p stayed at ${f(p, 2)} throughout (augment.ada off), so it is not drawn.` : '',
      fids.length === 0 ? `FID was not measured during training (the per-class FID of the kept images is under Quality)${divs.length ? '; the per-class sample diversity, measured at every sample step, shows whether a class collapses over time (≪ 1)' : ''}.` : '',
      divNote ? `The diversity chart draws ${divNote}.` : '',
    ]
      .filter(Boolean)
      .join(' ');
    return `<h3>${esc(job)}</h3><div class="row">
${lineChart({ title: 'Losses', series: [{ name: 'D loss', points: pts('lossD') }, { name: 'G loss', points: pts('lossG') }], xLabel: 'step' })}
${lineChart({ title: 'Discriminator output', series: [{ name: 'D(real)', points: pts('dReal') }, { name: 'D(fake)', points: pts('dFake') }], xLabel: 'step', hline: 0 })}
${p === null ? lineChart({ title: 'Augmentation probability p', series: [{ name: 'p', points: pts('p') }], xLabel: 'step', yMin: 0, yMax: 1 }) : ''}
${lineChart({ title: 'Held-out gap: D(train real) − D(held-out real)', series: [{ name: 'D(train) − D(held-out)', points: gap }, { name: 'D(held-out)', points: pts('dHeldOut'), dashed: true }], xLabel: 'step', hline: 0 })}
${fids.length ? lineChart({ title: 'FID of the samples during training (lower is closer)', series: fids, xLabel: 'step' }) : ''}
${divs.length ? lineChart({ title: 'Sample diversity per class ÷ real (≈ 1 healthy, ≪ 1 collapse)', series: divs, xLabel: 'step', hline: 1, yMin: 0 }) : ''}
</div>${facts ? `<p class="note">${esc(facts)}</p>` : ''}`;
  });
  const more = d.training.length > 24 ? `<p class="note">${d.training.length - 24} more jobs not drawn.</p>` : '';
  return `<section id="training"><h2>Training curves</h2><p class="sub">From train/metrics.jsonl. A held-out gap that grows means the discriminator memorises the real images of the small classes (what DiffAugment/ADA counter).</p>${jobs.join('')}${more}</section>`;
}

/** The `evaluate` table, shared with the CLI's text output. */
export function evaluationTable(e: EvaluationResult, html = true): { head: string[]; rows: string[][] } {
  const pm = (m: number, s: number) => `${(100 * m).toFixed(1)}${e.seeds.length > 1 ? ` ± ${(100 * s).toFixed(1)}` : ''}`;
  const cols = columnClasses(e);
  const head = ['training set', 'balanced acc. %', 'macro-F1 %', 'scarce recall %', ...cols.map((l) => `recall ${l} %`)];
  const rows = ARMS.map((a) => e.rows.find((r) => r.name === a))
    .filter((r) => r !== undefined)
    .map((r) => [r.name, pm(r.balancedAccuracy, r.std.balancedAccuracy), pm(r.macroF1, r.std.macroF1), pm(r.scarceRecall, r.std.scarceRecall), ...cols.map((l) => pct(r.recall[l]))]);
  return { head: html ? head.map(esc) : head, rows: html ? rows.map((r) => r.map(esc)) : rows };
}

function evaluationPointer(d: ReportData): string {
  return `<section id="evaluate"><h2>Does it help? (evaluate)</h2><p>${d.evaluationStale ? 'Not measured for this manifest: the folder\'s evaluate.json measured an earlier one (a run rewrote manifest.jsonl since), so its figures are not shown.' : 'Not measured yet.'} The figures above say how close the synthetic images are to the real ones, not whether a classifier trained with them does better. To find out, run:</p>
<pre class="cmd">${esc(d.evaluateCommand)}</pre>
<p class="sub">${d.heldOut ? `${esc(d.heldOut)} was found beside the input folder and is taken as the held-out set; it must hold different images of the same classes.` : 'The held-out folder holds real images of the same classes in the same layout (one sub-folder per class), none of them used for training.'} It trains the same small classifier on real only, real + oversampling, real + class weights and real + synthetic (and logit-adjusts the real-only one), tests each on the held-out images, and adds the result to this page.</p></section>`;
}

/** evaluate's verdict at the top of its section; a manifest without synthetic images has none to advise against. */
function verdictBanner(good: boolean, synthetic: boolean, reason: string): string {
  if (!synthetic) return `<div class="verdict neutral"><b>No synthetic image to judge</b> — ${esc(reason)}</div>`;
  return `<div class="verdict ${good ? 'good' : 'bad'}"><b>${good ? 'The synthetic images help' : 'The synthetic images do not help: do not train on them'}</b> — ${esc(reason)}</div>`;
}

function evaluation(e: EvaluationResult | null): string {
  if (!e) return '';
  const t = evaluationTable(e);
  const v = (e as EvaluationResult & { verdict?: { helps: boolean; reason: string } }).verdict;
  const good = v ? v.helps : e.gain >= 0;
  return `<section id="evaluate"><h2>Does it help? (evaluate)</h2>
${v ? verdictBanner(good, hasSynthetic(e), v.reason) : ''}
${[...asWrittenLines(e), ...(v ? [insteadLine(e)].filter((l): l is string => l !== null) : [])].map((l) => `<div class="verdict neutral">${esc(l)}</div>`).join('')}
<div class="verdict ${good ? 'good' : e.gain < 0 ? 'bad' : 'neutral'}">Mean recall on the scarce classes (${e.scarce.map(esc).join(', ')}) with the synthetic images is <b>${Math.abs(e.gain).toFixed(1)} points ${e.gain >= 0 ? 'above' : 'below'}</b> the best cheap alternative (<b>${esc(e.best)}</b>), over ${e.seeds.length === 1 ? 'one seed (no spread to show)' : `${e.seeds.length} seeds (spread ± ${e.gainStd.toFixed(1)})`}.</div>
${[...perClassLines(e), ...vsOversampleLines(e), ...confusionLines(e)].map((l) => `<div class="verdict neutral">${esc(l)}</div>`).join('')}
${table(t.head, t.rows)}
<p class="sub">The same small classifier (widths ${esc(e.settings.widths.join('/'))}, ${e.settings.steps} steps of ${e.settings.batchSize}, fixed seeds) trained on: the real images only; real with the scarce classes randomly oversampled to their targets; real with a class-weighted loss; real plus the synthetic images — and logit-adjust, the real row's classifier with its logits less τ·log prior (Menon et al. 2021). Tested on ${Object.values(e.testCounts).reduce((a, b) => a + b, 0)} held-out real images in ${esc(e.test)}${leftOutText(e)}.</p>${qualityLines(e).map((l) => `<p class="sub">${esc(l)}.</p>`).join('')}</section>`;
}

function facts(d: ReportData): string {
  const s = d.summary;
  const dur = s?.durations ?? {};
  const rows: [string, string][] = [
    ['backend', `${esc(s?.backend?.name ?? '–')}${s?.backend?.details ? ` (${esc(s.backend.details)})` : ''}`],
    ['tfjs', esc(s?.backend?.tfjs ?? '–')],
    ['input', esc(s?.input ?? '–')],
    ['files', s?.files ? `${s.files.found ?? '–'} found: ${s.files.ingested ?? '–'} ingested, ${s.files.ignored ?? '–'} ignored, ${s.files.rejected ?? '–'} rejected` : '–'],
    [
      'decode',
      s?.decode ? esc(`${s.decode.size}×${s.decode.size}×${s.decode.channels}, fit ${s.decode.fit ?? '–'}, kernel ${s.decode.kernel ?? '–'}${s.decode.sharp ? `, sharp ${s.decode.sharp}` : ''}${s.decode.auto ? ` (${s.decode.auto})` : ''}${s.decode.cached !== undefined ? `; ${s.decode.cached} from cache, ${s.decode.decoded} decoded` : ''}`) : '–',
    ],
    ['training', s?.imported ? esc(`no GAN trained: candidates imported from ${s.imported.from} (generate.from)${s.imported.classes ? `: ${s.imported.classes.map((c) => `${c.label} ${c.candidates}`).join(', ')}` : ''}`) : s?.incremental?.train === 'reused' ? esc(`none in this run: the models of an earlier run of this folder were reused (${s.train?.steps ?? '–'} steps; a change after training only re-filters); the training charts below are that run's`) : s?.train ? esc(`${s.train.steps ?? 0} steps in ${secs(s.train.seconds)} (${f(s.train.imgPerSec, 0)} img/s${(s.train.workers ?? 1) > 1 ? ` on ${s.train.workers} threads` : ''})${s.train.failed?.length ? `; failed: ${s.train.failed.map((x) => `${x.job} (${x.reason})`).join(', ')}` : ''}`) : '–'],
    ['durations', Object.entries(dur).map(([k, v]) => `${esc(k)} ${secs(v)}`).join(' · ') || '–'],
    ['peak memory', s?.peakRssMB !== undefined ? `${f(s.peakRssMB, 0)} MB resident` : '–'],
  ];
  const cfg = d.config ? `<details><summary>Resolved config</summary><pre>${esc(stringify(d.config))}</pre></details>` : '<p class="note">Resolved config not found (no saved model, no state.json).</p>';
  return `<section id="facts"><h2>Run facts</h2>${table(null, rows.map(([k, v]) => [esc(k), v]), 2)}${cfg}</section>`;
}

/** The whole page. */
export function renderReport(d: ReportData): string {
  const notes = d.notes.length ? `<ul class="notes">${d.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>` : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">
<title>gan-augment report${d.summary?.input ? ` — ${esc(d.summary.input)}` : ''}</title><style>${CSS}</style></head>
<body><main>
${header(d)}${notes}
${verdicts(d)}
${balance(d)}
${quality(d)}
${classes(d)}
${translationsSection(d.translations ?? [], d.size ? Math.max(32, Math.min(96, Math.max(1, Math.round(56 / d.size)) * d.size)) : 56)}
${training(d)}
${d.evaluation ? evaluation(d.evaluation) : evaluationPointer(d)}
${facts(d)}
</main></body></html>
`;
}

/** Test images evaluate left out, if any, for the evaluate section's description. */
function leftOutText(e: EvaluationResult): string {
  const parts = [
    e.testLeftOut?.inTraining ? `${e.testLeftOut.inTraining} more were training images of the manifest (the same pixels) and were left out` : '',
    e.testLeftOut?.undecodable ? `${e.testLeftOut.undecodable} did not decode` : '',
  ].filter(Boolean);
  return parts.length ? ` (${parts.join('; ')})` : '';
}

/**
 * The report's pure parts: charts, escaping, and a page rendered from hand-made data (no run needed).
 */
import { describe, expect, it } from 'vitest';
import { CLASSES_IN_FULL } from '../../src/config/defaults.js';
import type { EvaluationResult } from '../../src/evaluate/types.js';
import { renderReport } from '../../src/report/html.js';
import { spread } from '../../src/report/load.js';
import { esc, histogram, lineChart, stackedBars, ticks } from '../../src/report/svg.js';
import type { ReportData } from '../../src/report/types.js';
import { judgeClass } from '../../src/report/verdict.js';

const PX = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGNgAAAAAgABSK+kcQAAAABJRU5ErkJggg==';
const HOSTILE = '<script>alert(1)</script>&"\'';

function data(over: Partial<ReportData> = {}): ReportData {
  return {
    out: '/tmp/out',
    summary: {
      version: '0.1.0',
      createdAt: '2026-01-01T00:00:00.000Z',
      backend: { name: 'wasm', details: 'SIMD, 1 thread', tfjs: '4.22.0' },
      classes: [
        { label: 'bag', before: 100, target: 100, deficit: 0, synthetic: 0, after: 100 },
        { label: HOSTILE, before: 10, target: 100, deficit: 90, synthetic: 80, after: 90 },
      ],
      synthesis: [{ label: HOSTILE, candidates: 180, kept: 80, shortfall: 10, cut: 0.25, rejected: { discriminator: 90, label: 10 }, quality: { fid: 12.5, kid: 0.0123, kidStd: 0.001, samples: { real: 10, synthetic: 80 }, passed: false, reasons: ['FID 12.5 > 10'] } }],
      decode: { size: 28, channels: 1 },
      durations: { scan: 0.1, train: 12, total: 20 },
      peakRssMB: 321,
      quality: { gate: { maxFid: 10, maxKid: null, onFail: 'warn', failed: [{ label: HOSTILE, reasons: ['FID 12.5 > 10'] }] }, shortfall: 10 },
    },
    config: { input: 'x', train: { steps: 4 } },
    classes: [
      {
        label: HOSTILE,
        synthesis: { label: HOSTILE, cut: 0.25 },
        real: [{ uri: PX, title: HOSTILE }],
        kept: [{ uri: PX, title: 'D logit 0.5' }],
        rejected: [],
        withheld: [],
        judged: 'kept',
        counts: { real: 10, kept: 80, rejected: 0, withheld: 0 },
        rejectedByReason: {},
        scores: { kept: [0.3, 0.5, 0.9], rejected: [-1, 0.1] },
        pairs: [{ kept: { uri: PX, title: 'kept' }, real: { uri: PX, title: 'coat/coat-0001.png' }, distance: 0.1234 }],
        realNearest: 0.2,
        novelty: 1.1,
        structure: { kept: 0.8, real: 0.85 },
        strips: [{ step: 100, uri: PX }, { step: 200, uri: PX }],
      },
    ],
    training: [{ job: 'shared', records: [1, 2, 3].map((step) => ({ step, lossD: 1 / step, lossG: step, dReal: 0.1 * step, dFake: -0.1 * step, p: 0.5, dHeldOut: 0.05 * step, dTrainReal: 0.1 * step })) }],
    evaluation: null,
    notes: [],
    size: 28,
    verdicts: [],
    heldOut: null,
    evaluateCommand: 'npx gan-augment evaluate --manifest out/manifest.jsonl --test <held-out folder>',
    ...over,
  };
}

describe('sampling around the real images', () => {
  it('the quality section names generate.anchor and each anchored class, escaped; nothing without it', () => {
    const d = data();
    d.summary!.synthesis![0]!.anchored = { images: 47, sigma: 0.3, mse: 0.0123 };
    const html = renderReport(d);
    expect(html).toContain('Sampled around the real images (generate.anchor σ 0.30)');
    expect(html).toContain(`${'&lt;script&gt;alert(1)&lt;/script&gt;&amp;&quot;&#39;'} around 47 images (fit's pixel MSE 0.012)`);
    expect(renderReport(data())).not.toContain('Sampled around the real images');
  });
});

describe('svg', () => {
  it('ticks are round numbers covering the range', () => {
    expect(ticks(0, 10, 5)).toEqual([0, 2, 4, 6, 8, 10]);
    expect(ticks(-0.13, 0.21, 4)).toEqual([-0.1, 0, 0.1, 0.2]);
    expect(ticks(3, 3)).toEqual([3]);
    expect(ticks(NaN, 1)).toEqual([]);
  });

  it('escapes what HTML could read as markup', () => {
    expect(esc(HOSTILE)).toBe('&lt;script&gt;alert(1)&lt;/script&gt;&amp;&quot;&#39;');
  });

  it('charts skip non-finite points and say so when nothing is left', () => {
    expect(lineChart({ title: 't', series: [{ name: 'a', points: [[0, NaN]] }] })).toContain('no data');
    const svg = lineChart({ title: 't', series: [{ name: 'a', points: [[0, 1], [1, NaN], [2, 3]] }] });
    expect(svg.match(/M/g)).toHaveLength(2); // the NaN splits the line in two
    expect(histogram({ title: 'h', groups: [{ name: 'x', values: [] }] })).toContain('no scores');
    const h = histogram({ title: 'h', groups: [{ name: 'kept', values: [1, 2, 3] }], cut: 1.5 });
    expect(h).toContain('class="cut"');
    expect(stackedBars({ title: 'b', segments: ['real'], rows: [{ label: HOSTILE, values: [3], marker: 5 }] })).not.toContain('<script>');
  });

  it('a line chart shows its title, wraps a long legend into rows inside the chart, and dashes series past the palette', () => {
    const series = Array.from({ length: 10 }, (_, i) => ({ name: `class-${i}`, points: [[0, i], [1, i + 1]] as [number, number][] }));
    const svg = lineChart({ title: 'Sample diversity per class', series, xLabel: 'step' });
    expect(svg).toContain('<text x="6" y="13" class="title">Sample diversity per class</text>');
    // A title wider than the chart is squeezed into it, not cut off.
    expect(lineChart({ ...{ title: 'x'.repeat(80), series } })).toContain('textLength="348" lengthAdjust="spacingAndGlyphs"');
    const width = Number(/viewBox="0 0 (\d+) /.exec(svg)![1]);
    const xs = [...svg.matchAll(/<text x="([\d.]+)" y="[\d.]+">class-\d<\/text>/g)].map((m) => Number(m[1]));
    expect(xs).toHaveLength(10);
    // Every legend label starts inside the chart, and the legend takes more than one row.
    for (const x of xs) expect(x + 6 * 'class-0'.length).toBeLessThanOrEqual(width);
    expect(new Set([...svg.matchAll(/<text x="[\d.]+" y="([\d.]+)">class-\d<\/text>/g)].map((m) => m[1])).size).toBeGreaterThan(1);
    // The ninth and tenth series reuse the first colours, dashed.
    expect((svg.match(/<path [^>]*stroke-dasharray/g) ?? []).length).toBe(2);
  });

  it('spread picks evenly, first and last included', () => {
    expect(spread([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 4)).toEqual([0, 3, 6, 9]);
    expect(spread([1, 2], 4)).toEqual([1, 2]);
  });
});

describe('renderReport', () => {
  it('is one self-contained document: no script, nothing fetched, a CSP that forbids both', () => {
    const html = renderReport(data());
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//i);
    expect(html).not.toMatch(/<link/i);
    expect(html).toContain(`content="default-src 'none'; img-src data:; style-src 'unsafe-inline'"`);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });

  it('has every section, the gate verdict and the FID/KID figures', () => {
    const html = renderReport(data());
    for (const id of ['balance', 'quality', 'classes', 'training', 'facts']) expect(html).toContain(`id="${id}"`);
    expect(html).toContain('Quality gate failed');
    expect(html).toContain('12.50');
    expect(html).toContain('0.0123 ± 0.0010');
    expect(html).toContain('Held-out gap');
    expect(html).toContain('Resolved config');
    expect(html).toContain('321 MB resident');
    // The ranking's cut is told apart from a filter's rejections, in the table and its note.
    expect(html).toContain('<h3>Candidates not kept, by reason</h3>');
    expect(html).toContain('<th>discriminator (ranked)</th>');
    expect(html).toContain('<th>label</th>');
    expect(html).toMatch(/leaves the rest — discriminator here\. The other columns are candidates a filter rejected\./);
    // No evaluate result: the section points at the command instead.
    expect(html).toContain('Not measured yet');
    expect(html).toContain('npx gan-augment evaluate --manifest out/manifest.jsonl --test &lt;held-out folder&gt;');
  });

  it("counts what the delivered set lacks as short of the targets, not the filters' shortfall the fill topped up", () => {
    const card = (html: string) => html.match(/<b>(\d+)<\/b><span>short of the targets<\/span>/)?.[1];
    expect(card(renderReport(data()))).toBe('10');
    // What the manifest lists, for how many scarce classes (not "kept": the guard may drop what the filters kept).
    expect(renderReport(data())).toContain('<b>80</b><span>synthetic images delivered, for 1 scarce class</span>');
    // Nothing synthetic delivered (the guard fell back everywhere): not "0 … for 1 scarce class".
    const none = data();
    none.summary!.classes = none.summary!.classes!.map((c) => ({ ...c, synthetic: 0, oversampled: c.deficit }));
    expect(renderReport(none)).toContain('<b>0</b><span>synthetic images delivered to the 1 scarce class: what fills it is under Balance</span>');
    const d = data();
    // The filters left 10 short and the fill topped them up with real images: nothing is short.
    d.summary!.classes = [{ label: 'bag', before: 100, target: 100, deficit: 0, synthetic: 0, after: 100 }, { label: HOSTILE, before: 10, target: 100, deficit: 90, synthetic: 80, after: 100 }];
    expect(card(renderReport(d))).toBe('0');
    // A class with no usable image gets nothing, however short the filters were.
    d.summary!.classes.push({ label: 'empty', before: 0, target: 100, deficit: 100, synthetic: 0, after: 0 });
    d.summary!.quality!.shortfall = 0;
    expect(card(renderReport(d))).toBe('100');
  });

  it("says the guard dropped a class's kept images where the filters kept some and the manifest lists none", () => {
    expect(renderReport(data())).toContain('kept synthetic: 1 of 80, best → worst D logit');
    const d = data();
    d.classes[0] = { ...d.classes[0]!, synthesis: { label: HOSTILE, cut: 0.25, kept: 80 }, kept: [], counts: { real: 10, kept: 0, rejected: 0, withheld: 0 } };
    expect(renderReport(d)).toContain("kept synthetic: none delivered — the filters kept 80, and the guard fell back to the class's real images");
    // With the withheld images on disk (withheld/), their grid takes the kept images' place, and says what they are.
    const thumb = data().classes[0]!.kept[0]!;
    d.classes[0] = { ...d.classes[0]!, withheld: [{ ...thumb, title: 'withheld by the guard · D logit 0.5 · seed 7' }], counts: { real: 10, kept: 0, rejected: 0, withheld: 80 } };
    const html = renderReport(d);
    expect(html).toContain('kept by the filters, withheld by the guard: 1 of 80, best → worst D logit — not delivered (the manifest fills the class with its real images listed again; these are in withheld/)');
    expect(html).toContain('withheld by the guard · D logit 0.5 · seed 7');
  });

  it("names the guard's mode, seeds and steps above its table", () => {
    const d = data();
    d.summary!.guard = { mode: 'fallback', seeds: [0, 1, 2, 3, 4], steps: 2322, perClass: [{ label: 'coat', decision: 'fallback', withSynthetic: 0.5, without: 0.6, reason: 'no gain' }] };
    expect(renderReport(d)).toContain('<h3 id="guard">Do-no-harm guard (fallback; 5 classifier seeds of 2322 steps each)</h3>');
    d.summary!.guard = { ...d.summary!.guard, classifiers: 8 };
    expect(renderReport(d)).toContain('<h3 id="guard">Do-no-harm guard (fallback; 5 classifier seeds of 2322 steps each; 8 classifiers trained)</h3>');
    d.summary!.guard = { ...d.summary!.guard, screen: 'together' };
    expect(renderReport(d)).toContain('<h3 id="guard">Do-no-harm guard (fallback; 5 classifier seeds of 2322 steps each; 8 classifiers trained; the scarce classes judged side by side, not each alone (guard.screen: together))</h3>');
    d.summary!.guard = { ...d.summary!.guard, screen: 'each' };
    expect(renderReport(d)).toContain('<h3 id="guard">Do-no-harm guard (fallback; 5 classifier seeds of 2322 steps each; 8 classifiers trained)</h3>');
    // Two at a time is said; one at a time (the run's memory too high for a second) is the plain case.
    d.summary!.guard = { ...d.summary!.guard, threads: { count: 2, reason: '2 threads (one per core); 280 MB in use' } };
    expect(renderReport(d)).toContain('<h3 id="guard">Do-no-harm guard (fallback; 5 classifier seeds of 2322 steps each; 8 classifiers trained, 2 at a time)</h3>');
    d.summary!.guard = { ...d.summary!.guard, threads: { count: 1, reason: '480 MB in use' } };
    expect(renderReport(d)).toContain('<h3 id="guard">Do-no-harm guard (fallback; 5 classifier seeds of 2322 steps each; 8 classifiers trained)</h3>');
    d.summary!.guard = { mode: 'warn', perClass: d.summary!.guard.perClass };
    expect(renderReport(d)).toContain('<h3 id="guard">Do-no-harm guard (warn)</h3>');
  });

  it('lists the sets of classes the guard tested side by side, and what the scarce classes together gained', () => {
    const d = data();
    const perClass = [{ label: 'coat', decision: 'fallback' as const, withSynthetic: 0.8, without: 0.6, reason: 'but the scarce classes together do not gain' }];
    d.summary!.guard = { mode: 'fallback', perClass, rounds: [{ classes: ['coat', 'pullover'], helps: false, reason: 'gain −1.0 <b>' }, { classes: ['coat'], helps: true, reason: 'gain +2.0' }] };
    const html = renderReport(d);
    expect(html).toContain('<li>with the synthetic images of coat, pullover: <span class="bad">no gain</span> — gain −1.0 &lt;b&gt;</li><li>with the synthetic images of coat: <span class="ok">a gain</span> — gain +2.0</li>');
    d.summary!.guard = { mode: 'fallback', perClass };
    expect(renderReport(d)).not.toContain('side by side');
  });

  it('says at the top where guard: warn delivered images with which the scarce classes together gained nothing', () => {
    const d = data();
    const perClass = [{ label: 'coat', decision: 'kept' as const, helps: false, reason: 'no gain' }];
    const banner = '<div class="verdict bad">The guard (warn) delivered the synthetic images of coat, pullover, and with them the scarce classes together gained nothing on held-out images: gain +1.7 &lt;b&gt;. <a href="#guard">The guard</a></div>';
    d.summary!.guard = { mode: 'warn', perClass, rounds: [{ classes: ['coat', 'pullover'], helps: false, reason: 'gain +1.7 <b>' }] };
    expect(renderReport(d)).toContain(banner);
    // A gain, fallback (what it delivers gained, or nothing), or an older summary without sets: nothing at the top.
    d.summary!.guard = { mode: 'warn', perClass, rounds: [{ classes: ['coat', 'pullover'], helps: true, reason: 'gain' }] };
    expect(renderReport(d)).not.toContain('The guard (warn) delivered');
    d.summary!.guard = { mode: 'fallback', perClass, rounds: [{ classes: ['coat', 'pullover'], helps: false, reason: 'gain' }] };
    expect(renderReport(d)).not.toContain('The guard (warn) delivered');
    d.summary!.guard = { mode: 'warn', perClass };
    expect(renderReport(d)).not.toContain('The guard (warn) delivered');
    // Where smaller sets were tested after it (what fallback would deliver), the banner still reads the delivered set, and names fallback's.
    d.summary!.guard = { mode: 'warn', perClass, rounds: [{ classes: ['coat', 'pullover'], helps: false, reason: 'gain +1.7 <b>' }, { classes: ['coat'], helps: true, reason: 'gain +3.0' }] };
    const html = renderReport(d);
    expect(html).toContain('The guard (warn) delivered the synthetic images of coat, pullover, and with them the scarce classes together gained nothing on held-out images: gain +1.7 &lt;b&gt;. Under guard: fallback the run would deliver the synthetic images of coat instead: gain +3.0. <a href="#guard">The guard</a></div>');
    expect(html).toContain('first with every class as delivered (guard: warn), then the sets guard: fallback would test');
  });

  it('merged from shards: says at the top where no guard tested the delivered classes side by side, and lists each shard\'s sets as its own', () => {
    const d = data();
    const perClass = [
      { label: 'coat', decision: 'kept' as const, helps: false, reason: 'no gain' },
      { label: 'pullover', decision: 'kept' as const, helps: false, reason: 'no gain' },
      { label: 'shirt', decision: 'kept' as const, helps: false, reason: 'no gain' },
    ];
    const rounds = [
      { classes: ['coat', 'shirt'], helps: false, reason: 'gain −1.0', shard: 0 },
      { classes: ['coat'], helps: true, reason: 'gain +2.0', shard: 0 },
      { classes: ['pullover'], helps: false, reason: 'gain −0.5', shard: 1 },
    ];
    d.summary!.guard = { mode: 'warn', perClass, rounds };
    d.summary!.merged = { shards: [{ index: 1, classes: ['pullover'] }, { index: 0, classes: ['coat', 'shirt'] }] };
    let html = renderReport(d);
    expect(html).toContain(`<div class="verdict bad">Merged from 2 shards, whose guards each judged only their own classes: no guard tested the delivered synthetic images of coat, shirt (shard 0); pullover (shard 1) side by side, so whether the scarce classes together gain with them is not known. <code>gan-augment run &lt;the shards' config&gt; --out ${d.out}</code> tests them together`);
    // Not shard 0's delivered set read as the run's, nor shard 1's set as what fallback would deliver instead.
    expect(html).not.toContain('The guard (warn) delivered');
    expect(html).toContain('<p>Shard 0: first with every class as delivered (guard: warn), then the sets guard: fallback would test to choose what to deliver instead:</p><ul><li>with the synthetic images of coat, shirt:');
    expect(html).toContain('<p>Shard 1: each set tested side by side as it would be delivered:</p><ul><li>with the synthetic images of pullover:');
    // One shard delivers (the other's guard fell back): its own sets are the delivered ones, and its banner is the run's.
    d.summary!.guard = { mode: 'warn', perClass: perClass.map((c) => (c.label === 'pullover' ? { ...c, decision: 'fallback' as const } : c)), rounds };
    html = renderReport(d);
    expect(html).not.toContain('Merged from 2 shards');
    expect(html).toContain('The guard (warn) delivered the synthetic images of coat, shirt, and with them the scarce classes together gained nothing on held-out images: gain −1.0. Under guard: fallback the run would deliver the synthetic images of coat instead: gain +2.0.');
  });

  it("says the feature classifier's accuracy is on the images it trained on, not the guard's held-out ones", () => {
    const d = data();
    d.summary!.guard = { mode: 'fallback', seeds: [0, 1, 2, 3, 4], steps: 2322, perClass: [{ label: 'coat', decision: 'kept', withSynthetic: 0.6, without: 0.5, reason: 'gain' }] };
    d.summary!.quality = { ...d.summary!.quality!, extractor: { id: 'classifier:abc', dims: 64 }, classifier: { trainAccuracy: 0.815, heldOut: 715 } };
    expect(renderReport(d)).toContain("the feature classifier's accuracy on the real images it trained on (not the 715 held out, which the guard judges on) is 81.5%");
    // Under guard: off no guard judges on them; the run's FID and KID still compare with them.
    d.summary!.guard = null;
    expect(renderReport(d)).toContain("the feature classifier's accuracy on the real images it trained on (not the 715 held out, which FID and KID compare kept images with) is 81.5%");
    // A summary from before 2026-12-07: it trained on every real image.
    d.summary!.quality = { ...d.summary!.quality!, classifier: { trainAccuracy: 0.815 } };
    expect(renderReport(d)).toContain("the feature classifier's accuracy on the real images is 81.5%");
  });

  it('a gate with no limits does not read as a pass', () => {
    const d = data();
    d.summary!.quality = { gate: { maxFid: null, maxKid: null, onFail: 'warn', failed: [] } };
    const html = renderReport(d);
    expect(html).toContain('no limits set');
    expect(html).toContain('checked nothing');
    expect(html).not.toMatch(/gate passed/i);
  });

  it('draws every candidate from the binned scores with the cut, and leaves out a p that never moved', () => {
    const d = data();
    d.classes[0]!.synthesis = { label: HOSTILE, cut: 0.25, candidates: 6, scoreBins: { lo: -1, width: 0.5, kept: [0, 0, 1, 2], rejected: [2, 1, 0, 0] } };
    const html = renderReport(d);
    expect(html).toContain('kept (3)');
    expect(html).toContain('rejected (3)');
    expect(html).toContain('class="cut"');
    expect(html).not.toContain('Augmentation probability p</title>');
    expect(html).toContain('stayed at 0.50 throughout');
    expect(html).toContain('distance 0.123');
    expect(html).toContain('step 200');
    const collapsing = data({ training: [{ job: 'shared', records: [100, 200, 300].map((step) => ({ step, lossD: 1, diversity: { coat: 1 - step / 400, rollback: 1 } })) }] });
    const ch = renderReport(collapsing);
    expect(ch).toContain('Sample diversity per class ÷ real');
    expect(ch).toContain('>coat</text>');
    expect(ch).not.toContain('>rollback</text>');
    expect(html).not.toContain('Sample diversity per class');
    // A shared GAN logs every class: the chart draws the scarce ones, and of many the lowest at the end.
    const many = Array.from({ length: 12 }, (_, i) => `scarce-${i}`);
    const wide = data({ training: [{ job: 'shared', records: [100, 200].map((step) => ({ step, lossD: 1, diversity: { plenty: 1, ...Object.fromEntries(many.map((l, i) => [l, 1 - i / 20 - step / 1000])) } })) }] });
    wide.classes = many.map((label) => ({ ...d.classes[0]!, label }));
    const w = renderReport(wide);
    expect(w).toContain(`the ${CLASSES_IN_FULL} of 12 scarce classes lowest at the end (every class in train/metrics.jsonl)`);
    expect(w).not.toContain('>plenty</text>');
    expect(w).toContain('>scarce-11</text>');
    expect(w).not.toContain('>scarce-0</text>');
    // Their images, each class a click away; a few classes stay open.
    expect(w.match(/<details class="cls class-verdict"><summary><b>scarce-\d+<\/b>/g)).toHaveLength(12);
    expect(w).toContain('12 classes: open one for its images.');
    expect(html).not.toContain('<details class="cls');
    expect(html).toContain('<section class="cls">');
    const moving = data({ training: [{ job: 'shared', records: [1, 2].map((step) => ({ step, p: step / 10 })) }] });
    expect(renderReport(moving)).toContain('Augmentation probability p</title>');
  });

  it('shows each class verdict with its figures and says plainly which classes not to use', () => {
    const html = renderReport(
      data({
        verdicts: [
          judgeClass({ label: 'coat', fid: 300, kid: null, fidFloor: 30, diversity: 2, candidates: 10, kept: 5, rejected: {} }),
          judgeClass({ label: 'shirt', fid: 31, kid: null, fidFloor: 30, diversity: 1, candidates: 10, kept: 5, rejected: {} }),
        ],
      }),
    );
    expect(html).toContain('id="verdict"');
    expect(html).toContain('Do not use the synthetic images of <b>coat</b> (poor)');
    expect(html).toContain('<b>shirt</b>: good');
    // A class the guard left out is poor too, but nothing of it is in the manifest: the line says what is.
    const withheld = renderReport(
      data({
        verdicts: [
          judgeClass({ label: 'coat', fid: 300, kid: null, fidFloor: 30, diversity: 2, candidates: 10, kept: 5, rejected: {} }),
          judgeClass({ label: 'shirt', fid: 31, kid: null, fidFloor: 30, diversity: 1, candidates: 10, kept: 5, rejected: {}, guard: { decision: 'fallback', reason: 'no gain' } }),
        ],
      }),
    );
    expect(withheld).toContain('<div class="verdict bad">Do not use the synthetic images of <b>coat</b> (poor). The guard left out the synthetic images of <b>shirt</b> (poor): the manifest fills that class with its real images listed again');
    const allWithheld = renderReport(data({ verdicts: [judgeClass({ label: 'shirt', fid: 31, kid: null, fidFloor: 30, diversity: 1, candidates: 10, kept: 5, rejected: {}, guard: { decision: 'fallback', reason: 'no gain' } })] }));
    expect(allWithheld).toContain('<div class="verdict neutral">The guard left out the synthetic images of <b>shirt</b> (poor)');
    expect(allWithheld).not.toContain('Do not use');
    expect(html).toContain('FID 300 = 10.0 × floor 30.0');
    // The reason is a sentence (a guard's runs to 200 characters): it wraps instead of widening the table.
    const why = judgeClass({ label: 'shirt', fid: 31, kid: null, fidFloor: 30, diversity: 1, candidates: 10, kept: 5, rejected: {} }).checks[0]!.why;
    expect(html).toContain(`<td class="l">${why}</td>`);
  });

  it('keeps a few classes open, and turns many into one line each that opens to the figures', () => {
    const cls = (label: string, fid: number) => judgeClass({ label, fid, kid: null, fidFloor: 30, diversity: 1, candidates: 10, kept: 5, rejected: {} });
    const few = renderReport(data({ verdicts: ['a', 'b', 'c'].map((l) => cls(l, 31)) }));
    expect(few).toContain('<h3>a <span class="badge');
    expect(few).not.toContain('<details class="class-verdict">');
    const labels = Array.from({ length: 9 }, (_, i) => `class-${i}`);
    const many = renderReport(data({ verdicts: labels.map((l, i) => cls(l, i < 3 ? 31 : 300)) }));
    expect(many.match(/<details class="class-verdict"><summary><b>class-\d<\/b> <span class="badge (good|poor)">/g)).toHaveLength(9);
    expect(many).not.toContain('<h3>class-0');
    expect(many).toContain('9 classes: 3 good, 0 doubtful, 6 poor; open a class for its figures.');
    // Every class's figures are still on the page.
    for (const l of labels) expect(many).toMatch(new RegExp(`<summary><b>${l}</b>[^]*?FID \\d+ = `));
  });

  it('renders what exists: no summary, no classes, no training', () => {
    const html = renderReport(data({ summary: null, classes: [], training: [], config: null, notes: ['summary.json is missing'] }));
    expect(html).toContain('summary.json is missing');
    expect(html).toContain('No train/metrics.jsonl');
    expect(html).toContain('Resolved config not found');
  });

  it('adds the evaluate section when there is a result', () => {
    const row = (name: 'real' | 'oversample' | 'class-weight' | 'synthetic', r: number) => ({
      name,
      balancedAccuracy: 0.8,
      macroF1: 0.79,
      recall: { coat: r },
      scarceRecall: r,
      majorityRecall: 0.9,
      confusion: { coat: { shirt: 0.1 } },
      std: { balancedAccuracy: 0.01, macroF1: 0.01, scarceRecall: 0.02 },
      vsBest: { scarceRecall: { mean: 0, low: 0, high: 0 }, balancedAccuracy: { mean: 0, low: 0, high: 0 }, macroF1: { mean: 0, low: 0, high: 0 } },
      perSeed: [],
      trainImages: 100,
      seconds: 1,
    });
    const evaluation: EvaluationResult = {
      scarce: ['coat'],
      rows: [row('real', 0.2), row('oversample', 0.3), row('class-weight', 0.35), row('synthetic', 0.4)],
      gain: 5,
      gainStd: 1.2,
      best: 'class-weight',
      verdict: { helps: true, reason: 'scarce recall +5.0 points, 95 % CI +1.0 to +9.0 over class-weight' },
      logitTau: 1,
      tuning: null,
      seeds: [0, 1, 2],
      settings: { steps: 10, batchSize: 8, lr: 0.002, shift: 2, widths: [16, 32, 64] },
      manifest: '/tmp/out/manifest.jsonl',
      test: '/tmp/test',
      testCounts: { coat: 10 },
      backend: 'wasm',
      seconds: 3,
    };
    const html = renderReport(data({ evaluation }));
    expect(html).toContain('id="evaluate"');
    expect(html).toContain('5.0 points above');
    expect(html).toContain('<div class="card"><b>+5.0 pt</b><span>scarce-class recall vs class-weight</span></div>');
    // Nothing synthetic delivered (the guard fell back): evaluate compared oversampling with itself, and the card says so.
    const none = data({ evaluation: { ...evaluation, gain: 0 } });
    none.summary!.classes = none.summary!.classes!.map((c) => ({ ...c, synthetic: 0 }));
    expect(renderReport(none)).toContain('<div class="card"><b>–</b><span>evaluate: no synthetic image delivered to judge</span></div>');
    expect(html).toContain('40.0 ± 2.0');
    expect(html).not.toContain('the manifest as written');
    // Where they help, nothing to use instead; where they do not, the best row without them and how to get it.
    expect(html).not.toContain('instead:');
    // No synthetic image in the manifest: nothing to advise against, and the best row is what it delivers.
    const nothing = renderReport(data({ evaluation: { ...evaluation, best: 'oversample', gain: 0, quality: null, verdict: { helps: false, reason: 'the manifest holds no synthetic image' } } }));
    expect(nothing).toContain('<div class="verdict neutral"><b>No synthetic image to judge</b> — the manifest holds no synthetic image</div>');
    expect(nothing).not.toContain('do not train on them');
    expect(nothing).toContain('use it as it is');
    const noHelp = renderReport(data({ evaluation: { ...evaluation, gain: -5, verdict: { helps: false, reason: 'not above 0' } } }));
    expect(noHelp).toMatch(/<div class="verdict neutral">instead: the best row without synthetic images on this test folder is class-weight( \([^)]*\))? — a class-weighted loss on the real images/);
    // The synthetic row trained on half of the images with hard labels: the report says the manifest as written read less.
    const tuned = renderReport(
      data({
        evaluation: {
          ...evaluation,
          tuning: {
            chosen: { targets: 'hard', mix: 0.5 },
            validation: { coat: 4 },
            seeds: [0, 1],
            candidates: [
              { use: { targets: 'soft', mix: 1 }, scarceRecall: 0.25, balancedAccuracy: 0.7 },
              { use: { targets: 'hard', mix: 0.5 }, scarceRecall: 0.5, balancedAccuracy: 0.8 },
            ],
          },
        },
      }),
    );
    expect(tuned).toContain('<div class="verdict neutral">the manifest as written (its labels and weights, every synthetic image it lists) read 25.0 % scarce recall on that split against 50.0 %');
    // A gain that is not confident is still a gain: "above" (it said "below" for every result that did not
    // help), in a neutral box; one seed has no spread to show.
    const level = renderReport(data({ evaluation: { ...evaluation, gain: 1.8, gainStd: 0, seeds: [0], verdict: { helps: false, reason: 'one seed gives no confidence interval' } } }));
    expect(level).toContain('<div class="verdict neutral">Mean recall on the scarce classes');
    expect(level).toContain('1.8 points above');
    expect(level).not.toContain('points below');
    expect(level).toContain('over one seed (no spread to show)');
    expect(renderReport(data({ evaluation: { ...evaluation, gain: -2, verdict: { helps: false, reason: 'below' } } }))).toContain('<b>2.0 points below</b>');
    // Each scarce class's paired difference, as the console prints it: a loss on one class shows.
    const withRecall = evaluation.rows.map((r) => (r.name === 'synthetic' ? { ...r, vsBest: { ...r.vsBest, recall: { coat: { mean: -9.6, low: -12.1, high: -7.1 } } } } : r));
    const perClass = renderReport(data({ evaluation: { ...evaluation, rows: withRecall } }));
    expect(perClass).toContain('<div class="verdict neutral">synthetic − class-weight, recall per scarce class in points (paired over seeds, 95 % CI): coat -9.6 [-12.1, -7.1]</div>');
    // The set's verdict stands beside the per-class line at the top of the page.
    expect(noHelp).toContain('<div class="verdict bad">evaluate, the delivered synthetic images together: they do not help — not above 0.');
    expect(html).toContain('<div class="verdict good">evaluate, the delivered synthetic images together: they help — scarce recall +5.0 points');
    expect(html).toContain("These are the run's own FID and KID, against the images it held out; the verdicts above use evaluate's");
  });

  it("says a run that reused an earlier run's models trained nothing, and marks a class kept under warn without a gain", () => {
    const base = data();
    const html = renderReport({
      ...base,
      summary: {
        ...base.summary!,
        train: { steps: 1000, seconds: 0.3, imgPerSec: 0 },
        incremental: { train: 'reused', upToDate: false },
        guard: { mode: 'warn', perClass: [{ label: HOSTILE, decision: 'kept', helps: false, withSynthetic: 0.2, without: 0.3, reason: 'no gain' }] },
      },
    });
    expect(html).toContain('none in this run: the models of an earlier run of this folder were reused (1000 steps');
    expect(html).not.toContain('1000 steps in');
    expect(html).toContain('<span class="warn">kept, though no gain (warn)</span>');
    expect(html).not.toContain('<span class="ok">kept</span>');
  });

  it("marks a withheld class in the quality table, and says whose FID it shows once evaluate has run", () => {
    const base = data();
    const withheld = renderReport({ ...base, summary: { ...base.summary!, guard: { mode: 'fallback', perClass: [{ label: HOSTILE, decision: 'fallback', helps: false, reason: 'no gain' }] } } });
    expect(withheld).toMatch(/withheld by the guard: not in the manifest; FID 12\.5 &gt; 10<\/td>/);
    expect(withheld).toContain('<th>held-out real / kept</th>');
    expect(renderReport(base)).not.toContain("These are the run's own FID and KID");
  });

  it('says, under soft labels, what the synthetic images weigh against their count', () => {
    const soft = renderReport(data({ softLabels: [{ label: 'shirt', images: 45, weight: 16.3, elsewhere: 26, to: [['t-shirt', 18], ['pullover', 6], ['sandal', 2]] }] }));
    expect(soft).toContain('deliver.labels: soft');
    expect(soft).toContain('<b>shirt</b> 16.3 of 45 (26 mostly another class: t-shirt 18, pullover 6, sandal 2)');
    expect(renderReport(data({ softLabels: [] }))).not.toContain('deliver.labels: soft');
  });
});

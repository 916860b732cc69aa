/**
 * The verdict rules, table-tested on plain numbers: a class is `good` only when every figure is measured
 * and close to its scale; a missing floor or diversity keeps it from `good`; one poor figure makes it poor;
 * a gate with no limits counts for nothing; evaluate and the guard override closeness.
 */
import { describe, expect, it } from 'vitest';
import { classFigures, evaluateCommand, lastDiversity } from '../../src/report/figures.js';
import { binScores } from '../../src/report/bins.js';
import { againstLimits, judgeClass, verdictLine, type ClassFigures, type Verdict } from '../../src/report/verdict.js';

/** A class whose every figure is close to what real images score. */
const GOOD: ClassFigures = {
  label: 'coat',
  fid: 30,
  kid: 10,
  kidStd: 0,
  fidFloor: 25,
  kidFloor: 8,
  diversity: 0.9,
  novelty: 1.1,
  structure: { kept: 0.82, real: 0.85 },
  candidates: 180,
  kept: 90,
  rejected: { 'near-copy-pixel': 2, surplus: 88 },
  gate: null,
  evaluate: null,
  guard: null,
};

const cases: [string, Partial<ClassFigures>, Verdict, RegExp?][] = [
  ['every figure close to its floor', {}, 'good', /Usable/],
  ['no FID floor measured', { fidFloor: null }, 'doubtful', /no floor measured/],
  ['no KID floor measured', { kidFloor: null }, 'doubtful', /KID 10\.00, no floor measured/],
  ['no diversity measured', { diversity: null }, 'doubtful', /diversity not measured/],
  ['FID 2× the floor', { fid: 50 }, 'doubtful', /FID 50\.0 = 2\.0 × floor 25\.0/],
  ['FID exactly 1.5× the floor', { fid: 37.5 }, 'good'],
  ['noise: FID 10× the floor', { fid: 250, kid: 300 }, 'poor', /Do not use these synthetic images: .*instead, or change the training \(train\.steps, train\.lrG, train\.lrD\) and rerun\./],
  ['noise without floors: never good, though not provably poor', { fid: 250, fidFloor: null, kidFloor: null, diversity: 2.4 }, 'doubtful'],
  ['collapse', { diversity: 0.2 }, 'poor', /a few images over and over/],
  ['narrowed', { diversity: 0.6 }, 'doubtful'],
  ['scattered like noise', { diversity: 1.8 }, 'doubtful', /noise-like/],
  // The kept images' spread is judged instead of the generator's diversity when it was measured.
  ['a varied generator, a kept set narrowed to one template', { diversity: 1.19, spread: 0.55 }, 'doubtful', /kept images' spread 0\.55 × the real images' \(features; the generator's samples in training 1\.19 ×\).*selection kept a narrower set/],
  ['a kept set of a few images over and over', { diversity: 0.9, spread: 0.3 }, 'poor', /below 0\.4: the kept images are a few images over and over/],
  ['a kept set as varied as the class vouches for a narrow generator', { diversity: 0.5, spread: 0.95 }, 'good'],
  ['spread without the generator\'s diversity', { diversity: null, spread: 0.9 }, 'good'],
  // FID and KID from a few held-out images read low (docs/samples.md): they cannot vouch for a class.
  ['FID and KID good from 5 held-out images: cannot vouch', { heldOut: 5 }, 'doubtful', /^Use with care: FID 30\.0 = 1\.2 × floor 25\.0 and KID 10\.00 vs floor 8\.00 \(0\.3 × its noise 8\.00 above\) read close to the real images, but 5 held-out images are too few to vouch for them \(under 50 such figures read better than they are\)\. Look at the grids/],
  ['50 held-out images can', { heldOut: 50 }, 'good', /on 50 held-out images/],
  ['a poor FID from 5 held-out images stands', { heldOut: 5, fid: 250 }, 'poor', /FID 250 = 10\.0 × floor 25\.0 on 5 held-out images/],
  ['coverage of the test folder as the real images\' own', { coverage: { kept: 0.2, real: 0.22, test: 1000 } }, 'good', /coverage 0\.20 = 0\.91 × the real images' 0\.22 on 1000 test images/],
  ['coverage from 20 test images cannot vouch', { coverage: { kept: 0.85, real: 1, test: 20 } }, 'doubtful', /coverage 0\.85 = 0\.85 × the real images' 1\.00 reads close to the real images, but 20 test images are too few to vouch for it \(under 50 such a figure reads better than it is; evaluate with a larger test folder\)/],
  ['a kept set covering a third of what real images do', { coverage: { kept: 0.07, real: 0.22, test: 1000 } }, 'poor', /cover a narrow part of the class/],
  ['coverage between', { coverage: { kept: 0.12, real: 0.22, test: 1000 } }, 'doubtful'],
  ['KID far above a negative floor', { kid: 200, kidFloor: -20 }, 'poor'],
  ['KID below a negative floor', { kid: -30, kidFloor: -20 }, 'good'],
  ['95% rejected by the filters', { rejected: { label: 171, surplus: 0 }, kept: 9 }, 'poor', /95% of 180 candidates rejected/],
  // 1,896 of 1,900 rounds to 100 %: the figure must not say every candidate was rejected when 4 were kept.
  ['all but 4 rejected: not "100%"', { candidates: 1900, rejected: { label: 1896, surplus: 0 }, kept: 4 }, 'poor', /[^.\d]99\.8% of 1900 candidates rejected/],
  ['the ranking cuts are not rejections, and the figure says how many were ranked out', { rejected: { discriminator: 90, surplus: 60 } }, 'good', /0% of 180 candidates rejected by the filters \(150 more ranked below the kept \d+\)/],
  ['nor are coverage and usefulness selections from a 10× pool', { candidates: 900, rejected: { coverage: 780, usefulness: 20, surplus: 0 } }, 'good'],
  ['but usefulness\'s label rejections are', { candidates: 900, rejected: { label: 850, usefulness: 10, surplus: 0 } }, 'poor', /94% of 900 candidates rejected/],
  ['noise: far from every real image', { novelty: 1.9 }, 'poor', /unlike any real image/],
  ['blobs: farther than real images are from each other', { novelty: 1.45 }, 'doubtful'],
  ['near-copies', { novelty: 0.3 }, 'doubtful', /copies/],
  ['novelty not measured adds nothing', { novelty: null }, 'good'],
  ['noise of any contrast: no neighbouring-pixel correlation', { structure: { kept: 0.03, real: 0.86 } }, 'poor', /noise, no shapes/],
  ['grainy', { structure: { kept: 0.6, real: 0.86 } }, 'doubtful', /grainier/],
  ['nothing kept', { kept: 0, fid: null, kid: null }, 'poor', /0 of 180 candidates kept/],
  // Label: kept images recognised as the class, against how often its own test images are.
  ['label: recognised as often as its test images', { assigned: { kept: 0.6, test: 0.7, n: 1000 } }, 'good'],
  ['label: recognised half as often', { assigned: { kept: 0.45, test: 0.7, n: 1000 } }, 'doubtful', /45 % of kept images recognised as coat by a real-data classifier \(of its test images: 70 %\) on 1000 test images/],
  ['label: mostly another class', { assigned: { kept: 0.05, test: 0.56, n: 1000 } }, 'poor', /most kept images look like another class[\s\S]*change the training/],
  ['label: a classifier blind to the class cannot judge', { assigned: { kept: 0.02, test: 0.1, n: 1000 } }, 'doubtful', /cannot judge the kept ones/],
  ['label from 20 test images cannot vouch', { assigned: { kept: 0.9, test: 0.9, n: 20 } }, 'doubtful', /20 test images are too few to vouch for it/],
  ['a passed gate adds nothing', { gate: { passed: true, reasons: [] } }, 'good'],
  ['a failed gate is poor', { gate: { passed: false, reasons: ['FID 30 > quality.maxFid 20'] } }, 'poor', /quality gate failed/],
  ['evaluate: helps', { evaluate: { helps: true, reason: '+4 points', classGain: 3 } }, 'good'],
  ['evaluate: this class loses recall', { evaluate: { helps: true, reason: '+4 points', classGain: -2 } }, 'poor', /recall -2\.0 pt/],
  ['evaluate: does not help, no per-class figure', { evaluate: { helps: false, reason: 'within noise' } }, 'poor', /does not help/],
  // With the class's interval: good only when it is above 0; level (spanning 0) is no gain to vouch for.
  ['evaluate: this class gains with confidence', { evaluate: { helps: false, reason: 'within noise', classGain: 4, classCi: { low: 1.2, high: 6.8 } } }, 'good'],
  ['evaluate: level for this class', { evaluate: { helps: false, reason: 'within noise', classGain: 0.5, classCi: { low: -2.2, high: 3.2 } } }, 'doubtful', /recall \+0\.5 \[-2\.2, \+3\.2\] pt with synthetic \(level: the class's 95 % interval spans 0[\s\S]*Evaluate found no gain it can vouch for: train on the real images with oversampling/],
  ['evaluate: one seed, no interval', { evaluate: { helps: false, reason: 'x', classGain: 10, classCi: { low: null, high: null } } }, 'doubtful', /one classifier seed gives no interval/],
  ['evaluate: nothing of the class delivered', { evaluate: { helps: false, reason: 'x', classGain: 0, classCi: { low: 0, high: 0 }, delivered: false } }, 'doubtful', /no synthetic image of the class delivered/],
  ['guard fell back', { guard: { decision: 'fallback', reason: 'hurt recall' } }, 'poor', /guard fell back/],
  // Images that look right but do not help: no advice to train longer (it did not help on the bench).
  // Left out already: the advice says what the manifest holds instead, not to stop using what it does not hold.
  ['guard fell back on images that look right', { guard: { decision: 'fallback', reason: 'hurt recall' } }, 'poor', /^Not delivered: guard fell back \(synthetic images not used\) \(hurt recall\)\. The manifest fills the class with its real images listed again, as random oversampling would\. Longer GAN training did not turn images like these into a gain on the bench; more real images of the class did\./],
  ['evaluate: a loss with images that look right', { evaluate: { helps: false, reason: 'within noise', classGain: -3 } }, 'poor', /^(?![\s\S]*change the training)[\s\S]*more real images of the class did/],
  ['guard kept them', { guard: { decision: 'kept' } }, 'good'],
  ['guard kept them: the figure says on how many held-out images', { guard: { decision: 'kept', heldOut: 2 } }, 'good', /guard kept the synthetic images \(a gain on 2 held-out images of the class\)/],
  ['guard kept them under warn without a gain', { guard: { decision: 'kept', helps: false, reason: 'no gain' } }, 'doubtful', /found no gain/],
  // A loss kept under warn is poor once the held-out images show it (its upper bound below 0); a mean below 0
  // on a handful of images is no finding (the demo's coat: -0.1, upper bound +4.1).
  ['guard kept them under warn with a loss shown', { guard: { decision: 'kept', helps: false, reason: 'no gain', gain: { mean: -4.3, high: -0.6 } } }, 'poor', /^Do not use these synthetic images: guard kept them \(warn\) but its held-out soft recall fell with them \(-4\.3 pt, 95 % upper bound -0\.6\) \(no gain\)/],
  ['guard kept them under warn, a mean loss not shown', { guard: { decision: 'kept', helps: false, reason: 'no gain', gain: { mean: -0.1, high: 4.1 } } }, 'doubtful', /found no gain on held-out images/],
  ['guard kept them under warn, one seed: no bound', { guard: { decision: 'kept', helps: false, reason: 'no gain', gain: { mean: -9, high: null } } }, 'doubtful', /found no gain on held-out images/],
  ['guard kept them under warn: they helped the class alone, not the scarce classes together', { guard: { decision: 'kept', helps: false, helpsAlone: true, reason: 'no gain together' } }, 'doubtful', /guard kept them \(warn\) but they helped the class alone, not the scarce classes together \(no gain together\)/],
  // Imported candidates (generate.from): no GAN was trained, so the advice names no training.
  ['imported, guard fell back: a larger hold-out, which costs nothing here', { imported: true, guard: { decision: 'fallback', reason: 'hurt recall' } }, 'poor', /^(?![\s\S]*(GAN training|change the training))Not delivered: [\s\S]*With generate\.from, a larger train\.validation costs nothing delivered/],
  ['guard fell back on images that helped the class alone, not the scarce classes together', { imported: true, guard: { decision: 'fallback', helps: false, helpsAlone: true, reason: 'no gain together', heldOut: 15 } }, 'poor', /^(?![\s\S]*(larger train\.validation|did no better))Not delivered: guard fell back \(synthetic images not used\): they helped the class alone, not the scarce classes together \(no gain together\)\. [\s\S]*The scarce classes together did not gain with them: what they added to this class was taken from the other scarce classes [\s\S]*or was too small to show over all of them/],
  ['imported, guard fell back on enough held-out images: no advice to hold out more', { imported: true, guard: { decision: 'fallback', reason: 'no gain', heldOut: 15 } }, 'poor', /^(?![\s\S]*larger train\.validation)Not delivered: [\s\S]*could not confirm a gain on the held-out images by all of its rules \(its reason is above\); other candidates may\. /],
  ['imported, images unlike the class: other candidates, not other training', { imported: true, structure: { kept: 0.03, real: 0.86 } }, 'poor', /^(?![\s\S]*change the training)[\s\S]*or bring candidates closer to the class \(generate\.from\)\./],
  ['imported, none for the class: said so', { imported: true, candidates: 0, kept: 0, fid: null, kid: null }, 'poor', /FID not measured \(no candidates for the class\)/],
];

describe('againstLimits', () => {
  it.each([
    [0.3979, [0.4, 0.7], '0.398'],
    [0.41, [0.4, 0.7], '0.41'],
    [0.4, [0.4, 0.7], '0.40'],
    [0.69996, [0.4, 0.7], '0.69996'],
    [1.5, [], '1.50'],
  ] as const)('%s against %j → %s', (x, limits, shown) => {
    expect(againstLimits(x, limits)).toBe(shown);
  });

  it('keeps a figure on its side of the line in the verdict rows', () => {
    const check = (over: Partial<ClassFigures>, name: string) => judgeClass({ ...GOOD, ...over }).checks.find((k) => k.name === name)!;
    // 0.3979 is below 0.4 (poor): it must not print as 0.40.
    expect(check({ spread: 0.3979 }, 'diversity')).toMatchObject({ verdict: 'poor', figure: expect.stringContaining("kept images' spread 0.398 ×") });
    // 0.399 vs 0.5 is 0.798 × the real images', under 0.8: the ratio is shown where the two figures hide it.
    expect(check({ structure: { kept: 0.399, real: 0.5 } }, 'structure')).toMatchObject({ verdict: 'doubtful', figure: expect.stringMatching(/0\.40 vs 0\.50 in real images \(0\.798 ×\)$/) });
    expect(check({ structure: { kept: 0.45, real: 0.5 } }, 'structure').figure).toMatch(/0\.45 vs 0\.50 in real images$/);
  });
});

describe('judgeClass', () => {
  it.each(cases)('%s → %s', (_name, over, verdict, text) => {
    const v = judgeClass({ ...GOOD, ...over });
    expect(v.verdict).toBe(verdict);
    if (text) expect(`${v.advice} ${verdictLine(v)}`).toMatch(text);
  });

  it('a class the filters kept nothing of is not told to stop using images it does not have', () => {
    const v = judgeClass({ ...GOOD, kept: 0, fid: null, kid: null });
    expect(v.noneKept).toBe(true);
    expect(v.verdict).toBe('poor');
    expect(v.advice).toBe('None kept: the filters rejected all 180 candidates. The manifest fills the class with its real images listed again, as random oversampling would; looser filters (filter.*), more candidates (generate.oversample) or other training may give some.');
    expect(v.advice).not.toMatch(/Do not use/);
    expect(judgeClass({ ...GOOD, kept: 0, fid: null, kid: null, imported: true } as ClassFigures).advice).toMatch(/other candidates \(generate\.from\) or looser filters/);
    expect(judgeClass(GOOD).noneKept).toBe(false);
  });

  it("gives each check's own reason: the class's evaluate reading, the label rate's direction, a doubtful figure from few images", () => {
    const why = (over: Partial<ClassFigures>, name: string) => judgeClass({ ...GOOD, ...over }).checks.find((k) => k.name === name)!.why;
    // A class that gained with confidence is good for its own reason, not the run's "not above 0".
    expect(why({ evaluate: { helps: false, reason: 'not above 0', classGain: 9.8, classCi: { low: 2.4, high: 17.2 } } }, 'evaluate')).toBe(
      "the class's recall rose with confidence (its 95 % interval is above 0); the scarce classes together: do not help (not above 0)",
    );
    expect(why({ evaluate: { helps: true, reason: '+4 points', classGain: -2 } }, 'evaluate')).toMatch(/^the class's recall fell with its synthetic images; the scarce classes together: help \(\+4 points\)$/);
    // Recognised far more often than the class's own test images: said, not "about as often".
    expect(why({ assigned: { kept: 1, test: 0.37, n: 1000 } }, 'label')).toMatch(/^recognised as the class 2\.7 × as often as its real test images: more typical/);
    expect(why({ assigned: { kept: 0.6, test: 0.7, n: 1000 } }, 'label')).toBe('recognised as the class about as often as its real test images');
    // A doubtful FID from 5 held-out images may hide a poor one.
    expect(why({ heldOut: 5, fid: 50 }, 'FID')).toMatch(/from 5 held-out images the figure reads better than it is, so the class may be poor$/);
    expect(why({ heldOut: 50, fid: 50 }, 'FID')).not.toMatch(/may be poor/);
  });

  it('says once that figures from too few images cannot vouch, per count; each check keeps its own reason', () => {
    const v = judgeClass({ ...GOOD, heldOut: 2, coverage: { kept: 0.85, real: 1, test: 20 }, assigned: { kept: 0.9, test: 0.9, n: 20 } });
    expect(v.verdict).toBe('doubtful');
    expect(v.advice.match(/too few to vouch/g)).toHaveLength(2);
    expect(v.advice).toMatch(/FID .* and KID .* read close to the real images, but 2 held-out images are too few to vouch for them/);
    expect(v.advice).toMatch(/coverage .* and 90 % of kept images .* read close to the real images, but 20 test images are too few to vouch for them \(under 50 such figures read better than they are; evaluate with a larger test folder\)/);
    const limited = v.checks.filter((k) => k.verdict === null);
    expect(limited.map((k) => k.name)).toEqual(['FID', 'KID', 'coverage', 'label']);
    for (const k of limited) expect(k.why).toMatch(/too few to vouch for it/);
  });

  it('points at selection only when the generator varies more than what was kept', () => {
    const why = (over: Partial<ClassFigures>) => judgeClass({ ...GOOD, ...over }).checks.find((k) => k.name === 'diversity')!;
    expect(why({ diversity: 0.5, spread: 0.6 })).toMatchObject({ verdict: 'doubtful', why: 'below 0.7: the kept images vary less than the real images' });
    expect(why({ diversity: 0.9, spread: 0.6 }).why).toMatch(/selection kept a narrower set/);
  });

  it('the console line names the class, the verdict and the figures behind it; of a class not good, only the checks that are not', () => {
    expect(verdictLine(judgeClass({ ...GOOD, fid: 250 }))).toBe('coat: poor — FID 250 = 10.0 × floor 25.0; good: KID, diversity, novelty, structure, rejected');
    expect(verdictLine(judgeClass({ ...GOOD, heldOut: 2, guard: { decision: 'kept', helps: false, reason: 'no gain' } }))).toBe(
      'coat: doubtful — FID 30.0 = 1.2 × floor 25.0 on 2 held-out images (no verdict), KID 10.00 vs floor 8.00 (0.3 × its noise 8.00 above) on 2 held-out images (no verdict), guard kept them (warn) but found no gain on held-out images; good: diversity, novelty, structure, rejected',
    );
    expect(verdictLine(judgeClass(GOOD))).toBe(
      "coat: good — FID 30.0 = 1.2 × floor 25.0, KID 10.00 vs floor 8.00 (0.3 × its noise 8.00 above), generator's sample diversity 0.90 × the real images' (kept images' spread not measured), nearest real image 1.10 × as far as real images are from each other, structure (neighbouring correlation, 4× pooled) 0.82 vs 0.85 in real images, 1% of 180 candidates rejected by the filters (88 more ranked below the kept 90)",
    );
  });
});

describe('classFigures', () => {
  it('reads floors, the last diversity of the class, the gate only when it has limits, evaluate per class and the guard', () => {
    const training = [
      { records: [{ step: 100, diversity: { coat: 0.5, shirt: 0.7 } }, { step: 200, diversity: { coat: 0.8 } }, { step: 210, diversity: { rollback: 1 } }] },
    ];
    expect(lastDiversity(training, 'coat')).toBe(0.8);
    expect(lastDiversity(training, 'shirt')).toBe(0.7);
    expect(lastDiversity(training, 'bag')).toBeNull();
    const summary = {
      synthesis: [{ label: 'coat', candidates: 180, kept: 90, rejected: { surplus: 90 }, quality: { fid: 30, kid: 1, fidFloor: 25, kidFloor: 2, spread: 0.6, reference: 'held-out' as const, samples: { real: 5, synthetic: 90 }, passed: true, reasons: [] } }],
      quality: { gate: { maxFid: null, maxKid: null, onFail: 'warn', failed: [] } },
      guard: { mode: 'auto', perClass: [{ label: 'coat', decision: 'fallback' as const, reason: 'hurt', heldOut: 3 }] },
    };
    const row = (name: 'real' | 'oversample' | 'class-weight' | 'synthetic', r: number) => ({ name, balancedAccuracy: 0, macroF1: 0, recall: { coat: r }, scarceRecall: r, majorityRecall: 0, confusion: {}, std: { balancedAccuracy: 0, macroF1: 0, scarceRecall: 0 }, vsBest: { scarceRecall: { mean: 0, low: 0, high: 0 }, balancedAccuracy: { mean: 0, low: 0, high: 0 }, macroF1: { mean: 0, low: 0, high: 0 } }, perSeed: [], trainImages: 0, seconds: 0 });
    const evaluation = {
      scarce: ['coat'],
      rows: [row('real', 0.1), row('oversample', 0.5), row('class-weight', 0.3), row('synthetic', 0.45)],
      gain: -5,
      gainStd: 1,
      best: 'oversample' as const,
      verdict: { helps: false, reason: 'the scarce-recall gain over oversample is not above 0 with 95 % confidence' },
      logitTau: 1,
      tuning: null,
      seeds: [0],
      settings: { steps: 1, batchSize: 2, lr: 0, shift: 0, widths: [1] },
      manifest: '',
      test: '',
      testCounts: {},
      backend: 'wasm',
      seconds: 0,
    };
    const [c] = classFigures(summary, training, evaluation);
    expect(c!.coverage).toBeNull(); // no figures against the test folder in this evaluate.json
    expect(c).toMatchObject({ label: 'coat', fidFloor: 25, kidFloor: 2, diversity: 0.8, spread: 0.6, heldOut: 5, gate: null, guard: { decision: 'fallback', heldOut: 3 } });
    expect(c!.evaluate!.helps).toBe(false);
    expect(c!.evaluate!.classGain).toBeCloseTo(-5);
    // The guard fell back on coat: nothing of it delivered, so evaluate's row says nothing about its images.
    expect(c!.evaluate!.delivered).toBe(false);
    expect(c!.evaluate!.classCi).toBeNull(); // no per-class intervals in this evaluate.json
    const kept = classFigures({ ...summary, guard: { mode: 'warn', perClass: [{ label: 'coat', decision: 'kept' as const, reason: '' }] } }, training, {
      ...evaluation,
      rows: evaluation.rows.map((r) => (r.name === 'synthetic' ? { ...r, vsBest: { ...r.vsBest, recall: { coat: { mean: -5, low: -9, high: -1 } } } } : r)),
    })[0]!;
    expect(kept.evaluate).toMatchObject({ delivered: true, classCi: { low: -9, high: -1 } });
    expect(kept.guard).not.toHaveProperty('gain');
    // The guard's mean held-out gain, where its summary has one.
    const lost = classFigures({ ...summary, guard: { mode: 'warn', perClass: [{ label: 'coat', decision: 'kept' as const, helps: false, reason: '', gain: { mean: -4.25, low: -9 } }] } }, training, null)[0]!;
    expect(lost.guard).toMatchObject({ decision: 'kept', helps: false, gain: { mean: -4.25, high: 0.5 } });
    const oneSeed = classFigures({ ...summary, guard: { mode: 'warn', perClass: [{ label: 'coat', decision: 'kept' as const, helps: false, reason: '', gain: { mean: -4.25, low: null } }] } }, training, null)[0]!;
    expect(oneSeed.guard!.gain).toEqual({ mean: -4.25, high: null });
    const withLimits = classFigures({ ...summary, quality: { gate: { maxFid: 40, maxKid: null, onFail: 'warn', failed: [] } } }, training, null);
    expect(withLimits[0]!.gate).toEqual({ passed: true, reasons: [] });
    // evaluate's figures against the test folder replace the run's FID against its 5 held-out images; KID
    // was not measured there
    const tested = classFigures(summary, training, { ...evaluation, quality: { extractor: 'x', coverageK: 5, perClass: [{ label: 'coat', test: 1000, real: 50, kept: 90, fid: 17.1, fidFloor: 3.6, coverage: 0.1, coverageFloor: 0.23 }] } });
    expect(tested[0]).toMatchObject({ fid: 17.1, fidFloor: 3.6, kid: null, kidFloor: null, heldOut: 1000, heldOutKind: 'test', coverage: { kept: 0.1, real: 0.23, test: 1000 } });
    const v = judgeClass(tested[0]!);
    expect(v.checks.find((k) => k.name === 'FID')).toMatchObject({ verdict: 'poor', figure: 'FID 17.1 = 4.8 × floor 3.6 on 1000 test images' });
    expect(v.checks.find((k) => k.name === 'coverage')!.verdict).toBe('doubtful');
    // against every real image (no hold-out) the count is not a held-out one
    const all = classFigures({ ...summary, synthesis: [{ ...summary.synthesis[0]!, quality: { ...summary.synthesis[0]!.quality, reference: 'all' as const } }] }, training, null);
    expect(all[0]!.heldOut).toBeNull();
  });

  it('evaluateCommand quotes what a shell would split and keeps paths below cwd relative', () => {
    expect(evaluateCommand('/w/out/quickstart', '/w/fixtures/fmnist-tiny-test', '/w')).toBe('npx gan-augment evaluate --manifest out/quickstart/manifest.jsonl --test fixtures/fmnist-tiny-test');
    expect(evaluateCommand("/data/my out's", null, '/w')).toBe(`npx gan-augment evaluate --manifest '/data/my out'\\''s/manifest.jsonl' --test <held-out folder>`);
  });
});

describe('binScores', () => {
  it('bins every candidate, kept and rejected apart', () => {
    const b = binScores([0, 1, 2, 3, NaN], [2, 3], 4)!;
    expect(b.lo).toBe(0);
    expect(b.width).toBe(0.75);
    expect(b.kept).toEqual([0, 0, 1, 1]);
    expect(b.rejected).toEqual([1, 1, 0, 0]);
    expect(binScores([NaN], [])).toBeNull();
    expect(binScores([1, 1], [0], 2)).toEqual({ lo: 0.5, width: 0.5, kept: [0, 1], rejected: [0, 1] });
  });
});

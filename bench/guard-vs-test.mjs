#!/usr/bin/env node
/**
 * Does the guard's verdict on its held-out images predict what the test folder says? For every scarce class of
 * every run given (run with `guard: warn`, so that its synthetic images were delivered and measured, then
 * `npm run eval`), the guard's soft-recall gain on the held-out images (summary.json `guard.perClass`) beside the
 * class's test recall with the synthetic images minus with oversampling (evaluate.json rows `synthetic` and
 * `oversample`, mean over evaluate's seeds). Then what three rules would have delivered: the guard's own
 * (both 95 % bounds above 0), a looser one (the gain's mean above 0), and none (`warn`).
 *
 *   node bench/guard-vs-test.mjs [--evaluate <file name>] <run out folder> [<run out folder> ...]
 *
 * The guard judges the synthetic images as the manifest delivers them (its labels and weights, its share of the fill); `evaluate`'s
 * synthetic row uses them the same way unless it ran with `--tune-seeds n > 0` (until 2026-12-05 the default 2), when
 * it uses what its validation split chose (`tuning.chosen`: hard labels or half the fill, often). Each row says which use its test Δ measured. `--evaluate` reads another
 * file of each run folder than evaluate.json (one kept beside it, say).
 *
 * A class's test figure is read from a run that delivered every scarce class's synthetic images together, so a
 * rule's total is an approximation: classes interact through the classifier. Not part of `npm test`.
 */
import fs from 'node:fs';
import path from 'node:path';

const argv = process.argv.slice(2);
const at = argv.indexOf('--evaluate');
const evaluateFile = at >= 0 ? argv[at + 1] : 'evaluate.json';
const dirs = argv.filter((_, i) => at < 0 || (i !== at && i !== at + 1));
if (dirs.length === 0 || !evaluateFile) {
  console.error('usage: node bench/guard-vs-test.mjs [--evaluate <file name>] <run out folder> [...]');
  process.exit(2);
}
const rows = [];
for (const dir of dirs) {
  const read = (f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'));
  const summary = read('summary.json');
  const evaluation = read(evaluateFile);
  const guard = summary.guard;
  const syn = evaluation.rows.find((r) => r.name === 'synthetic');
  const over = evaluation.rows.find((r) => r.name === 'oversample');
  if (!guard || guard.mode !== 'warn' || !syn || !over) {
    console.error(`${dir}: skipped (needs a guard: warn run with evaluate's synthetic and oversample rows)`);
    continue;
  }
  // A copied run folder keeps the evaluate.json of the run it was copied from until evaluate runs on it.
  if (path.resolve(evaluation.manifest) !== path.resolve(dir, 'manifest.jsonl')) {
    console.error(`${dir}: skipped (its evaluate.json measured ${evaluation.manifest}, not this run's manifest)`);
    continue;
  }
  // What the synthetic row's test figure used; null tuning = as delivered.
  const chosen = evaluation.tuning?.chosen ?? { targets: 'soft', mix: 1 };
  const use = `${chosen.targets === 'soft' ? 'as written' : 'hard'}${chosen.mix === 1 ? '' : ` ×${chosen.mix}`}`;
  for (const c of guard.perClass) {
    rows.push({ run: path.basename(dir), label: c.label, guard: c.gain.mean, low: c.gain.low, helps: c.helps, heldOut: c.heldOut, test: 100 * (syn.recall[c.label] - over.recall[c.label]), use });
  }
}
const f1 = (x) => (x === null || x === undefined ? '–' : `${x >= 0 ? '+' : ''}${x.toFixed(1)}`);
console.log('run                              class       held-out  guard gain (low)   test Δ recall (use)');
for (const r of rows) console.log(`${r.run.padEnd(32)} ${r.label.padEnd(11)} ${String(r.heldOut).padStart(8)}  ${f1(r.guard).padStart(6)} (${f1(r.low).padStart(6)})   ${f1(r.test).padStart(6)} (${r.use})`);
const tuned = rows.filter((r) => r.use !== 'as written').length;
if (tuned > 0) console.log(`\n${tuned} of ${rows.length} test Δ measured a use other than the one the guard judged (the manifest as written): rerun evaluate without --tune-seeds (or with 0) to compare like with like`);

const mean = (xs) => xs.reduce((s, x) => s + x, 0) / xs.length;
const n = rows.length;
if (n < 2) process.exit(0);
const g = rows.map((r) => r.guard);
const t = rows.map((r) => r.test);
const mg = mean(g);
const mt = mean(t);
const cov = g.reduce((s, x, i) => s + (x - mg) * (t[i] - mt), 0);
const pearson = cov / Math.sqrt(g.reduce((s, x) => s + (x - mg) ** 2, 0) * t.reduce((s, x) => s + (x - mt) ** 2, 0));
const agree = rows.filter((r) => r.guard > 0 === r.test > 0).length;
console.log(`\n${n} class fills; Pearson r(guard gain, test Δ) = ${pearson.toFixed(2)}; same sign in ${agree} of ${n}`);
const rule = (name, keep) => {
  const kept = rows.filter(keep);
  const sum = kept.reduce((s, r) => s + r.test, 0);
  const lost = kept.filter((r) => r.test < 0).length;
  console.log(`${name.padEnd(44)} keeps ${String(kept.length).padStart(2)} of ${n}: test Δ recall of the kept ${kept.length ? `${f1(mean(kept.map((r) => r.test)))} on average (${lost} lose; sum ${f1(sum)})` : '–'}`);
};
rule('guard: fallback (both bounds above 0)', (r) => r.helps);
rule('a looser guard (gain mean above 0)', (r) => r.guard > 0);
rule('guard: warn (every fill)', () => true);
const harm = rows.filter((r) => r.guard < -10);
if (harm.length) console.log(`where the guard read below −10: ${harm.length} fills, test Δ ${f1(mean(harm.map((r) => r.test)))} on average, ${harm.filter((r) => r.test < 0).length} of them below 0`);

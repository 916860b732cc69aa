/**
 * The starter config `gan-augment init` writes: the settings worth deciding first, each with its
 * comment from the schema and, where guessed from the images, why. Pure: facts in, YAML text out.
 */
import { stringify } from 'yaml';
import { AUTO_DECODE, DEFAULTS } from '../config/defaults.js';
import { guessChannels, guessSize } from '../dataset/auto-decode.js';
import type { FolderFacts } from './inspect.js';
import { minOf, pushAll } from '../util/array.js';

export interface StarterOptions {
  /** `input` as written in the config (relative to the config file's folder). */
  input: string;
  out: string;
  /** `$schema` path or URL for the yaml-language-server line. */
  schema: string;
  /** Descriptions by key path (from `configDescriptions`). */
  describe: ReadonlyMap<string, string>;
  /** How the file is named in the "next steps" comment. */
  file: string;
}

/** Wraps a description as `# ` comment lines of at most ~100 characters, indented. */
function comment(text: string | undefined, indent: string, extra?: string): string[] {
  const words = [text, extra].filter(Boolean).join(' ').split(/\s+/).filter(Boolean);
  const lines: string[] = [];
  let line = '';
  for (const w of words) {
    if (line && indent.length + 2 + line.length + 1 + w.length > 100) {
      lines.push(line);
      line = w;
    } else line = line ? `${line} ${w}` : w;
  }
  if (line) lines.push(line);
  return lines.map((l) => `${indent}# ${l}`);
}

const scalar = (v: unknown) => stringify(v, { collectionStyle: 'flow' }).trim();

/**
 * A class needs at least this many real images for the label filter's classifier to learn it: with 10 a
 * class, the classifier recognised only about half of the real coats and pullovers and rejected most
 * samples (README "Metrics and filters"); with 50 the filter measured best (README "Does it help?").
 */
export const LABEL_FILTER_MIN_IMAGES = 25;

/**
 * What the proposed side costs, said beside it: above what a run picks by itself it is a choice of detail
 * over time, measured (a 64×64 RGB step took 4.5× a 32×32 one: 45 against 202 img/s, photo patches,
 * default networks, 2-core machine, 2026-12-06; 1,000 steps 26 min).
 */
function sizeCost(size: number, medianSide: number): string {
  if (size > AUTO_DECODE.maxSize) {
    return `. ${size} is more than a run picks by itself (\`auto\`: at most ${AUTO_DECODE.maxSize}), and training time grows with its square: on 2 CPU cores 1,000 steps at 64×64 RGB took 26 min, 4.5× as long as at 32 — set ${AUTO_DECODE.maxSize} for a quicker first run`;
  }
  return size < medianSide ? `; ${size} keeps training quick on a CPU — raise it for more detail, at a cost that grows with its square` : '';
}

/** The commented YAML of a starter config for the folder described by `facts`. */
export function starterConfig(facts: FolderFacts, o: StarterOptions): string {
  // A starter config may propose more than a run picks by itself (the comment says what it costs).
  const size = guessSize(facts.medianSide, AUTO_DECODE.initMaxSize);
  const channels = guessChannels(facts.colour, facts.gray);
  const scarce = facts.plan.classes.filter((c) => c.deficit > 0);
  const fewest = scarce.length > 0 ? minOf(scarce.map((c) => c.count)) : null;
  const labelOff = fewest !== null && fewest < LABEL_FILTER_MIN_IMAGES && DEFAULTS.filter.order.includes('label');
  const lines: string[] = [
    `# yaml-language-server: $schema=${o.schema}`,
    `# gan-augment config for ${facts.root}`,
    `# ${facts.plan.classes.length} class${facts.plan.classes.length === 1 ? '' : 'es'}, ${facts.images} images; ${scarce.length} below the largest class, ${facts.plan.totalDeficit} images to generate:`,
    ...scarce.slice(0, 12).map((c) => `#   ${c.label}: ${c.count} → ${c.target}`),
    ...(scarce.length > 12 ? [`#   … and ${scarce.length - 12} more (gan-augment scan ${facts.root})`] : []),
    `# Next: gan-augment validate ${o.file}; gan-augment run ${o.file} --dry-run; gan-augment run ${o.file}`,
    `# Every setting and its default: gan-augment schema (your editor shows them with the line above).`,
    '',
  ];
  const key = (keyPath: string, value: unknown, why?: string) => {
    const parts = keyPath.split('.');
    const indent = '  '.repeat(parts.length - 1);
    pushAll(lines, comment(o.describe.get(keyPath), indent, why));
    lines.push(`${indent}${parts.at(-1)}: ${scalar(value)}`);
  };
  const section = (name: string) => lines.push('', `${name}:`);
  key('input', o.input);
  key('out', o.out);
  key('seed', DEFAULTS.seed);
  section('decode');
  key(
    'decode.size',
    size,
    facts.medianSide === null
      ? '(No image could be measured: the default.)'
      : `(Guessed: the sampled images' median shorter side is ${facts.medianSide} px${sizeCost(size, facts.medianSide)}.)`,
  );
  key('decode.channels', channels, facts.sampled ? `(Guessed: ${facts.colour} of ${facts.sampled} sampled images have colour.)` : undefined);
  section('balance');
  key('balance.strategy', DEFAULTS.balance.strategy);
  section('gan');
  key('gan.mode', DEFAULTS.gan.mode);
  section('train');
  key('train.steps', DEFAULTS.train.steps);
  key('train.batchSize', DEFAULTS.train.batchSize);
  section('generate');
  key('generate.oversample', DEFAULTS.generate.oversample);
  section('filter');
  key(
    'filter.order',
    labelOff ? DEFAULTS.filter.order.filter((f) => f !== 'label') : DEFAULTS.filter.order,
    labelOff
      ? `(Chosen for this folder: the label filter is left out because the smallest class to fill has ${fewest} images, fewer than the ${LABEL_FILTER_MIN_IMAGES} its classifier needs to recognise a class; with it, most samples would be rejected.)`
      : undefined,
  );
  key('filter.shortfall', DEFAULTS.filter.shortfall);
  section('deliver');
  key('deliver.share', DEFAULTS.deliver.share);
  key('deliver.labels', DEFAULTS.deliver.labels);
  return lines.join('\n') + '\n';
}

/**
 * The starter config `gan-augment init` writes: the settings worth deciding first, each with its
 * comment from the schema and, where guessed from the images, why. Pure: facts in, YAML text out.
 */
import { stringify } from 'yaml';
import type { FolderFacts } from './inspect.js';
import { pushAll } from '../util/array.js';

/** The decode size for images whose shorter side is `side` px: a multiple of 4, at most 64 (CPU training). */
export function guessSize(side: number | null): number {
  if (side === null) return 28;
  if (side >= 64) return 64;
  if (side > 32) return 32;
  return Math.max(8, Math.round(side / 4) * 4);
}

/** 3 (RGB) when at least a tenth of the sampled images have colour, else 1 (grayscale). */
export function guessChannels(colour: number, gray: number): 1 | 3 {
  return colour > 0 && colour * 10 >= colour + gray ? 3 : 1;
}

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

const scalar = (v: unknown) => stringify(v).trim();

/** The commented YAML of a starter config for the folder described by `facts`. */
export function starterConfig(facts: FolderFacts, o: StarterOptions): string {
  const size = guessSize(facts.medianSide);
  const channels = guessChannels(facts.colour, facts.gray);
  const scarce = facts.plan.classes.filter((c) => c.deficit > 0);
  const lines: string[] = [
    `# yaml-language-server: $schema=${o.schema}`,
    `# gan-augment config for ${facts.root}`,
    `# ${facts.plan.classes.length} classes, ${facts.images} images; ${scarce.length} below the largest class, ${facts.plan.totalDeficit} images to generate:`,
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
  key('seed', 0);
  section('decode');
  key(
    'decode.size',
    size,
    facts.medianSide === null
      ? '(No image could be measured: the default.)'
      : `(Guessed: the sampled images' median shorter side is ${facts.medianSide} px${size < facts.medianSide ? `; ${size} keeps training fast on a CPU — raise it for more detail` : ''}.)`,
  );
  key('decode.channels', channels, facts.sampled ? `(Guessed: ${facts.colour} of ${facts.sampled} sampled images have colour.)` : undefined);
  section('balance');
  key('balance.strategy', 'not-majority');
  section('gan');
  key('gan.mode', 'shared');
  section('train');
  key('train.steps', 300);
  key('train.batchSize', 32);
  section('generate');
  key('generate.oversample', 2);
  return lines.join('\n') + '\n';
}

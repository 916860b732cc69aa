/**
 * Every relative link in README.md and docs/*.md points at a file that exists and, where it names an
 * anchor, at a heading of that file (GitHub's heading ids: lower case, punctuation dropped, spaces to
 * hyphens, "-1", "-2" … for repeats). The README's figures link to the measurements behind them; a renamed
 * heading must not leave them pointing nowhere.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/tmp.js';

const FILES = ['README.md', ...readdirSync(path.join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

/** Text outside fenced code blocks (a `#` line inside one is no heading, a `](x)` no link). */
const prose = (text: string) => text.replace(/^```[^]*?^```/gm, '');

/** GitHub's id for a heading's text. */
function headingId(text: string): string {
  return text
    .trim()
    .toLowerCase()
    .replace(/`/g, '')
    .replace(/[^\p{L}\p{M}\p{N}_\- ]/gu, '')
    .replace(/ /g, '-');
}

function anchorsOf(file: string): Set<string> {
  const seen = new Map<string, number>();
  const ids = new Set<string>();
  for (const m of prose(readFileSync(path.join(ROOT, file), 'utf8')).matchAll(/^#{1,6} (.*)$/gm)) {
    const id = headingId(m[1]!);
    const n = seen.get(id);
    seen.set(id, (n ?? -1) + 1);
    ids.add(n === undefined ? id : `${id}-${n + 1}`);
  }
  return ids;
}

describe('documentation links', () => {
  it('heading ids follow GitHub', () => {
    expect(headingId('Does it help? (evaluate)')).toBe('does-it-help-evaluate');
    expect(headingId('`generate.anchor` at σ 0.15 and 0.6 on fmnist-lt2 (2026-12-04, late night)')).toBe('generateanchor-at-σ-015-and-06-on-fmnist-lt2-2026-12-04-late-night');
    expect(headingId('Training GANs on 10–100 images per class')).toBe('training-gans-on-10100-images-per-class');
  });

  it("docs/measurements.md's contents list every section, in order", () => {
    const text = prose(readFileSync(path.join(ROOT, 'docs/measurements.md'), 'utf8'));
    const sections = [...text.matchAll(/^## (.*)$/gm)].map((m) => m[1]!).filter((h) => h !== 'Contents');
    const contents = text.slice(text.indexOf('## Contents'), text.indexOf('\n## ', text.indexOf('## Contents') + 1));
    const listed = [...contents.matchAll(/^- \[.*\]\(#([^)]+)\)$/gm)].map((m) => m[1]!);
    expect(listed).toEqual(sections.map(headingId));
  });

  it.each(FILES)('%s: every relative link resolves, anchors included', (file) => {
    const broken: string[] = [];
    for (const m of prose(readFileSync(path.join(ROOT, file), 'utf8')).matchAll(/\]\(([^)\s]+)\)/g)) {
      const target = m[1]!;
      if (/^[a-z]+:/i.test(target)) continue;
      const [rel, anchor] = target.split('#') as [string, string | undefined];
      const to = rel ? path.posix.normalize(path.posix.join(path.posix.dirname(file), rel)) : file;
      if (!existsSync(path.join(ROOT, to))) broken.push(`${target}: no file ${to}`);
      else if (anchor && to.endsWith('.md') && !anchorsOf(to).has(anchor)) broken.push(`${target}: no heading #${anchor} in ${to}`);
    }
    expect(broken).toEqual([]);
  });
});

/**
 * Labels are kept exactly; the folder names derived from them (`synthetic/<label>/`) must never leave
 * the out folder, whatever the label.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { outLayout } from '../../src/out/layout.js';
import { safeSegment } from '../../src/util/safe-name.js';

const HOSTILE = [
  '..',
  '.',
  '...',
  '../../etc',
  '/etc/passwd',
  'a/b',
  'a\\b',
  'C:\\Windows',
  'nul\u0000byte',
  'new\nline',
  'tab\tand\u0001ctrl\u007f',
  '',
  '   ',
  ' lead and trail ',
  '.hidden',
  'x'.repeat(10_000),
  'ü'.repeat(200),
  '👟'.repeat(100),
  'a:b*c?d"e<f>g|h',
];

describe('safeSegment', () => {
  it.each(HOSTILE)('%j becomes one harmless path segment', (label) => {
    const seg = safeSegment(label);
    expect(seg).not.toMatch(/[/\\\u0000-\u001f\u007f]/);
    expect(seg).not.toMatch(/^\./);
    expect(seg.length).toBeGreaterThan(0);
    expect(Buffer.byteLength(seg)).toBeLessThanOrEqual(255);
    expect(path.basename(seg)).toBe(seg);
  });

  it.each(HOSTILE)('no synthetic file for %j lands outside <out>', (label) => {
    const out = path.resolve('/tmp/out');
    const file = outLayout(out).syntheticFile(label, 3, 0xdeadbeef);
    const rel = path.relative(out, file);
    expect(rel.startsWith('..') || path.isAbsolute(rel)).toBe(false);
    expect(rel.split(path.sep)).toHaveLength(3);
  });

  it('keeps ordinary labels, unicode and spaces included, unchanged', () => {
    for (const label of ['coat', 'ankle-boot', 'Épée ☂ class', 'T shirt', '日本語']) expect(safeSegment(label)).toBe(label);
  });

  it('keeps distinct labels distinct', () => {
    const labels = [...HOSTILE, 'a_b', 'new_line', '__', '_', 'x'.repeat(9_999)];
    const segs = labels.map(safeSegment);
    expect(new Set(segs).size).toBe(new Set(labels).size);
  });
});

/**
 * The manifest lines the README and docs show as examples are valid manifest lines: each one found in a
 * fenced block (a JSON object with "path", "label" and "source") parses with the manifest's own schema,
 * as a reader holding the README would expect. The README's example once lacked `weight` and `softLabel`,
 * which every manifest line carries, and nothing noticed.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseManifest } from '../../src/manifest/build.js';
import { ROOT } from '../helpers/tmp.js';

const FILES = ['README.md', ...readdirSync(path.join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

/** Lines of fenced code blocks that are whole JSON objects with the manifest's key fields (an excerpt, which elides fields with `,…,`, is not one). */
function manifestLines(file: string): string[] {
  const text = readFileSync(path.join(ROOT, file), 'utf8');
  const blocks = [...text.matchAll(/^```[^\n]*\n([^]*?)^```/gm)].map((m) => m[1]!);
  return blocks.flatMap((b) => b.split('\n')).filter((l) => /^\{"path":/.test(l.trim()) && l.includes('"label"') && l.includes('"source"') && !l.includes(',…,'));
}

describe('manifest examples in the documentation', () => {
  const found = FILES.map((f) => [f, manifestLines(f)] as const).filter(([, lines]) => lines.length > 0);

  it('the README shows at least one', () => {
    expect(found.map(([f]) => f)).toContain('README.md');
  });

  it.each(found)('%s: every example line parses with the manifest schema', (file, lines) => {
    for (const line of lines) expect(() => parseManifest(line, file), line).not.toThrow();
  });
});

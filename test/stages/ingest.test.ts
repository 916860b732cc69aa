/**
 * The hostile corpus through scan + decode (the library, in-process): every entry lands in exactly one
 * of ingested / ignored / rejected with the expected reason, nothing throws, the input is untouched.
 */
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { inspectFolder, type Accounted } from '../../src/stages/ingest.js';
import { scanFolder } from '../../src/dataset/scan.js';
import { tempDir } from '../helpers/tmp.js';
import { hashTree } from '../helpers/tree.js';
import { buildHostileCorpus, EMPTY_CLASS, UNICODE_CLASS, type Expected } from '../dataset/hostile.js';
import { asRun } from '../helpers/config.js';

const configFor = (input: string, out: string, set: string[] = []): Config =>
  asRun(parseConfigText(`input: ${JSON.stringify(input)}\nout: ${JSON.stringify(out)}\n`, '(test)', { set }).config);

describe('ingest of the hostile corpus', () => {
  let dir: string;
  let input: string;
  let expected: Expected[];
  let before: string;
  let result: Accounted;

  beforeAll(async () => {
    dir = await tempDir();
    ({ input, expected } = await buildHostileCorpus(dir, { fifo: true }));
    before = await hashTree(dir);
    result = await inspectFolder(configFor(input, path.join(dir, 'out')));
  });

  it('accounts for every entry exactly once', () => {
    const paths = result.records.map((r) => r.path);
    expect(new Set(paths).size).toBe(paths.length);
    expect([...paths].sort()).toEqual(expected.map((e) => e.path).sort());
    expect(result.counts.found).toBe(expected.length);
    expect(result.counts.ingested + result.counts.ignored + result.counts.rejected).toBe(result.counts.found);
  });

  it.each([0])('gives each entry its expected status and reason', () => {
    const byPath = new Map(result.records.map((r) => [r.path, r]));
    const wrong: string[] = [];
    for (const e of expected) {
      const r = byPath.get(e.path);
      if (!r) wrong.push(`${e.path}: missing`);
      else if (r.status !== e.status) wrong.push(`${e.path}: ${r.status} (${r.reason}), expected ${e.status}`);
      else if (e.reason && !e.reason.test(r.reason ?? '')) wrong.push(`${e.path}: reason "${r.reason}" does not match ${e.reason}`);
      else if (e.status === 'ingested' && r.reason !== null) wrong.push(`${e.path}: ingested with a reason`);
    }
    expect(wrong).toEqual([]);
  });

  it('keeps class names exactly and reports the empty class', () => {
    expect(result.plan.classes.map((c) => c.label)).toEqual(['dresses', EMPTY_CLASS, 'shirts', UNICODE_CLASS]);
    expect(result.scan.emptyClasses).toEqual([EMPTY_CLASS]);
    expect(result.plan.classes.find((c) => c.label === 'dresses')!.count).toBe(3);
    expect(result.records.find((r) => r.path.startsWith(UNICODE_CLASS))!.label).toBe(UNICODE_CLASS);
  });

  it('labels every file with its first-level folder, root entries with null', () => {
    for (const r of result.records) {
      const first = r.path.split('/')[0]!;
      if (r.path.includes('/') && !r.path.endsWith('/')) expect(r.label).toBe(first);
      if (!r.path.slice(0, -1).includes('/')) expect([null, first]).toContain(r.label);
    }
    expect(result.records.find((r) => r.path === 'stray.png')!.label).toBeNull();
  });

  it('never modifies the input tree', async () => {
    expect(await hashTree(dir)).toBe(before);
  });

  it('with scan.recursive false, reports nested folders instead of searching them', async () => {
    const flat = await scanFolder(input, { recursive: false });
    expect(flat.classes.find((c) => c.label === 'shirts')!.files).not.toContain('shirts/nested/deeper/n1.png');
    expect(flat.ignored).toContainEqual({ path: 'shirts/nested/', label: 'shirts', status: 'ignored', reason: 'nested folder not searched (scan.recursive is false)' });
    expect(flat.ignored.find((r) => r.path === 'dresses/more/')?.reason).toMatch(/not searched/);
  });

  it.skipIf(process.getuid?.() === 0)('rejects an unreadable folder with the reason, and goes on', async () => {
    const { chmod, mkdir } = await import('node:fs/promises');
    const d = await tempDir();
    await mkdir(path.join(d, 'a', 'locked'), { recursive: true });
    await chmod(path.join(d, 'a', 'locked'), 0);
    const r = await scanFolder(d);
    await chmod(path.join(d, 'a', 'locked'), 0o755);
    expect(r.rejected).toEqual([{ path: 'a/locked/', label: 'a', status: 'rejected', reason: 'folder cannot be read: EACCES' }]);
  });
});

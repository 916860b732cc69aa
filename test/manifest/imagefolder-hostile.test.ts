/**
 * The imagefolder layout over real files with hostile names and relative symlinks: every placed file
 * must open (no dangling links), keep its image extension last, and read back as the bytes hashed.
 */
import { createHash } from 'node:crypto';
import { copyFile, lstat, mkdir, readdir, readFile, stat, symlink } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { realEntry, type ManifestEntry } from '../../src/manifest/build.js';
import { imagefolderLayout } from '../../src/manifest/imagefolder.js';
import { writeManifestFiles } from '../../src/manifest/write.js';
import { safeFileName, safeSegment } from '../../src/util/safe-name.js';
import { FIXTURE, tempDir } from '../helpers/tmp.js';
import { hashTree } from '../helpers/tree.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('safeFileName', () => {
  it.each([
    ['back\\slash.png', /^back_slash-[0-9a-f]{8}\.png$/],
    ['new\nline.JPEG', /^new_line-[0-9a-f]{8}\.JPEG$/],
    ['.hidden.png', /^_hidden-[0-9a-f]{8}\.png$/],
    [`${'ü'.repeat(200)}.webp`, /-[0-9a-f]{8}\.webp$/],
    ['ok name.png', /^ok name\.png$/],
    ['no-extension\\x', /^no-extension_x-[0-9a-f]{8}$/],
  ])('%j keeps its extension last', (name, want) => {
    const safe = safeFileName(name);
    expect(safe).toMatch(want);
    expect(safe).not.toMatch(/[/\\\u0000-\u001f]/);
    expect(Buffer.byteLength(safe)).toBeLessThanOrEqual(129);
  });

  it('keeps names apart that sanitise alike, and agrees with safeSegment on the hash', () => {
    expect(safeFileName('a\\b.png')).not.toBe(safeFileName('a:b.png'));
    expect(safeFileName('back\\slash.png').slice(-12, -4)).toBe(safeSegment('back\\slash.png').slice(-8));
  });
});

describe('imagefolder with hostile names and relative symlinks (real files)', () => {
  it.each(['hardlink', 'copy', 'symlink'] as const)('%s: every file opens, as an image by its extension, with the hashed bytes', async (mode) => {
    const root = await tempDir();
    const input = path.join(root, 'in');
    await mkdir(path.join(input, 'beta'), { recursive: true });
    const src = path.join(FIXTURE, 'coat', 'coat-0000.png');
    await copyFile(src, path.join(input, 'beta', 'back\\slash.png'));
    await copyFile(src, path.join(input, 'beta', 'c1.png'));
    await symlink('c1.png', path.join(input, 'beta', 'rel-link.png'));
    const bytes = await readFile(src);
    const entries: ManifestEntry[] = ['back\\slash.png', 'c1.png', 'rel-link.png'].map((f) => realEntry(`../in/beta/${f}`, 'beta', sha(bytes)));
    const out = path.join(root, 'out');
    await mkdir(out);
    const before = await hashTree(input);
    await writeManifestFiles(out, entries, { csv: true, imagefolder: mode, input });
    expect(await hashTree(input)).toBe(before);

    const dir = path.join(out, 'imagefolder', 'train', 'beta', 'real');
    const names = (await readdir(dir)).sort();
    expect(names).toEqual([expect.stringMatching(/^back_slash-[0-9a-f]{8}\.png$/), 'c1.png', 'rel-link.png']);
    expect(imagefolderLayout(entries, '../in').files.map((f) => path.posix.basename(f.to)).sort()).toEqual(names);
    for (const n of names) {
      expect((await stat(path.join(dir, n))).isFile(), n).toBe(true);
      expect(sha(await readFile(path.join(dir, n)))).toBe(sha(bytes));
    }
    if (mode !== 'symlink') expect((await lstat(path.join(dir, 'rel-link.png'))).isSymbolicLink()).toBe(false);
  });
});

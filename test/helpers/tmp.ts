import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect } from 'vitest';

const made: string[] = [];

/** A fresh temp folder, removed when the test file is done. */
export async function tempDir(prefix = 'gan-augment-'): Promise<string> {
  const file = expect.getState().testPath;
  const dir = await mkdtemp(path.join(os.tmpdir(), `${prefix}${file ? path.basename(file, '.test.ts') + '-' : ''}`));
  made.push(dir);
  return dir;
}

afterAll(async () => {
  await Promise.all(made.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

export const ROOT = path.resolve(import.meta.dirname, '../..');
export const FIXTURE = path.join(ROOT, 'fixtures/fmnist-tiny');
export const CLI = path.join(ROOT, 'bin/gan-augment.js');

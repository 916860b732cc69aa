/**
 * What `run` refuses before it touches anything, in one place, so that `validate` reports exactly the
 * same problems with the same keyed messages: the input and out folders (out/folder.ts), and the files
 * and folders the config names.
 */
import { stat } from 'node:fs/promises';
import type { ParsedConfig } from '../config/schema.js';
import { UserError } from '../errors.js';
import { outFolderProblems } from '../out/guard.js';
import { lockProblem } from '../out/lock.js';

/** Every problem found, each prefixed by its key (`input: …`, `out: …`, `features.model: …`, `generate.from: …`). Reads the disk, writes nothing. */
export async function preflightProblems(config: ParsedConfig, options: { force: boolean }): Promise<string[]> {
  const problems = await folderProblems(config, options);
  const f = config.features;
  if (f.extractor !== 'classifier' && f.model !== null) {
    const st = await stat(f.model).catch(() => null);
    if (!st?.isFile()) problems.push(`features.model: ${f.model} ${st ? 'is not a file' : 'does not exist'} (expected the model.json of a tfjs ${f.extractor} model)`);
  }
  const from = config.generate.from;
  if (from !== null) {
    const st = await stat(from).catch(() => null);
    if (!st?.isDirectory()) problems.push(`generate.from: ${from} ${st ? 'is not a folder' : 'does not exist'} (expected a folder of candidate images, one sub-folder per scarce class)`);
  }
  return problems;
}

/** The input and out folders' problems alone: what `validate` can still check when the rest of the config is invalid. */
export async function folderProblems(folders: { input: string; out: string }, options: { force: boolean }): Promise<string[]> {
  const problems = await outFolderProblems(folders.out, { force: options.force, input: folders.input, inputMustExist: true });
  const locked = await lockProblem(folders.out);
  if (locked) problems.push(locked);
  return problems;
}

/**
 * @throws {UserError} listing every problem {@link preflightProblems} finds
 */
export async function preflight(config: ParsedConfig, options: { force: boolean }): Promise<void> {
  const problems = await preflightProblems(config, options);
  if (problems.length > 0) throw new UserError(problems.length === 1 ? problems[0]! : `${problems.length} problems with the input and out folders`, problems.length === 1 ? [] : problems);
}

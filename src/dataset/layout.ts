/**
 * Folder layouts that scan reads without an error but that are almost surely not what the user meant: a
 * single class (nothing to balance), or class folders named like dataset splits that hold class folders of
 * their own (`data/` given where `data/train/` was meant: two classes, "train" and "test"). Pure.
 */
import path from 'node:path';
import type { ScanResult } from './scan.js';

/** Folder names that mean a split of a dataset, not a class (compared case-insensitively). */
const SPLIT_NAMES = new Set(['train', 'training', 'test', 'testing', 'val', 'valid', 'validation', 'dev', 'eval', 'holdout']);

/** The sub-folders (first level below the class folder) that hold a class's images, sorted. */
function subFolders(files: readonly string[]): string[] {
  const names = new Set<string>();
  for (const f of files) {
    const parts = f.split('/');
    if (parts.length >= 3) names.add(parts[1]!);
  }
  return [...names].sort();
}

const list = (xs: readonly string[], n = 4) => `${xs.slice(0, n).map((x) => `"${x}"`).join(', ')}${xs.length > n ? `, … (${xs.length})` : ''}`;

/** Warnings for the layout of a scanned folder; none for one sub-folder per class. */
export function layoutWarnings(scan: Pick<ScanResult, 'root' | 'classes'>): string[] {
  const classes = scan.classes.filter((c) => c.files.length > 0);
  const out: string[] = [];
  const splits = classes.filter((c) => SPLIT_NAMES.has(c.label.toLowerCase()) && subFolders(c.files).length >= 2);
  if (splits.length > 0) {
    // Suggest the training split where there is one: that is what a run learns from.
    const first = splits.find((c) => /^train/i.test(c.label)) ?? splits[0]!;
    const one = splits.length === 1;
    out.push(
      `class folder${one ? '' : 's'} ${list(splits.map((c) => c.label))} look${one ? 's' : ''} like ${one ? 'a dataset split' : 'dataset splits'} holding class folders (${list(subFolders(first.files).map((s) => `${first.label}/${s}`), 3)}), not like ${one ? 'a class' : 'classes'}: point the input at one split, e.g. ${path.join(scan.root, first.label)}`,
    );
  } else if (classes.length === 1) {
    const only = classes[0]!;
    const subs = subFolders(only.files);
    out.push(
      `only one class ("${only.label}"): there is nothing to balance, and a run adds no image; the input needs one sub-folder per class${subs.length >= 2 ? `. Its images lie in ${subs.length} sub-folders (${list(subs)}): if those are the classes, point the input at ${path.join(scan.root, only.label)}` : ''}`,
    );
  }
  return out;
}

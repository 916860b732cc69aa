/**
 * Files of the input folder with the same bytes: a copy inside one class counts twice in the balance (the
 * held-out splits keep copies on one side: dataset/twins.ts); the same image under two labels means one label is wrong.
 * Pure: the hashes are the ones decode computed of every file's bytes.
 */

export interface DuplicateGroup {
  /** Relative paths (sorted) and the label each is filed under. */
  files: { path: string; label: string }[];
}

export interface Duplicates {
  /** Groups whose files all carry one label. */
  withinClass: DuplicateGroup[];
  /** Groups filed under two or more labels: at least one of the labels is wrong. */
  acrossClasses: DuplicateGroup[];
  /** Files beyond the first of each group: how many images the folder counts twice. */
  copies: number;
}

/** Groups `files` by `hash`; only groups of two or more, ordered by their first path. */
export function findDuplicates(files: readonly { path: string; label: string; hash: string }[]): Duplicates {
  const byHash = new Map<string, { path: string; label: string }[]>();
  for (const f of files) {
    if (!f.hash) continue;
    const group = byHash.get(f.hash);
    if (group) group.push({ path: f.path, label: f.label });
    else byHash.set(f.hash, [{ path: f.path, label: f.label }]);
  }
  const groups = [...byHash.values()]
    .filter((g) => g.length > 1)
    .map((g) => ({ files: g.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)) }))
    .sort((a, b) => (a.files[0]!.path < b.files[0]!.path ? -1 : 1));
  const mixed = (g: DuplicateGroup) => new Set(g.files.map((f) => f.label)).size > 1;
  return {
    withinClass: groups.filter((g) => !mixed(g)),
    acrossClasses: groups.filter(mixed),
    copies: groups.reduce((s, g) => s + g.files.length - 1, 0),
  };
}

/** One line per group: `a.png = b.png (= c.png)`, each path with its label where the labels differ. */
export function describeGroup(g: DuplicateGroup): string {
  const mixed = new Set(g.files.map((f) => f.label)).size > 1;
  return g.files.map((f) => (mixed ? `${f.path} (${f.label})` : f.path)).join(' = ');
}

/**
 * What to say about files with the same bytes: each group filed under two labels (a label is wrong), then a
 * count of copies within classes with the first few; at most `listed` groups of each kind.
 */
export function duplicateLines(d: Duplicates, listed: number): { conflict: boolean; text: string }[] {
  const lines: { conflict: boolean; text: string }[] = [];
  for (const g of d.acrossClasses.slice(0, listed)) {
    lines.push({ conflict: true, text: `the same image under ${new Set(g.files.map((f) => f.label)).size} labels (same bytes): ${describeGroup(g)}; one of the labels is wrong: delete or move the wrong copy` });
  }
  if (d.acrossClasses.length > listed) lines.push({ conflict: true, text: `… and ${d.acrossClasses.length - listed} more images under two labels (see summary.json, or scan --json)` });
  if (d.withinClass.length > 0) {
    const copies = d.withinClass.reduce((s, g) => s + g.files.length - 1, 0);
    const n = Math.min(3, listed);
    const shown = d.withinClass.slice(0, n).map(describeGroup).join('; ');
    const more = d.withinClass.length > n ? `; … and ${d.withinClass.length - n} more groups (see summary.json, or scan --json)` : '';
    lines.push({ conflict: false, text: `${copies} file${copies === 1 ? ' is a copy' : 's are copies'} of another in ${copies === 1 ? 'its' : 'their'} class (same bytes), counted as separate images in the balance: ${shown}${more}` });
  }
  return lines;
}

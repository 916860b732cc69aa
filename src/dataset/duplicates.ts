/**
 * Files of the input folder with the same bytes: a copy inside one class counts twice in the balance and
 * can sit on both sides of the held-out split; the same image under two labels means one label is wrong.
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

/**
 * The nearest of a few known names to a misspelt one (config keys, class labels), for "did you mean" hints.
 * Pure; linear in the number of options.
 */

/**
 * The option nearest `word` by edit distance (case-insensitive; a swap of two neighbouring letters is one
 * edit), if near enough to be a typo of it: at most max(2, ⌊length / 3⌋) edits, and fewer than half the
 * shorter name's letters — "zz" is no typo of a class "a".
 */
export function closest(word: string, options: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const o of options) {
    const d = editDistance(word.toLowerCase(), o.toLowerCase());
    if (d < bestD) [best, bestD] = [o, d];
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(word.length / 3)) && bestD < Math.min(word.length, best.length) / 2 ? best : undefined;
}

/**
 * When one option is near `word`: `; did you mean "shirt"?` (a clause, after one name), or with `aside`
 * ` (did you mean "shirt"?)`, after each name of a list. Else ''.
 */
export function didYouMean(word: string, options: readonly string[], style: 'clause' | 'aside' = 'clause'): string {
  const hint = closest(word, options);
  if (!hint) return '';
  return style === 'aside' ? ` (did you mean "${hint}"?)` : `; did you mean "${hint}"?`;
}

/** Optimal-string-alignment distance: insertions, deletions, substitutions and neighbour swaps. */
function editDistance(a: string, b: string): number {
  let before = new Array<number>(b.length + 1).fill(0);
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      let d = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, before[j - 2]! + 1);
      row.push(d);
    }
    [before, prev] = [prev, row];
  }
  return prev[b.length]!;
}

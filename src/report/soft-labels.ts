/**
 * What soft labels make of the synthetic images a manifest delivers (`deliver.labels: soft`): per class,
 * how much the images weigh in a weighted loss against how many there are, and how many the teacher puts
 * mostly in another class. The balance table counts images; a training that follows the manifest's
 * `weight` and `softLabel` gets less of the class than that count says. Pure.
 */
import type { ManifestEntry } from '../manifest/build.js';

export interface SoftDelivery {
  label: string;
  /** Synthetic images of the class with a soft label. */
  images: number;
  /** The sum of their `weight`s. */
  weight: number;
  /** How many of them the soft label puts mostly in another class … */
  elsewhere: number;
  /** … and which, most first. */
  to: [string, number][];
}

export function softDelivery(entries: readonly ManifestEntry[]): SoftDelivery[] {
  const by = new Map<string, SoftDelivery & { counts: Map<string, number> }>();
  for (const e of entries) {
    if (e.source !== 'synthetic' || !e.softLabel) continue;
    const d = by.get(e.label) ?? { label: e.label, images: 0, weight: 0, elsewhere: 0, to: [], counts: new Map<string, number>() };
    d.images++;
    d.weight += e.weight;
    let top = e.label;
    for (const [k, p] of Object.entries(e.softLabel)) if (p > (e.softLabel[top] ?? 0)) top = k;
    if (top !== e.label) {
      d.elsewhere++;
      d.counts.set(top, (d.counts.get(top) ?? 0) + 1);
    }
    by.set(e.label, d);
  }
  return [...by.values()].map(({ counts, ...d }) => ({ ...d, to: [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])) }));
}

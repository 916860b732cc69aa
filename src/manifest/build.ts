/**
 * The augmented dataset manifest: one entry per real and per synthetic image. Pure; see `write.ts`.
 */

export interface ManifestEntry {
  /** Path of the image relative to the manifest's folder, with forward slashes. */
  path: string;
  /** Class label, exactly as the class folder is named. */
  label: string;
  source: 'real' | 'synthetic';
  /** Discriminator logit for a synthetic image (higher = judged more real); null for real images. */
  score: number | null;
  /** Seed of a synthetic image's latent vector (reproduces it); null for real images. */
  seed: number | null;
}

export interface ClassCounts {
  label: string;
  /** Real images before augmentation. */
  before: number;
  target: number;
  deficit: number;
  synthetic: number;
  after: number;
}

/** Per-class counts from the entries, in the order of `labels`. */
export function countClasses(entries: ManifestEntry[], plan: { label: string; target: number; deficit: number }[]): ClassCounts[] {
  return plan.map((c) => {
    const before = entries.filter((e) => e.label === c.label && e.source === 'real').length;
    const synthetic = entries.filter((e) => e.label === c.label && e.source === 'synthetic').length;
    return { label: c.label, before, target: c.target, deficit: c.deficit, synthetic, after: before + synthetic };
  });
}

/** One JSON object per line, real images first (in scan order), then synthetic ones. */
export function toJsonl(entries: ManifestEntry[]): string {
  return entries.map((e) => JSON.stringify(e)).join('\n') + (entries.length ? '\n' : '');
}

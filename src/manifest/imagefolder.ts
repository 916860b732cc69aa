/**
 * The `imagefolder` layout of a manifest: where each image goes, and the `metadata.jsonl` that names it.
 * Pure; `write.ts` places the files.
 *
 *   imagefolder/
 *     train/
 *       metadata.jsonl                 {"file_name": "coat/real/coat-0001.png", "label": "coat", "source": "real"}
 *       <class>/real/<path inside the input's class folder>
 *       <class>/synthetic/<rank>-<seed>.png
 *       <class>/oversampled/<n>-<file name>        (a real image listed again: deliver.share, filter.shortfall, guard fallback)
 *
 * Both readers take it unchanged: Hugging Face `load_dataset("imagefolder", data_dir="<out>/imagefolder")`
 * finds the "train" split from the folder name and, because a metadata file is present, takes `label` and
 * `source` from it (every image under train/ is listed, as it requires); torchvision's
 * `ImageFolder("<out>/imagefolder/train")` takes the first-level folders as classes (sorted) and walks
 * below them, ignoring the metadata file. `real/`, `synthetic/` and `oversampled/` keep the kinds apart so
 * their names can never collide, and let a user drop the synthetic ones with a glob. An oversampled
 * entry repeats a real image, so its name carries a per-class counter: each repetition is its own file.
 * A file name that had to be made safe (`back\slash.png`) keeps its extension last (`back_slash-5be413d8.png`),
 * so both readers still take it for an image.
 */
import path from 'node:path';
import { safeFileName, safeSegment } from '../util/safe-name.js';
import type { ManifestEntry } from './build.js';

/** @deprecated the folder's name comes from out/layout.ts (OUT_NAMES.imagefolder). */
export const IMAGEFOLDER_DIR = 'imagefolder';
export const IMAGEFOLDER_SPLIT = 'train';

export interface LayoutFile {
  /** The image, relative to the manifest's folder (the entry's `path`). */
  from: string;
  /** Where it goes, relative to the layout's split folder (`imagefolder/train/`); also its `file_name`. */
  to: string;
}

export interface ImagefolderLayout {
  files: LayoutFile[];
  /** `metadata.jsonl` of the split folder. */
  metadata: string;
}

/** Inserts `-suffix` before the extension. */
function withSuffix(p: string, suffix: string): string {
  const ext = path.posix.extname(p);
  return `${p.slice(0, p.length - ext.length)}-${suffix}${ext}`;
}

/**
 * Plans the layout of `entries`.
 * @param inputRel the input folder relative to the manifest's folder (forward slashes); a real image keeps
 *   its path below its class folder. A real image outside it keeps only its file name.
 */
export function imagefolderLayout(entries: readonly ManifestEntry[], inputRel: string): ImagefolderLayout {
  const used = new Set<string>();
  const repeats = new Map<string, number>();
  const files: LayoutFile[] = [];
  const lines: string[] = [];
  for (const e of entries) {
    const cls = safeSegment(e.label);
    let inner: string;
    if (e.source === 'real') {
      const rel = path.posix.relative(path.posix.join(inputRel, e.label), e.path);
      inner = rel === '' || rel.startsWith('..') || path.posix.isAbsolute(rel) ? path.posix.basename(e.path) : rel;
      const parts = inner.split('/');
      inner = [...parts.slice(0, -1).map(safeSegment), safeFileName(parts.at(-1)!)].join('/');
    } else if (e.source === 'oversampled') {
      const n = repeats.get(cls) ?? 0;
      repeats.set(cls, n + 1);
      inner = `${String(n).padStart(5, '0')}-${safeFileName(path.posix.basename(e.path))}`;
    } else {
      inner = safeFileName(path.posix.basename(e.path));
    }
    let to = `${cls}/${e.source}/${inner}`;
    // Only hostile names can collide here (two labels made safe alike are already kept apart by a hash).
    if (used.has(to)) to = withSuffix(to, e.sha256.slice(0, 12));
    used.add(to);
    files.push({ from: e.path, to });
    lines.push(JSON.stringify({ file_name: to, label: e.label, source: e.source }));
  }
  return { files, metadata: lines.join('\n') + (lines.length ? '\n' : '') };
}

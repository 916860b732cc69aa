import { createHash } from 'node:crypto';

const MAX_BYTES = 120;
/** An extension worth keeping last: a dot and 1–8 letters or digits (`.png`, `.JPEG`, `.tiff`). */
const EXTENSION = /\.[A-Za-z0-9]{1,8}$/;

const shortHash = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 8);

/** Replaces what cannot stand in one path segment; cuts to `maxBytes`. Never empty. */
function clean(s: string, maxBytes: number): string {
  let out = s
    .normalize('NFC')
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f/\\:*?"<>|]/g, '_')
    .replace(/^\.+/, (m) => '_'.repeat(m.length))
    .trim();
  if (out.length === 0) out = '_';
  while (Buffer.byteLength(out) > maxBytes) out = out.slice(0, -1);
  return out;
}

/**
 * Turns a class label into one safe path segment. Labels are kept exactly in manifests; only the folder
 * names derived from them pass through here, so that no label (`..`, `a/b`, control characters, a
 * 10 kB name) can write outside the output folder. Distinct labels stay distinct: whenever the
 * label had to be changed, a short hash of the original is appended.
 */
export function safeSegment(label: string): string {
  const s = clean(label, MAX_BYTES);
  return s === label ? s : `${s}-${shortHash(label)}`;
}

/**
 * Like {@link safeSegment} for a file name, but the hash goes before the extension, so the extension stays
 * last (`back\slash.png` → `back_slash-5be413d8.png`): readers that pick images by extension (torchvision's
 * `ImageFolder`, Hugging Face `imagefolder`) still see an image.
 */
export function safeFileName(name: string): string {
  const ext = EXTENSION.exec(name)?.[0] ?? '';
  const stem = name.slice(0, name.length - ext.length);
  if (ext === '' || stem === '') return safeSegment(name);
  const s = clean(stem, MAX_BYTES - ext.length);
  return s === stem ? name : `${s}-${shortHash(name)}${ext}`;
}

import { createHash } from 'node:crypto';

const MAX_BYTES = 120;

/**
 * Turns a class label into one safe path segment. Labels are kept exactly in manifests; only the folder
 * names derived from them pass through here, so that no label (`..`, `a/b`, control characters, a
 * 10 kB name) can write outside the output folder. Distinct labels stay distinct: whenever the
 * label had to be changed, a short hash of the original is appended.
 */
export function safeSegment(label: string): string {
  let s = label
    .normalize('NFC')
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f/\\:*?"<>|]/g, '_')
    .replace(/^\.+/, (m) => '_'.repeat(m.length))
    .trim();
  if (s.length === 0) s = '_';
  if (Buffer.byteLength(s) > MAX_BYTES) {
    while (Buffer.byteLength(s) > MAX_BYTES) s = s.slice(0, -1);
  }
  if (s !== label) s = `${s}-${createHash('sha256').update(label).digest('hex').slice(0, 8)}`;
  return s;
}

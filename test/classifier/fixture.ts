/**
 * The bundled fmnist-tiny fixture decoded straight with sharp (28×28 grayscale PNGs), independent of the
 * pipeline's decode stage, as LabelledImages.
 */
import path from 'node:path';
import fg from 'fast-glob';
import sharp from 'sharp';
import type { LabelledImages } from '../../src/dataset/sampler.js';
import { FIXTURE } from '../helpers/tmp.js';

export interface Fixture {
  labels: string[];
  files: string[];
  data: LabelledImages;
}

export async function loadFixture(root = FIXTURE): Promise<Fixture> {
  const labels = (await fg('*', { cwd: root, onlyDirectories: true })).sort();
  const files: string[] = [];
  const classOf: number[] = [];
  for (const [ci, label] of labels.entries()) {
    for (const f of (await fg('*.png', { cwd: path.join(root, label) })).sort()) {
      files.push(`${label}/${f}`);
      classOf.push(ci);
    }
  }
  const per = 28 * 28;
  const pixels = new Uint8Array(files.length * per);
  await Promise.all(
    files.map(async (f, i) => {
      const raw = await sharp(path.join(root, f)).greyscale().resize(28, 28).raw().toBuffer();
      pixels.set(raw, i * per);
    }),
  );
  return { labels, files, data: { pixels, count: files.length, size: 28, channels: 1, labels: Int32Array.from(classOf), numClasses: labels.length } };
}

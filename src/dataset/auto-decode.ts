/**
 * `decode.size: auto` and `decode.channels: auto` (the defaults): the size and colour images are decoded
 * to, guessed from a sample of the scanned images, so a folder of RGB photos is learned in colour and a
 * folder of 28 px grayscale garments at 28 px, without a setting. `gan-augment init` writes the same
 * guesses into a starter config. The rules are pure; `measureImages` is the only I/O (image headers and
 * a 32 px thumbnail each).
 */
import path from 'node:path';
import sharp from 'sharp';
import { AUTO_DECODE } from '../config/defaults.js';
import type { Config, ParsedConfig } from '../config/schema.js';
import type { ScanResult } from './scan.js';

/** What a sample of images says: how many were read, their median shorter side, and how many have colour. */
export interface ImageFacts {
  sampled: number;
  /** Median of the sampled images' shorter sides, in pixels; null when none could be read. */
  medianSide: number | null;
  colour: number;
  gray: number;
}

/**
 * The decode size for images whose shorter side is `side` px: a multiple of 4, at least
 * `AUTO_DECODE.minSize` (smaller images are upscaled), at most `max`.
 */
export function guessSize(side: number | null, max: number = AUTO_DECODE.maxSize): number {
  if (side === null) return Math.min(AUTO_DECODE.fallbackSize, max);
  const size = side >= 64 ? 64 : side > 32 ? 32 : Math.max(AUTO_DECODE.minSize, Math.round(side / 4) * 4);
  return Math.min(size, max);
}

/** 3 (RGB) when at least `AUTO_DECODE.colourShare` of the sampled images have colour, else 1 (grayscale). */
export function guessChannels(colour: number, gray: number): 1 | 3 {
  return colour > 0 && colour >= AUTO_DECODE.colourShare * (colour + gray) ? 3 : 1;
}

/** Up to `n` files of a scan, spread evenly over its classes (every class's share taken evenly from its list). */
export function sampleScan(scan: ScanResult, n: number = AUTO_DECODE.sample): string[] {
  const classes = scan.classes.filter((c) => c.files.length > 0);
  const per = Math.max(1, Math.ceil(n / Math.max(1, classes.length)));
  const picks = classes.flatMap((c) => {
    const step = Math.max(1, Math.floor(c.files.length / per));
    return c.files.filter((_, i) => i % step === 0).slice(0, per).map((f) => path.join(scan.root, f));
  });
  return picks.slice(0, n);
}

/** Whether an image has colour (its channels differ somewhere, on a 32 px thumbnail), and its shorter side; null when unreadable. */
async function measure(file: string): Promise<{ side: number; colour: boolean } | null> {
  try {
    const meta = await sharp(file, { failOn: 'none' }).metadata();
    const side = Math.min(meta.width ?? 0, meta.height ?? 0);
    if (!side) return null;
    if ((meta.channels ?? 1) < 3) return { side, colour: false };
    const { data, info } = await sharp(file, { failOn: 'none' }).removeAlpha().resize(32, 32, { fit: 'inside' }).raw().toBuffer({ resolveWithObject: true });
    if (info.channels < 3) return { side, colour: false };
    for (let i = 0; i + 2 < data.length; i += info.channels) {
      if (Math.abs(data[i]! - data[i + 1]!) > 3 || Math.abs(data[i]! - data[i + 2]!) > 3) return { side, colour: true };
    }
    return { side, colour: false };
  } catch {
    return null;
  }
}

/** Measures the given image files (an unreadable one is left out: decoding rejects it with its reason). */
export async function measureImages(files: readonly string[]): Promise<ImageFacts> {
  const measured = (await Promise.all(files.map(measure))).filter((m) => m !== null);
  const sides = measured.map((m) => m.side).sort((a, b) => a - b);
  return {
    sampled: measured.length,
    medianSide: sides.length ? sides[Math.floor(sides.length / 2)]! : null,
    colour: measured.filter((m) => m.colour).length,
    gray: measured.filter((m) => !m.colour).length,
  };
}

/**
 * `config` with each `auto` decode setting replaced by `guess`'s (settings given as numbers are kept):
 * for callers that know their images, and what `resolveDecode` ends with.
 */
export function withDecode(config: ParsedConfig, guess: { size: number; channels: 1 | 3 }): Config {
  const { size, channels } = config.decode;
  return { ...config, decode: { ...config.decode, size: size === 'auto' ? guess.size : size, channels: channels === 'auto' ? guess.channels : channels } };
}

export interface ResolvedDecode {
  config: Config;
  /** One line saying what `auto` became and why; null when neither setting was `auto`. */
  message: string | null;
}

/**
 * The config with `decode.size` / `decode.channels` `auto` replaced by what the scanned images say. A
 * config with both set is returned as it is (no image read).
 */
export async function resolveDecode(config: ParsedConfig, scan: ScanResult): Promise<ResolvedDecode> {
  const { size, channels } = config.decode;
  if (size !== 'auto' && channels !== 'auto') return { config: withDecode(config, { size, channels }), message: null };
  const facts = await measureImages(sampleScan(scan));
  const resolved = withDecode(config, { size: guessSize(facts.medianSide), channels: guessChannels(facts.colour, facts.gray) }).decode;
  const why: string[] = [];
  if (size === 'auto') {
    why.push(
      facts.medianSide === null
        ? `size ${resolved.size} (no sampled image could be read)`
        : `size ${resolved.size} (median shorter side ${facts.medianSide} px${resolved.size < facts.medianSide ? `; set decode.size for more detail — training time grows with its square` : ''})`,
    );
  }
  if (channels === 'auto') why.push(`${resolved.channels === 3 ? 'RGB' : 'grayscale'} (${facts.colour} of ${facts.sampled} have colour)`);
  return {
    config: { ...config, decode: resolved },
    message: `decode: auto → ${resolved.size}×${resolved.size} ${resolved.channels === 3 ? 'RGB' : 'grayscale'}, from ${facts.sampled} sampled images: ${why.join('; ')}`,
  };
}

/**
 * Scale-out: `run --shard i/n` trains and generates only its share of the scarce classes, so n machines
 * can split one job; `gan-augment merge` joins their out folders.
 *
 * Assignment: the scarce classes, sorted by label (UTF-16 code units, as the scan sorts folders), are
 * dealt round-robin — class k goes to shard k mod n. Every shard scans the same inputs with the same
 * config (merge refuses anything else), so every shard computes the same plan and the same deal, with
 * no coordination. Round-robin rather than a hash of the label: in `per-class` mode each class costs the
 * same `train.steps`, so dealing gives every shard ⌊k/n⌋ or ⌈k/n⌉ jobs, while a hash can leave one
 * shard with all of them; and since the inputs fingerprint covers every file, a new class retrains every
 * shard anyway, so the stability a hash would add buys nothing.
 *
 * Only `gan.mode: per-class` splits: a `shared` model is one GAN over all classes, which every shard
 * would have to train in full (n times the work for the same model), so `--shard` with n > 1 refuses it.
 */
import type { ParsedConfig } from '../config/schema.js';
import { UserError } from '../errors.js';

export interface ShardSpec {
  /** 0-based, like Kubernetes' JOB_COMPLETION_INDEX. */
  index: number;
  count: number;
}

/**
 * Parses `i/n` (0 ≤ i < n).
 * @throws {UserError} naming `--shard`, what was expected and what was received.
 */
export function parseShard(text: string): ShardSpec {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || count < 1 || index >= count) {
    throw new UserError(`--shard: expected i/n with 0 ≤ i < n (0-based, like JOB_COMPLETION_INDEX), e.g. 0/3; received "${text}"`);
  }
  return { index, count };
}

/** `i/n` as written on the command line. */
export const shardText = (s: ShardSpec): string => `${s.index}/${s.count}`;

/**
 * The labels shard `s` owns among `scarce` (every label when `s` is null). Pure.
 */
export function shardLabels(scarce: readonly string[], s: ShardSpec | null): string[] {
  if (!s) return [...scarce];
  const sorted = [...scarce].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return sorted.filter((_, k) => k % s.count === s.index);
}

/** The scarce classes this shard trains and generates, in their original order. */
export function selectShard<T extends { label: string }>(scarce: readonly T[], s: ShardSpec | null): T[] {
  const mine = new Set(shardLabels(scarce.map((c) => c.label), s));
  return scarce.filter((c) => mine.has(c.label));
}

/**
 * @throws {UserError} when sharding cannot split this config's work (see the module comment).
 */
export function checkShardable(config: ParsedConfig, s: ShardSpec | null): void {
  if (s && s.count > 1 && config.generate.from !== null) {
    throw new UserError(`--shard ${shardText(s)}: shards split GAN training between machines, and generate.from trains none (its candidates come from ${config.generate.from}); run without --shard`);
  }
  if (s && s.count > 1 && config.gan.mode !== 'per-class') {
    throw new UserError(
      `--shard ${shardText(s)}: shards split per-class GAN jobs between machines, but gan.mode is "${config.gan.mode}": ` +
        `every shard would train the same shared model in full. Use --set gan.mode=per-class, or run without --shard`,
    );
  }
}

/**
 * The filter registry: one row per filter the config's `filter.order` may name. The config's step names
 * (the schema's enum), the reject reasons (the summary's rejection counts) and the wiring
 * (`stages/filter.ts`) are all derived from this table.
 *
 * Adding a filter: write `filter/<name>.ts` exporting a {@link FilterDef} — its reasons, whether it needs
 * the feature classifier, and `prepare`, which scores the candidates from the {@link FilterContext} and
 * returns the step that decides — then add one row here. Its name is then valid in `filter.order`, its
 * reasons are counted, and its scores land in the manifest's `scores`.
 */
import { coverageFilter } from './coverage.js';
import { discriminatorFilter } from './discriminator-score.js';
import { labelFilter } from './label-consistency.js';
import { nearCopyFilter } from './near-copy.js';
import type { FilterDef } from './types.js';
import { usefulnessFilter } from './usefulness.js';

export const FILTERS = {
  'near-copy': nearCopyFilter,
  label: labelFilter,
  discriminator: discriminatorFilter,
  usefulness: usefulnessFilter,
  coverage: coverageFilter,
} as const satisfies Record<string, FilterDef>;

/** A name `filter.order` may hold. */
export type FilterName = keyof typeof FILTERS;

/** The names `filter.order` accepts, in the registry's order. */
export const FILTER_STEPS = Object.keys(FILTERS) as [FilterName, ...FilterName[]];

/** Why a candidate was not shipped: a reason some filter declares, or `surplus` (passed every filter, target already filled). */
export type RejectReason = (typeof FILTERS)[FilterName]['reasons'][number] | 'surplus';

/** Every reject reason, sorted, then `surplus`: the keys of `summary.json`'s rejection counts. */
export const REJECT_REASONS: readonly RejectReason[] = [...[...new Set(Object.values(FILTERS).flatMap((f): readonly string[] => f.reasons))].sort(), 'surplus'] as RejectReason[];

/** Reasons that are a ranking's cut by design (each filter's `cuts`, and `surplus`), not a judgement of quality. */
export const RANKING_CUTS: ReadonlySet<string> = new Set([...Object.values(FILTERS).flatMap((f: FilterDef): readonly string[] => f.cuts ?? []), 'surplus']);

/** A registry: {@link FILTERS}, or (in tests) FILTERS with a row added. */
export type FilterRegistry = Readonly<Record<string, FilterDef>>;

/** Reject reasons of a registry (for one with rows added). */
export function reasonsOf(registry: FilterRegistry): string[] {
  return [...[...new Set(Object.values(registry).flatMap((f) => f.reasons))].sort(), 'surplus'];
}

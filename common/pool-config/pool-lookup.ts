// Which pool holds an address, and which has a name, without scanning every pool: with 40k pools a
// scan per Service (the speaker's plan, the stranded-address check) takes seconds. The index is
// built once per pools array, which never changes (configs are frozen), and is held weakly.

import type { IP } from '../ip-address.ts';
import { type AddressRange, compareRanges } from './address-range.ts';

interface NamedPool {
  readonly name: string;
  readonly ranges: readonly AddressRange[];
}

interface PoolIndex<P> {
  readonly byName: Map<string, P>;
  /** Every range in address order; undefined when two overlap (only an invalid config has that). */
  readonly sorted: readonly { readonly range: AddressRange; readonly pool: P }[] | undefined;
}

const indexes = new WeakMap<readonly NamedPool[], PoolIndex<NamedPool>>();

function buildIndex<P extends NamedPool>(pools: readonly P[]): PoolIndex<P> {
  const byName = new Map<string, P>();
  for (const pool of pools) if (!byName.has(pool.name)) byName.set(pool.name, pool);
  const sorted = pools
    .flatMap((pool) => pool.ranges.map((range) => ({ range, pool })))
    .sort((a, b) => compareRanges(a.range, b.range));
  const overlapping = sorted.some(
    ({ range }, i) =>
      i > 0 && sorted[i - 1]!.range.family === range.family && range.first <= sorted[i - 1]!.range.last,
  );
  return { byName, sorted: overlapping ? undefined : sorted };
}

function indexOf<P extends NamedPool>(pools: readonly P[]): PoolIndex<P> {
  let index = indexes.get(pools) as PoolIndex<P> | undefined;
  if (!index) {
    index = buildIndex(pools);
    indexes.set(pools, index as PoolIndex<NamedPool>);
  }
  return index;
}

const holds = (range: AddressRange, ip: IP) =>
  range.family === ip.family && range.first <= ip.value && ip.value <= range.last;

/** The first of `pools` one of whose ranges holds `ip`: which pool an address belongs to. */
export function poolHolding<P extends NamedPool>(pools: readonly P[], ip: IP): P | undefined {
  const { sorted } = indexOf(pools);
  if (!sorted) return pools.find((p) => p.ranges.some((r) => holds(r, ip)));
  // The last range starting at or before ip is the only one that can hold it.
  let low = 0;
  let high = sorted.length - 1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    const { range } = sorted[middle]!;
    const before = range.family < ip.family || (range.family === ip.family && range.first <= ip.value);
    if (before) low = middle + 1;
    else high = middle - 1;
  }
  const candidate = sorted[high];
  return candidate && holds(candidate.range, ip) ? candidate.pool : undefined;
}

/**
 * Every range of `pools` in address order with its pool, or undefined when two overlap. Shared
 * with the allocator, which would otherwise sort 40k ranges again in the same task it applies them.
 */
export function rangesInOrder<P extends NamedPool>(
  pools: readonly P[],
): readonly { readonly range: AddressRange; readonly pool: P }[] | undefined {
  return indexOf(pools).sorted;
}

/** The first of `pools` with this name. */
export function poolNamed<P extends NamedPool>(pools: readonly P[], name: string): P | undefined {
  return indexOf(pools).byName.get(name);
}

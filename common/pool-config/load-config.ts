// Merges the legacy ConfigMap and the custom resources into one PoolConfig, or reports every
// problem at once. The caller keeps its last good config when this says ok: false, so a bad edit
// never takes addresses away from running Services.

import { matchesLabels } from '../label-selector.ts';
import { compareRanges, formatRange } from './address-range.ts';
import { type ConfigMapInput, readConfigMap } from './configmap-source.ts';
import { type ConfigObject, type L2AdvertisementDraft, readConfigObjects } from './crd-source.ts';
import {
  type L2Advertisement,
  legacyAdvertisementName,
  type Pool,
  type PoolConfig,
  type PoolRange,
} from './model.ts';
import { type ConfigProblem, ProblemCollector } from './problems.ts';

export interface ConfigInputs {
  readonly configMap?: ConfigMapInput;
  /** IPAddressPool and L2Advertisement objects (other metallb.io kinds are warned about). */
  readonly objects?: readonly ConfigObject[];
}

export type LoadResult =
  | { readonly ok: true; readonly config: PoolConfig; readonly warnings: readonly ConfigProblem[] }
  | { readonly ok: false; readonly problems: readonly ConfigProblem[] };

function nameField(pool: Pool): string {
  return pool.kind === 'IPAddressPool' ? 'metadata.name' : 'name';
}

function checkDuplicateNames(pools: readonly Pool[], problems: ConfigProblem[]): void {
  const seen = new Map<string, Pool>();
  for (const pool of pools) {
    const first = seen.get(pool.name);
    if (first === undefined) {
      seen.set(pool.name, pool);
      continue;
    }
    const collector = new ProblemCollector(pool.source, problems);
    collector.pool = pool.name;
    collector.error(nameField(pool), pool.name, `pool name already used by ${first.source}`);
  }
}

/** Every range overlapping an earlier one (in address order), within a pool or across pools. */
function checkOverlaps(pools: readonly Pool[], problems: ConfigProblem[]): void {
  const owned = pools
    .flatMap((pool) => pool.ranges.map((range) => ({ pool, range })))
    .sort((a, b) => compareRanges(a.range, b.range));
  let widest: { pool: Pool; range: PoolRange } | undefined;
  for (const entry of owned) {
    const { range } = entry;
    if (widest && widest.range.family === range.family && range.first <= widest.range.last) {
      const collector = new ProblemCollector(entry.pool.source, problems);
      collector.pool = entry.pool.name;
      const where =
        widest.pool === entry.pool ? 'the same pool' : `pool "${widest.pool.name}" (${widest.pool.source})`;
      collector.error(
        range.field,
        range.text,
        `${formatRange(range)} overlaps ${widest.range.text} at ${widest.range.field} in ${where}`,
      );
    }
    if (!widest || widest.range.family !== range.family || range.last > widest.range.last) widest = entry;
  }
}

function resolveAdvertisement(
  draft: L2AdvertisementDraft,
  pools: readonly Pool[],
  problems: ConfigProblem[],
): L2Advertisement {
  const names = new Set(pools.map((p) => p.name));
  const collector = new ProblemCollector(draft.source, problems);
  draft.ipAddressPools.forEach((name, i) => {
    if (!names.has(name)) collector.warn(`spec.ipAddressPools[${i}]`, name, 'no pool has this name');
  });
  // MetalLB: an advertisement naming no pools and no pool selectors announces every pool.
  const everything = draft.ipAddressPools.length === 0 && draft.ipAddressPoolSelectors.length === 0;
  const covered = pools.filter(
    (pool) =>
      everything ||
      draft.ipAddressPools.includes(pool.name) ||
      draft.ipAddressPoolSelectors.some((selector) => matchesLabels(selector, pool.labels)),
  );
  return {
    name: draft.name,
    source: draft.source,
    pools: covered.map((p) => p.name),
    nodeSelectors: draft.nodeSelectors,
    interfaces: draft.interfaces,
    serviceSelectors: draft.serviceSelectors,
    preferredNodeSelectors: draft.preferredNodeSelectors,
  };
}

export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/** Stable, so of two same-named objects the one given first stays first (and keeps its name). */
const byName = <T extends { name: string }>(a: T, b: T): number =>
  a.name < b.name ? -1 : a.name > b.name ? 1 : 0;

export function loadPoolConfig(inputs: ConfigInputs): LoadResult {
  const problems: ConfigProblem[] = [];
  const legacy = inputs.configMap ? readConfigMap(inputs.configMap, problems) : undefined;
  const resources = readConfigObjects(inputs.objects ?? [], problems);
  const pools = [...(legacy?.pools ?? []), ...resources.pools].sort(byName);
  checkDuplicateNames(pools, problems);
  checkOverlaps(pools, problems);
  const advertisements = resources.advertisements.map((draft) =>
    resolveAdvertisement(draft, pools, problems),
  );
  if (legacy && legacy.pools.length > 0) {
    advertisements.push({
      name: legacyAdvertisementName,
      source: legacy.source,
      pools: legacy.pools.map((p) => p.name).sort(),
      nodeSelectors: [],
      interfaces: [],
      serviceSelectors: [],
      preferredNodeSelectors: [],
    });
  }
  if (problems.some((p) => p.severity === 'error')) return { ok: false, problems };
  const warnings = problems;
  const config: PoolConfig = { pools, l2Advertisements: advertisements.sort(byName), warnings };
  return { ok: true, config: deepFreeze(config), warnings };
}

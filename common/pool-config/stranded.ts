// Which addresses in use a new pool config would leave in no pool. A config that strands any is
// refused, as MetalLB refuses pools its current assignments don't fit: an emptied ConfigMap, a
// deleted pool or a shrunk range must not take addresses from running Services. Pure.
import { formatIP, parseIP } from '../ip-address.ts';
import type { PoolConfig } from './model.ts';
import { poolHolding } from './pool-lookup.ts';

export interface HeldAddresses {
  /** namespace/name of the Service. */
  readonly key: string;
  readonly ips: readonly string[];
}

export interface StrandedAddress {
  readonly key: string;
  readonly ip: string;
}

export function strandedAddresses(config: PoolConfig, held: Iterable<HeldAddresses>): StrandedAddress[] {
  const stranded: StrandedAddress[] = [];
  for (const { key, ips } of held) {
    for (const text of ips) {
      const ip = parseIP(text);
      if (!ip) continue;
      if (!poolHolding(config.pools, ip)) stranded.push({ key, ip: formatIP(ip) });
    }
  }
  return stranded.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** "a/b (192.0.2.1), c/d (2001:db8::1) and 12 more": a bounded list for one log line or Event. */
export function describeStranded(stranded: readonly StrandedAddress[], shown = 10): string {
  const byService = new Map<string, string[]>();
  for (const { key, ip } of stranded) byService.set(key, [...(byService.get(key) ?? []), ip]);
  const entries = [...byService].map(([key, ips]) => `${key} (${ips.join(', ')})`);
  const rest = entries.length - shown;
  return rest > 0 ? `${entries.slice(0, shown).join(', ')} and ${rest} more` : entries.join(', ');
}

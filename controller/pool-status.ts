// IPAddressPool.status as MetalLB writes it: addresses assigned and still available per family.
// Pure: computed from the allocator's usage; the controller writes only what changed.

import type { PoolUsage } from './allocator/allocator.ts';

export interface PoolStatus {
  assignedIPv4: number;
  assignedIPv6: number;
  availableIPv4: number;
  availableIPv6: number;
}

/** JSON numbers lose precision past 2^53; an IPv6 pool's free count is capped there. */
function toCount(value: bigint): number {
  return value > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(value);
}

export function poolStatuses(
  usage: readonly PoolUsage[],
  poolNames: readonly string[],
): Map<string, PoolStatus> {
  const out = new Map<string, PoolStatus>();
  for (const name of poolNames)
    out.set(name, { assignedIPv4: 0, assignedIPv6: 0, availableIPv4: 0, availableIPv6: 0 });
  for (const entry of usage) {
    const status = out.get(entry.pool);
    if (!status) continue;
    if (entry.family === 4) {
      status.assignedIPv4 += entry.inUse;
      status.availableIPv4 = toCount(BigInt(status.availableIPv4) + entry.available);
    } else {
      status.assignedIPv6 += entry.inUse;
      status.availableIPv6 = toCount(BigInt(status.availableIPv6) + entry.available);
    }
  }
  return out;
}

export function sameStatus(a: Partial<PoolStatus> | undefined, b: PoolStatus): boolean {
  return (
    a?.assignedIPv4 === b.assignedIPv4 &&
    a?.assignedIPv6 === b.assignedIPv6 &&
    a?.availableIPv4 === b.availableIPv4 &&
    a?.availableIPv6 === b.availableIPv6
  );
}

// IPAddressPool.status as MetalLB writes it: addresses assigned and still available per family.
// Pure: computed from the allocator's usage; the controller writes only what changed.

import type { PoolUsage } from './allocator/allocator.ts';

/** The status fields are int64: a /64 has more free addresses than that, so the count stops here. */
export const int64Max = 2n ** 63n - 1n;

export interface PoolStatus {
  assignedIPv4: number;
  assignedIPv6: number;
  /** Exact, up to int64Max; past 2^53 a JavaScript number could not hold it. */
  availableIPv4: bigint;
  availableIPv6: bigint;
}

const atMostInt64 = (value: bigint) => (value > int64Max ? int64Max : value);

export function poolStatuses(
  usage: readonly PoolUsage[],
  poolNames: readonly string[],
): Map<string, PoolStatus> {
  const out = new Map<string, PoolStatus>();
  for (const name of poolNames)
    out.set(name, { assignedIPv4: 0, assignedIPv6: 0, availableIPv4: 0n, availableIPv6: 0n });
  for (const entry of usage) {
    const status = out.get(entry.pool);
    if (!status) continue;
    if (entry.family === 4) {
      status.assignedIPv4 += entry.inUse;
      status.availableIPv4 = atMostInt64(status.availableIPv4 + entry.available);
    } else {
      status.assignedIPv6 += entry.inUse;
      status.availableIPv6 = atMostInt64(status.availableIPv6 + entry.available);
    }
  }
  return out;
}

/** The status as JSON text, every count exact: what is written, and what a later write compares with. */
export function statusJson(status: PoolStatus): string {
  const { assignedIPv4, assignedIPv6, availableIPv4, availableIPv6 } = status;
  return `{"assignedIPv4":${assignedIPv4},"assignedIPv6":${assignedIPv6},"availableIPv4":${availableIPv4},"availableIPv6":${availableIPv6}}`;
}

/** A status as an informer has it: JSON.parse'd, so counts past 2^53 are rounded. */
export type PoolStatusRead = Partial<Record<keyof PoolStatus, unknown>>;

/**
 * Whether a status read back through JSON.parse (where counts past 2^53 are rounded) could be
 * `status`. Rounded the same way, what we wrote reads back equal; a count changed by someone else
 * (or an object recreated without a status) does not.
 */
export function mayBeStatus(read: PoolStatusRead | undefined, status: PoolStatus): boolean {
  return (
    read?.assignedIPv4 === status.assignedIPv4 &&
    read?.assignedIPv6 === status.assignedIPv6 &&
    read?.availableIPv4 === Number(status.availableIPv4) &&
    read?.availableIPv6 === Number(status.availableIPv6)
  );
}

const safe = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * Whether the pool already shows `status`. With counts below 2^53 the object's copy says so exactly;
 * past that only together with what we last wrote (`last`, unknown after a restart: then we write).
 */
export function showsStatus(
  read: PoolStatusRead | undefined,
  last: PoolStatus | undefined,
  status: PoolStatus,
): boolean {
  if (!mayBeStatus(read, status)) return false;
  if (last) return statusJson(last) === statusJson(status);
  return status.availableIPv4 <= safe && status.availableIPv6 <= safe;
}

// The addresses of one pool range as a dense index space, with the taken indices kept sorted.
// Finding the lowest free address is a search for the first i with taken[i] > i, so its cost
// depends on how many addresses are taken, never on the range size (a /64 works like a /28).
// avoidBuggyIPs (skip IPv4 x.x.x.0 and x.x.x.255) is folded into the index arithmetic: every 256
// addresses hold 254 usable ones, so index <-> address is a division, not a scan.

import type { IPFamily } from '../../common/ip-address.ts';
import type { AddressRange } from '../../common/pool-config/address-range.ts';
import { SortedOffsets } from './sorted-offsets.ts';

const safeLimit = BigInt(Number.MAX_SAFE_INTEGER);

/** Usable addresses in [0, value) when .0 and .255 are skipped. */
function usableBelow(value: bigint): bigint {
  const rest = value % 256n;
  return (value / 256n) * 254n + (rest < 2n ? 0n : rest - 1n);
}

function usableAt(index: bigint): bigint {
  return (index / 254n) * 256n + (index % 254n) + 1n;
}

export function isBuggyIPv4(family: IPFamily, value: bigint): boolean {
  const last = value & 0xffn;
  return family === 4 && (last === 0n || last === 255n);
}

export class AddressSlots {
  readonly family: IPFamily;
  readonly first: bigint;
  readonly last: bigint;
  readonly poolName: string;
  /** Usable addresses in the range. */
  readonly size: bigint;
  private readonly skipBuggy: boolean;
  private readonly base: bigint;
  /** Taken indices below 2^53 as numbers (all of them, in practice)... */
  private readonly near = new SortedOffsets();
  /** ...and the rest, only reachable by asking for a far address in a huge (IPv6) range. */
  private readonly far: bigint[] = [];

  constructor(range: AddressRange, poolName: string, avoidBuggyIPs: boolean) {
    this.family = range.family;
    this.first = range.first;
    this.last = range.last;
    this.poolName = poolName;
    this.skipBuggy = avoidBuggyIPs && range.family === 4;
    this.base = this.rank(range.first);
    this.size = this.rank(range.last + 1n) - this.base;
  }

  private rank(value: bigint): bigint {
    return this.skipBuggy ? usableBelow(value) : value;
  }

  private valueOf(index: bigint): bigint {
    return this.skipBuggy ? usableAt(this.base + index) : this.base + index;
  }

  get takenCount(): number {
    return this.near.size + this.far.length;
  }

  covers(value: bigint): boolean {
    return value >= this.first && value <= this.last;
  }

  /** Inside the range and not skipped by avoidBuggyIPs. */
  usable(value: bigint): boolean {
    return this.covers(value) && !(this.skipBuggy && isBuggyIPv4(4, value));
  }

  private indexOf(value: bigint): bigint {
    return this.rank(value) - this.base;
  }

  private farPosition(index: bigint): number {
    let lo = 0;
    let hi = this.far.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.far[mid]! < index) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  isTaken(value: bigint): boolean {
    const index = this.indexOf(value);
    return index < safeLimit ? this.near.has(Number(index)) : this.far[this.farPosition(index)] === index;
  }

  lowestFree(): bigint | undefined {
    // The lowest free index is at most the number taken, so far indices never matter here.
    const index = BigInt(this.near.lowestMissing());
    return index < this.size ? this.valueOf(index) : undefined;
  }

  /** Caller has checked usable(value) and !isTaken(value). */
  take(value: bigint): void {
    const index = this.indexOf(value);
    if (index < safeLimit) this.near.add(Number(index));
    else this.far.splice(this.farPosition(index), 0, index);
  }

  free(value: bigint): void {
    const index = this.indexOf(value);
    if (index < safeLimit) {
      this.near.delete(Number(index));
      return;
    }
    const at = this.farPosition(index);
    if (this.far[at] === index) this.far.splice(at, 1);
  }
}

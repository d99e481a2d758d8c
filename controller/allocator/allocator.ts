// Assigns LoadBalancer addresses from the pool config, following MetalLB's rules where they are
// defined and fixing an order where MetalLB is random (see pool-order.ts). Pure state machine:
// pools in, assignments out; the caller does all Kubernetes I/O and keeps the Services' status in
// step with what this returns.

import { formatIP, type IP, type IPFamily, ipKey } from '../../common/ip-address.ts';
import type { Pool, PoolConfig } from '../../common/pool-config/model.ts';
import { rangesInOrder } from '../../common/pool-config/pool-lookup.ts';
import { AddressSlots } from './address-slots.ts';
import { autoAssignOrder, poolAdmits } from './pool-order.ts';
import { backendKey, type ServiceRequest } from './service-request.ts';

export interface AssignedIP {
  readonly ip: IP;
  readonly pool: string;
}

export type AssignResult =
  | { readonly ok: true; readonly ips: readonly AssignedIP[] }
  | { readonly ok: false; readonly reason: string };

export interface RebuildEntry {
  readonly request: ServiceRequest;
  /** The addresses in the Service's status. */
  readonly ips: readonly IP[];
}

export interface RejectedClaim {
  readonly key: string;
  readonly reason: string;
  /** Set when an older Service holds the address and sharing is not allowed. */
  readonly conflictsWith?: string;
}

export interface PoolUsage {
  readonly pool: string;
  readonly family: IPFamily;
  readonly total: bigint;
  readonly inUse: number;
  readonly available: bigint;
}

interface AddressUse {
  readonly ip: IP;
  readonly slots: AddressSlots;
  readonly sharingKey: string | undefined;
  holders: ServiceRequest[];
}

interface Candidate {
  readonly ip: IP;
  readonly slots: AddressSlots;
}

type Claim = { ok: true; candidates: Candidate[] } | { ok: false; reason: string; conflictsWith?: string };

const emptyConfig: PoolConfig = { pools: [], l2Advertisements: [], warnings: [] };

function familyName(family: IPFamily): string {
  return `IPv${family}`;
}

/** Why request may not share an address with holder, or undefined when it may. */
function sharingProblem(
  request: ServiceRequest,
  holder: ServiceRequest,
  address: string,
): string | undefined {
  if (!request.sharingKey || !holder.sharingKey) {
    return `${address} is already used by ${holder.key} (sharing needs the same metallb.io/allow-shared-ip on both)`;
  }
  if (request.sharingKey !== holder.sharingKey) {
    return `${address} is used by ${holder.key} with sharing key "${holder.sharingKey}", not "${request.sharingKey}"`;
  }
  if (backendKey(request) !== backendKey(holder)) {
    return `${address} is used by ${holder.key}; sharing needs both Services on externalTrafficPolicy Cluster, or both on Local with the same selector`;
  }
  for (const port of request.ports) {
    if (holder.ports.some((p) => p.port === port.port && p.protocol === port.protocol)) {
      return `${address}: port ${port.protocol}/${port.port} is already used by ${holder.key}`;
    }
  }
  return undefined;
}

/** The families to allocate, or why the request cannot be met at all. */
function wantedFamilies(request: ServiceRequest): IPFamily[] | string {
  const primary = request.ipFamilies[0] ?? 4;
  if (request.ipFamilyPolicy === 'SingleStack') return [primary];
  if (request.ipFamilyPolicy === 'RequireDualStack' && request.ipFamilies.length < 2) {
    return 'RequireDualStack needs both IPv4 and IPv6 in spec.ipFamilies';
  }
  return [...request.ipFamilies];
}

function familiesProblem(request: ServiceRequest, ips: readonly IP[]): string | undefined {
  const wanted = wantedFamilies(request);
  if (typeof wanted === 'string') return wanted;
  const shown = ips.map(formatIP).join(',');
  for (const ip of ips) {
    if (!wanted.includes(ip.family)) {
      return `wrong family: ${formatIP(ip)} is ${familyName(ip.family)} but the Service takes ${wanted.map(familyName).join(' and ')}`;
    }
  }
  if (new Set(ips.map((ip) => ip.family)).size !== ips.length)
    return `${shown} holds two addresses of one family`;
  if (request.ipFamilyPolicy === 'RequireDualStack' && ips.length < 2) {
    return `RequireDualStack needs one IPv4 and one IPv6 address, got ${shown}`;
  }
  return undefined;
}

function sameAddresses(a: readonly IP[], b: readonly IP[]): boolean {
  return (
    a.length === b.length && a.every((ip) => b.some((o) => o.family === ip.family && o.value === ip.value))
  );
}

export class Allocator {
  private config: PoolConfig = emptyConfig;
  private poolsByName = new Map<string, { pool: Pool; slots: AddressSlots[] }>();
  /** Per family, every pool's ranges sorted by first address (pools never overlap). */
  private slotsByFamily: Record<IPFamily, AddressSlots[]> = { 4: [], 6: [] };
  private readonly held = new Map<string, AssignedIP[]>();
  private readonly requests = new Map<string, ServiceRequest>();
  private uses = new Map<string, AddressUse>();
  /** sharing key -> addresses whose holders use it, to pack sharers before taking new addresses. */
  private shared = new Map<string, Set<string>>();

  constructor(config: PoolConfig = emptyConfig) {
    this.installPools(config);
  }

  private installPools(config: PoolConfig): void {
    this.config = config;
    this.poolsByName = new Map(
      config.pools.map((pool) => [pool.name, { pool, slots: [] as AddressSlots[] }]),
    );
    this.slotsByFamily = { 4: [], 6: [] };
    // A valid config's ranges never overlap, so they come in address order (within a pool too).
    const ranges = rangesInOrder(config.pools);
    if (!ranges)
      throw new Error('pool ranges overlap: the allocator takes only a config that loadPoolConfig accepted');
    for (const { range, pool } of ranges) {
      const slots = new AddressSlots(range, pool.name, pool.avoidBuggyIPs);
      this.poolsByName.get(pool.name)!.slots.push(slots);
      this.slotsByFamily[slots.family].push(slots);
    }
  }

  /**
   * Switches to a new (already validated) config. Returns, sorted, the Services that lost their
   * addresses because an address is now outside every pool (or skipped by avoidBuggyIPs), or
   * outside the pool the Service asks for; they are released here and the caller clears their
   * status and assigns them again. Addresses that moved to another pool (a renamed pool) stay.
   */
  setConfig(config: PoolConfig): string[] {
    const previous = [...this.held.keys()].map((key) => ({
      request: this.requests.get(key)!,
      ips: this.held.get(key)!,
    }));
    this.installPools(config);
    this.held.clear();
    this.requests.clear();
    this.uses = new Map();
    this.shared = new Map();
    const evicted: string[] = [];
    for (const { request, ips } of previous) {
      const candidates: Candidate[] = [];
      for (const { ip } of ips) {
        const slots = this.slotsFor(ip);
        if (slots?.usable(ip.value) && (!request.requestedPool || slots.poolName === request.requestedPool)) {
          candidates.push({ ip, slots });
        }
      }
      if (candidates.length === ips.length) this.hold(request, candidates);
      else evicted.push(request.key);
    }
    return evicted.sort();
  }

  /**
   * Gives the Service its addresses: keeps what it holds when that still fits the request,
   * otherwise takes the requested addresses or allocates new ones. On failure the Service holds
   * nothing (it stays pending) and reason says why.
   */
  assign(request: ServiceRequest): AssignResult {
    const current = this.held.get(request.key);
    if (current) {
      const ips = current.map((a) => a.ip);
      const requestedMatches = request.requestedIPs.length === 0 || sameAddresses(request.requestedIPs, ips);
      const claim = requestedMatches ? this.checkClaim(request, ips) : undefined;
      this.release(request.key);
      if (claim?.ok) return this.hold(request, claim.candidates);
    }
    if (request.requestedIPs.length > 0) {
      const claim = this.checkClaim(request, request.requestedIPs);
      return claim.ok ? this.hold(request, claim.candidates) : { ok: false, reason: claim.reason };
    }
    return this.allocate(request);
  }

  release(key: string): boolean {
    const ips = this.held.get(key);
    if (!ips) return false;
    this.held.delete(key);
    this.requests.delete(key);
    for (const { ip } of ips) {
      const k = ipKey(ip);
      const use = this.uses.get(k)!;
      use.holders = use.holders.filter((h) => h.key !== key);
      if (use.holders.length > 0) continue;
      use.slots.free(ip.value);
      this.uses.delete(k);
      if (use.sharingKey !== undefined) {
        const set = this.shared.get(use.sharingKey)!;
        set.delete(k);
        if (set.size === 0) this.shared.delete(use.sharingKey);
      }
    }
    return true;
  }

  /**
   * Restores assignments from Service statuses, before anything new is assigned. Give entries
   * oldest Service first (creationTimestamp): on a conflicting claim the older one keeps the
   * address and the newer one is returned as rejected, for the caller to clear and reassign.
   */
  rebuild(entries: readonly RebuildEntry[]): RejectedClaim[] {
    const rejected: RejectedClaim[] = [];
    for (const { request, ips } of entries) {
      this.release(request.key);
      if (ips.length === 0) continue;
      if (request.requestedIPs.length > 0 && !sameAddresses(request.requestedIPs, ips)) {
        const reason = `status ${ips.map(formatIP).join(',')} differs from the requested ${request.requestedIPs.map(formatIP).join(',')}`;
        rejected.push({ key: request.key, reason });
        continue;
      }
      const claim = this.checkClaim(request, ips);
      if (claim.ok) this.hold(request, claim.candidates);
      else
        rejected.push({
          key: request.key,
          reason: claim.reason,
          ...(claim.conflictsWith ? { conflictsWith: claim.conflictsWith } : {}),
        });
    }
    return rejected;
  }

  /** How many distinct addresses are held: when it drops, an address was freed. */
  addressesInUse(): number {
    return this.uses.size;
  }

  assignmentOf(key: string): readonly AssignedIP[] | undefined {
    return this.held.get(key);
  }

  /** Per pool (by name) and family: addresses in total, in use (shared ones count once), free. */
  usage(): PoolUsage[] {
    const out: PoolUsage[] = [];
    for (const pool of this.config.pools) {
      const slots = this.poolsByName.get(pool.name)!.slots;
      for (const family of [4, 6] as const) {
        const own = slots.filter((s) => s.family === family);
        if (own.length === 0) continue;
        const total = own.reduce((sum, s) => sum + s.size, 0n);
        const inUse = own.reduce((sum, s) => sum + s.takenCount, 0);
        out.push({ pool: pool.name, family, total, inUse, available: total - BigInt(inUse) });
      }
    }
    return out;
  }

  private slotsFor(ip: IP): AddressSlots | undefined {
    const list = this.slotsByFamily[ip.family];
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (list[mid]!.first <= ip.value) lo = mid + 1;
      else hi = mid;
    }
    const slots = list[lo - 1];
    return slots?.covers(ip.value) ? slots : undefined;
  }

  /** Whether request may hold exactly these addresses (ignoring what it holds itself). */
  private checkClaim(request: ServiceRequest, ips: readonly IP[]): Claim {
    const familyReason = familiesProblem(request, ips);
    if (familyReason) return { ok: false, reason: familyReason };
    const candidates: Candidate[] = [];
    for (const ip of request.ipFamilies.flatMap((f) => ips.filter((i) => i.family === f))) {
      const address = formatIP(ip);
      const slots = this.slotsFor(ip);
      if (!slots) return { ok: false, reason: `${address} is not in any pool` };
      if (!slots.usable(ip.value)) {
        return {
          ok: false,
          reason: `${address} is in pool "${slots.poolName}" but avoidBuggyIPs excludes addresses ending in .0 and .255`,
        };
      }
      const pool = this.poolsByName.get(slots.poolName)!.pool;
      if (request.requestedPool && pool.name !== request.requestedPool) {
        return {
          ok: false,
          reason: `${address} is in pool "${pool.name}", not the requested pool "${request.requestedPool}"`,
        };
      }
      if (!poolAdmits(pool, request)) {
        return { ok: false, reason: `pool "${pool.name}" does not admit this Service (serviceAllocation)` };
      }
      for (const holder of this.uses.get(ipKey(ip))?.holders ?? []) {
        if (holder.key === request.key) continue;
        const reason = sharingProblem(request, holder, address);
        if (reason) return { ok: false, reason, conflictsWith: holder.key };
      }
      candidates.push({ ip, slots });
    }
    const poolNames = [...new Set(candidates.map((c) => c.slots.poolName))];
    if (poolNames.length > 1) {
      return {
        ok: false,
        reason: `${ips.map(formatIP).join(' and ')} are in different pools (${poolNames.map((n) => `"${n}"`).join(', ')}); a Service's addresses come from one pool`,
      };
    }
    return { ok: true, candidates };
  }

  private hold(request: ServiceRequest, candidates: readonly Candidate[]): AssignResult {
    const assigned: AssignedIP[] = [];
    for (const { ip, slots } of candidates) {
      const k = ipKey(ip);
      let use = this.uses.get(k);
      if (!use) {
        slots.take(ip.value);
        use = { ip, slots, sharingKey: request.sharingKey, holders: [] };
        this.uses.set(k, use);
        if (request.sharingKey !== undefined) {
          const set = this.shared.get(request.sharingKey) ?? new Set<string>();
          this.shared.set(request.sharingKey, set.add(k));
        }
      }
      use.holders.push(request);
      assigned.push({ ip, pool: slots.poolName });
    }
    this.held.set(request.key, assigned);
    this.requests.set(request.key, request);
    return { ok: true, ips: assigned };
  }

  /** The lowest address request can take from pool in family: a compatible shared one first. */
  private pick(pool: Pool, family: IPFamily, request: ServiceRequest): Candidate | undefined {
    let best: AddressUse | undefined;
    for (const k of (request.sharingKey && this.shared.get(request.sharingKey)) || []) {
      const use = this.uses.get(k)!;
      if (use.slots.poolName !== pool.name || use.ip.family !== family) continue;
      if (best && best.ip.value < use.ip.value) continue;
      const address = formatIP(use.ip);
      if (use.holders.every((h) => sharingProblem(request, h, address) === undefined)) best = use;
    }
    if (best) return { ip: best.ip, slots: best.slots };
    // Ranges are in address order, so the first one with room has the lowest free address.
    for (const slots of this.poolsByName.get(pool.name)!.slots) {
      if (slots.family !== family) continue;
      const value = slots.lowestFree();
      if (value !== undefined) return { ip: { family, value }, slots };
    }
    return undefined;
  }

  /** All wanted families from one pool of the group; PreferDualStack then settles for what one pool gives. */
  private allocateFrom(pools: readonly Pool[], families: readonly IPFamily[], request: ServiceRequest) {
    for (const pool of pools) {
      const picks = families.map((f) => this.pick(pool, f, request));
      if (picks.every((p) => p !== undefined)) return this.hold(request, picks as Candidate[]);
    }
    if (request.ipFamilyPolicy !== 'PreferDualStack') return undefined;
    for (const pool of pools) {
      const picks = families.map((f) => this.pick(pool, f, request)).filter((p) => p !== undefined);
      if (picks.length > 0) return this.hold(request, picks);
    }
    return undefined;
  }

  private allocate(request: ServiceRequest): AssignResult {
    const families = wantedFamilies(request);
    if (typeof families === 'string') return { ok: false, reason: families };
    // Pools in groups: the pools that select the Service (by priority) are all tried, a PreferDualStack
    // Service settling for one family there, before any pool that merely does not exclude it.
    let groups: Pool[][];
    if (request.requestedPool) {
      const named = this.poolsByName.get(request.requestedPool)?.pool;
      if (!named) return { ok: false, reason: `requested pool "${request.requestedPool}" does not exist` };
      if (!poolAdmits(named, request)) {
        return {
          ok: false,
          reason: `requested pool "${named.name}" does not admit this Service (serviceAllocation)`,
        };
      }
      groups = [[named]];
    } else {
      const ordered = autoAssignOrder(this.config.pools, request);
      if (ordered.length === 0) return { ok: false, reason: 'no auto-assign pool admits this Service' };
      groups = [ordered.filter((p) => p.serviceAllocation), ordered.filter((p) => !p.serviceAllocation)];
    }
    for (const group of groups) {
      const held = this.allocateFrom(group, families, request);
      if (held) return held;
    }
    const pools = groups.flat();
    const wanted = families.map(familyName).join(' and ');
    return {
      ok: false,
      reason: `no free ${wanted} address for this Service in pool(s) ${pools.map((p) => `"${p.name}"`).join(', ')}`,
    };
  }
}

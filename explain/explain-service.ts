// `explain`'s answer for one Service, from a snapshot of the cluster: the allocation (pool, why,
// rules), the announcement (which node, its interfaces, every other node's reason) and the recent
// Events. Pure: the same snapshot always gives the same answer.
import type { V1Lease, V1Node, V1Pod, V1Service } from '@kubernetes/client-node';
import { parseIP } from '../common/ip-address.ts';
import type { LoadResult } from '../common/pool-config/load-config.ts';
import { formatProblem } from '../common/pool-config/problems.ts';
import { classMatches, ingressAddresses, isLoadBalancer, serviceKey } from '../common/service-fields.ts';
import type { EndpointSliceLike } from '../speaker/election/eligibility.ts';
import type { L2StatusObject } from '../speaker/l2-status.ts';
import { type AllocationExplanation, explainAllocation, poolOfAddress } from './allocation-reasons.ts';
import { type AnnouncementExplanation, explainAnnouncement } from './announcement-reasons.ts';
import { speakerLiveness } from './speaker-liveness.ts';

export interface ServiceEvent {
  readonly type: string;
  readonly reason: string;
  readonly message: string;
  readonly count: number;
  /** ISO time. */
  readonly lastSeen: string;
  /** The node or component that reported it. */
  readonly from: string;
}

export interface ClusterSnapshot {
  readonly config: LoadResult;
  readonly nodes: readonly V1Node[];
  readonly speakerPods: readonly V1Pod[];
  readonly presenceLeases: readonly V1Lease[];
  readonly services: readonly V1Service[];
  readonly nowMs: number;
}

export interface ServiceDetails {
  readonly namespaceLabels: Readonly<Record<string, string>>;
  readonly endpointSlices: readonly EndpointSliceLike[];
  readonly events: readonly ServiceEvent[];
  /** The Service's ServiceL2Status objects: where the speakers say it is announced. */
  readonly l2Statuses: readonly L2StatusObject[];
}

export interface Explanation {
  readonly service: string;
  readonly addresses: readonly string[];
  /** Set when baremetal-lb leaves the Service alone: not a LoadBalancer, or another class. */
  readonly ignored?: string;
  /** The problems of the cluster's pool config when it is invalid (the components keep their last good one). */
  readonly configProblems: readonly string[];
  readonly allocation: AllocationExplanation;
  readonly announcement: AnnouncementExplanation;
  /** Newest first, at most `eventLimit`. */
  readonly events: readonly ServiceEvent[];
}

const eventLimit = 10;

function ignoredBecause(service: V1Service, lbClass: string | undefined): string | undefined {
  if (!isLoadBalancer(service)) return `type ${service.spec?.type ?? 'ClusterIP'}, not LoadBalancer`;
  if (!classMatches(service, lbClass)) {
    return `loadBalancerClass "${service.spec?.loadBalancerClass}" belongs to another implementation`;
  }
  return undefined;
}

export function explainService(
  service: V1Service,
  snapshot: ClusterSnapshot,
  details: ServiceDetails,
  lbClass?: string,
): Explanation {
  const config = snapshot.config.ok ? snapshot.config.config : undefined;
  const events = [...details.events]
    .sort((a, b) => b.lastSeen.localeCompare(a.lastSeen))
    .slice(0, eventLimit);
  const lastFailure = events.find((e) => e.reason === 'AllocationFailed')?.message;
  const ignored = ignoredBecause(service, lbClass);
  const allocation = explainAllocation({
    service,
    namespaceLabels: details.namespaceLabels,
    pools: config?.pools ?? [],
    services: snapshot.services,
    ...(lastFailure ? { lastFailure } : {}),
  });
  const announcement = explainAnnouncement({
    service,
    ...(lbClass ? { lbClass } : {}),
    pools: config?.pools ?? [],
    l2Advertisements: config?.l2Advertisements ?? [],
    nodes: snapshot.nodes,
    endpointSlices: details.endpointSlices,
    l2Statuses: details.l2Statuses,
    speakers: speakerLiveness(snapshot.presenceLeases, snapshot.speakerPods, snapshot.nowMs),
  });
  return {
    service: serviceKey(service),
    addresses: ingressAddresses(service),
    ...(ignored ? { ignored } : {}),
    configProblems: snapshot.config.ok ? [] : snapshot.config.problems.map(formatProblem),
    allocation,
    announcement,
    events,
  };
}

/** The Services whose status holds `address` (compared as addresses, so any spelling matches). */
export function servicesWithAddress(services: readonly V1Service[], address: string): V1Service[] {
  const wanted = parseIP(address);
  if (!wanted) return [];
  return services.filter((s) =>
    ingressAddresses(s).some((ip) => {
      const parsed = parseIP(ip);
      return parsed?.family === wanted.family && parsed.value === wanted.value;
    }),
  );
}

/** For an address no Service holds: the pool whose range has it, if any. */
export function poolForAddress(snapshot: ClusterSnapshot, address: string): string | undefined {
  return snapshot.config.ok ? poolOfAddress(address, snapshot.config.config.pools)?.name : undefined;
}

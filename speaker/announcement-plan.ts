// The speaker's decision, pure: from the cluster as this node sees it, which node announces each
// Service and so which IPs this node answers for, on which of its interfaces. Every speaker computes
// the same leaders from the same inputs, so no coordination is needed beyond agreeing who is alive.

import { formatIP, type IP } from '../common/ip-address.ts';
import { type Labels, matchesLabels, type Requirement } from '../common/label-selector.ts';
import type { L2Advertisement, Pool } from '../common/pool-config/model.ts';
import { poolHolding, poolNamed } from '../common/pool-config/pool-lookup.ts';
import type { ServiceView } from './cluster-view.ts';
import { electLeader } from './election/elect-leader.ts';
import { type EligibilityAdvertisement, eligibleNodes, type NodeLike } from './election/eligibility.ts';

export interface PlanInput {
  /** This node's name. */
  readonly self: string;
  readonly services: readonly ServiceView[];
  readonly nodes: readonly NodeLike[];
  /** Nodes whose speaker is up (self included when it is). */
  readonly liveSpeakers: ReadonlySet<string>;
  readonly pools: readonly Pick<Pool, 'name' | 'ranges'>[];
  readonly l2Advertisements: readonly (EligibilityAdvertisement & Pick<L2Advertisement, 'interfaces'>)[];
  /** The interfaces this node answers on, as selected from its links. */
  readonly localInterfaces: readonly string[];
}

export interface ServicePlan {
  readonly key: string;
  readonly ips: readonly IP[];
  readonly pool?: string;
  /** The node announcing every IP of the Service; undefined when none can. */
  readonly leader?: string;
  /** Why no node announces the Service. */
  readonly reason?: string;
  /** True when the reason is that no L2Advertisement covers the pool: a config mistake worth a Warning. */
  readonly noAdvertisement: boolean;
  /**
   * The live speaker that speaks for the Service when no node announces it (Warning Events, clearing
   * the announcing annotations), elected like a leader so exactly one does it.
   */
  readonly reporter?: string;
  /** When this node leads: its interfaces to answer on (sorted); empty means none matched the advertisements. */
  readonly interfaces: readonly string[];
  /** Why this node may not announce the Service (an exclusion label, a selector, …), if it may not. */
  readonly selfExcluded?: string;
}

export interface LedIP {
  readonly ip: IP;
  /** Sorted; the union over the Services sharing the IP. */
  readonly interfaces: readonly string[];
  /** Keys of the Services this node announces the IP for. */
  readonly services: readonly string[];
}

export interface AnnouncementPlan {
  readonly services: readonly ServicePlan[];
  /** ipKey(ip) → what this node answers for. */
  readonly led: ReadonlyMap<string, LedIP>;
}

/** The pool an IP came from: the controller's annotation when it names a known pool, else by range. */
export function poolOf(
  service: Pick<ServiceView, 'poolAnnotation'>,
  ip: IP,
  pools: PlanInput['pools'],
): { pool: string } | { reason: string } {
  if (service.poolAnnotation !== undefined) {
    if (poolNamed(pools, service.poolAnnotation)) return { pool: service.poolAnnotation };
    return { reason: `pool "${service.poolAnnotation}" (from its annotation) is not in the config` };
  }
  const owner = poolHolding(pools, ip);
  return owner ? { pool: owner.name } : { reason: `${formatIP(ip)} is in no address pool` };
}

/**
 * The interfaces this node answers on for a pool: those named by the L2Advertisements that cover the
 * pool and select this node; all of them if any such advertisement names none.
 */
export function interfacesFor(
  pool: string,
  selfLabels: Labels,
  advertisements: PlanInput['l2Advertisements'],
  localInterfaces: readonly string[],
  serviceLabels?: Labels,
): string[] {
  const selects = (selectors: readonly (readonly Requirement[])[], labels: Labels | undefined) =>
    selectors.length === 0 || selectors.some((s) => matchesLabels(s, labels));
  const applicable = advertisements.filter(
    (adv) =>
      adv.pools.includes(pool) &&
      selects(adv.nodeSelectors, selfLabels) &&
      selects(adv.serviceSelectors, serviceLabels),
  );
  const named = new Set(applicable.flatMap((adv) => adv.interfaces));
  const unrestricted = applicable.some((adv) => adv.interfaces.length === 0);
  return localInterfaces.filter((name) => unrestricted || named.has(name)).sort();
}

/** One Service's plan; selfLabels are this node's labels (for the advertisements' nodeSelectors). */
export function planService(
  service: ServiceView,
  input: Omit<PlanInput, 'services'>,
  selfLabels: Labels | undefined,
): ServicePlan {
  const first = service.ips[0]!;
  const firstText = formatIP(first);
  const reporter = electLeader(firstText, input.liveSpeakers);
  const base = { key: service.key, ips: service.ips, ...(reporter ? { reporter } : {}), interfaces: [] };
  const owner = poolOf(service, first, input.pools);
  if ('reason' in owner) return { ...base, reason: owner.reason, noAdvertisement: false };
  const eligibility = eligibleNodes({
    nodes: input.nodes,
    liveSpeakers: input.liveSpeakers,
    pool: owner.pool,
    l2Advertisements: input.l2Advertisements,
    endpointSlices: service.endpointSlices,
    ...(service.externalTrafficPolicy ? { externalTrafficPolicy: service.externalTrafficPolicy } : {}),
    serviceLabels: service.labels,
    sharesIP: service.sharesIP,
  });
  const noAdvertisement = !input.l2Advertisements.some((adv) => adv.pools.includes(owner.pool));
  const leader = electLeader(firstText, eligibility.nodes, eligibility.scores);
  const selfExcluded = eligibility.excluded.get(input.self);
  if (leader === undefined) {
    return {
      ...base,
      ...(selfExcluded ? { selfExcluded } : {}),
      pool: owner.pool,
      reason: eligibility.reason ?? 'no node can announce',
      noAdvertisement,
    };
  }
  const interfaces =
    leader === input.self
      ? interfacesFor(owner.pool, selfLabels, input.l2Advertisements, input.localInterfaces, service.labels)
      : [];
  return {
    ...base,
    ...(selfExcluded ? { selfExcluded } : {}),
    pool: owner.pool,
    leader,
    noAdvertisement,
    interfaces,
  };
}

export interface LedChange {
  /** IPs newly led: announce them (gratuitous burst). */
  readonly added: readonly string[];
  /** IPs no longer led: stop answering at once. */
  readonly removed: readonly string[];
  /** Still led, on other interfaces: announce again so the new interfaces' neighbours learn it. */
  readonly moved: readonly string[];
}

export function diffLed(
  previous: ReadonlyMap<string, Pick<LedIP, 'interfaces'>>,
  next: ReadonlyMap<string, Pick<LedIP, 'interfaces'>>,
): LedChange {
  const added = [...next.keys()].filter((ip) => !previous.has(ip));
  const removed = [...previous.keys()].filter((ip) => !next.has(ip));
  const moved = [...next].flatMap(([ip, led]) => {
    const before = previous.get(ip);
    return before && before.interfaces.join(',') !== led.interfaces.join(',') ? [ip] : [];
  });
  return { added, removed, moved };
}

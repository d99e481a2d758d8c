// Which nodes may announce an IP: a pure filter over plain data shaped like the Kubernetes objects
// (V1Node and V1EndpointSlice from @kubernetes/client-node fit as they are). It follows MetalLB's
// layer-2 rules (ShouldAnnounce, speakersForPool, nodesWithEndpoint) and adds one of its own: a node
// whose Ready condition is False or Unknown is left out.

import { type Labels, matchesLabels } from '../../common/label-selector.ts';
import type { L2Advertisement } from '../../common/pool-config/model.ts';

export const excludeFromLoadBalancersLabel = 'node.kubernetes.io/exclude-from-external-load-balancers';

export interface NodeLike {
  metadata?: { name?: string; labels?: Labels };
  status?: { conditions?: readonly { type: string; status: string }[] };
}

export interface EndpointLike {
  nodeName?: string;
  conditions?: { ready?: boolean; serving?: boolean; terminating?: boolean };
}

export interface EndpointSliceLike {
  endpoints?: readonly EndpointLike[];
}

export interface EligibilityInput {
  readonly nodes: readonly NodeLike[];
  /** Nodes whose speaker the failure detector currently holds alive (self included). */
  readonly liveSpeakers: ReadonlySet<string>;
  /** Name of the pool the IP was assigned from. */
  readonly pool: string;
  readonly l2Advertisements: readonly EligibilityAdvertisement[];
  readonly endpointSlices: readonly EndpointSliceLike[];
  readonly externalTrafficPolicy?: string;
  /** The Service's labels, for the advertisements' serviceSelectors. */
  readonly serviceLabels?: Labels;
  /** The Service asks to share its address (metallb.io/allow-shared-ip). */
  readonly sharesIP?: boolean;
}

export type EligibilityAdvertisement = Pick<
  L2Advertisement,
  'name' | 'pools' | 'nodeSelectors' | 'serviceSelectors' | 'preferredNodeSelectors'
>;

export interface Eligibility {
  /** Sorted by name. */
  readonly nodes: string[];
  /** Why a node known to the cluster was left out, per node name. */
  readonly excluded: ReadonlyMap<string, string>;
  /** Set when `nodes` is empty: one sentence for an Event on the Service. */
  readonly reason?: string;
  /** The preference score of each eligible node that has one (preferredNodeSelectors); absent = 0. */
  readonly scores: ReadonlyMap<string, number>;
}

/**
 * MetalLB's EndpointCanServe: an endpoint serves when ready is true or unset, or when it is not
 * ready but still serving — a terminating Pod that still serves keeps the IP announced, so traffic
 * drains instead of being cut.
 */
export function endpointCanServe(endpoint: EndpointLike): boolean {
  const ready = endpoint.conditions?.ready;
  return ready === undefined || ready || endpoint.conditions?.serving === true;
}

/**
 * What eligibility reads of a Node, as one string: a Node update that leaves it unchanged (a
 * kubelet's status heartbeat) changes no plan.
 */
export function nodeEligibilityFacts(node: NodeLike): string {
  return JSON.stringify([
    node.metadata?.labels ?? {},
    conditionStatus(node, 'Ready'),
    conditionStatus(node, 'NetworkUnavailable'),
  ]);
}

function conditionStatus(node: NodeLike, type: string): string | undefined {
  return node.status?.conditions?.find((c) => c.type === type)?.status;
}

/**
 * Why `node` may not announce, or undefined when it may. A node without a Ready condition at all
 * is accepted: a freshly registered node (or a lab node without a kubelet) has none yet, and the
 * failure detector has already vouched for its speaker.
 */
function exclusionReason(
  node: NodeLike,
  name: string,
  input: EligibilityInput,
  advertisements: readonly EligibilityAdvertisement[],
  nodesWithServingEndpoint: ReadonlySet<string>,
): string | undefined {
  if (!input.liveSpeakers.has(name)) return 'no live speaker';
  const ready = conditionStatus(node, 'Ready');
  if (ready !== undefined && ready !== 'True') return `NotReady (Ready=${ready})`;
  if (conditionStatus(node, 'NetworkUnavailable') === 'True') return 'NetworkUnavailable';
  const labels = node.metadata?.labels;
  if (labels !== undefined && Object.hasOwn(labels, excludeFromLoadBalancersLabel)) {
    return `labelled ${excludeFromLoadBalancersLabel}`;
  }
  const selected = advertisements.some((adv) => selectsNode(adv, labels));
  if (!selected)
    return `not selected by the nodeSelectors of ${advertisements.map((a) => a.name).join(', ')}`;
  if (input.externalTrafficPolicy === 'Local' && !nodesWithServingEndpoint.has(name)) {
    return 'no serving endpoint on the node (externalTrafficPolicy Local)';
  }
  return undefined;
}

function selectsService(adv: EligibilityAdvertisement, labels: Labels | undefined): boolean {
  return adv.serviceSelectors.length === 0 || adv.serviceSelectors.some((s) => matchesLabels(s, labels));
}

function selectsNode(adv: EligibilityAdvertisement, labels: Labels | undefined): boolean {
  return adv.nodeSelectors.length === 0 || adv.nodeSelectors.some((s) => matchesLabels(s, labels));
}

/**
 * MetalLB's preferred-node score: per advertisement that selects the node, the weights of the
 * preferences the node matches, summed over the advertisements.
 */
export function preferenceScores(
  nodes: readonly NodeLike[],
  eligible: readonly string[],
  advertisements: readonly EligibilityAdvertisement[],
): Map<string, number> {
  const scores = new Map<string, number>();
  for (const node of nodes) {
    const name = node.metadata?.name;
    if (!name || !eligible.includes(name)) continue;
    const labels = node.metadata?.labels;
    let score = 0;
    for (const adv of advertisements) {
      if (!selectsNode(adv, labels)) continue;
      for (const { weight, preference } of adv.preferredNodeSelectors) {
        if (matchesLabels(preference, labels)) score += weight;
      }
    }
    if (score > 0) scores.set(name, score);
  }
  return scores;
}

/** The advertisements that apply to the Service, or why none does. */
function advertisementsFor(
  input: EligibilityInput,
): { ads: EligibilityAdvertisement[] } | { reason: string } {
  const covering = input.l2Advertisements.filter((adv) => adv.pools.includes(input.pool));
  if (covering.length === 0) return { reason: `no L2Advertisement announces pool "${input.pool}"` };
  const ads = covering.filter((adv) => selectsService(adv, input.serviceLabels));
  if (ads.length === 0) {
    const names = covering.map((a) => a.name).join(', ');
    return {
      reason: `no L2Advertisement of pool "${input.pool}" selects the Service (serviceSelectors of ${names})`,
    };
  }
  // MetalLB's rule: Services sharing an address could be selected by different advertisements.
  if (input.sharesIP && ads.some((adv) => adv.serviceSelectors.length > 0)) {
    return { reason: 'metallb.io/allow-shared-ip cannot be used with serviceSelectors on L2Advertisements' };
  }
  return { ads };
}

function summarize(excluded: ReadonlyMap<string, string>): string {
  if (excluded.size === 0) return 'no nodes are known';
  const byReason = new Map<string, string[]>();
  for (const [node, reason] of excluded) byReason.set(reason, [...(byReason.get(reason) ?? []), node]);
  const parts = [...byReason].map(([reason, nodes]) => `${reason}: ${nodes.join(', ')}`);
  return `no node can announce (${parts.join('; ')})`;
}

export function eligibleNodes(input: EligibilityInput): Eligibility {
  const applicable = advertisementsFor(input);
  if ('reason' in applicable)
    return { nodes: [], excluded: new Map(), reason: applicable.reason, scores: new Map() };
  const advertisements = applicable.ads;
  const servingEndpoints = input.endpointSlices.flatMap((s) => s.endpoints ?? []).filter(endpointCanServe);
  if (servingEndpoints.length === 0) {
    return {
      nodes: [],
      excluded: new Map(),
      reason: 'the Service has no serving endpoints',
      scores: new Map(),
    };
  }
  const nodesWithServingEndpoint = new Set(servingEndpoints.flatMap((e) => (e.nodeName ? [e.nodeName] : [])));

  const eligible: string[] = [];
  const excluded = new Map<string, string>();
  for (const node of input.nodes) {
    const name = node.metadata?.name;
    if (!name) continue;
    const reason = exclusionReason(node, name, input, advertisements, nodesWithServingEndpoint);
    if (reason === undefined) eligible.push(name);
    else excluded.set(name, reason);
  }
  eligible.sort();
  return eligible.length > 0
    ? { nodes: eligible, excluded, scores: preferenceScores(input.nodes, eligible, advertisements) }
    : { nodes: [], excluded, reason: summarize(excluded), scores: new Map() };
}

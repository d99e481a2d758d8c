// The speakers' half of `explain`: which node should announce a Service's addresses, which one says
// it does, and for every other node why not. Pure, and computed with the speakers' own code
// (serviceView, poolOf, eligibleNodes, electionOrder), so the reasons are the ones they act on.
import type { V1Service } from '@kubernetes/client-node';
import { formatIP } from '../common/ip-address.ts';
import type { Pool } from '../common/pool-config/model.ts';
import { serviceKey } from '../common/service-fields.ts';
import { poolOf } from '../speaker/announcement-plan.ts';
import { serviceView } from '../speaker/cluster-view.ts';
import { electionOrder } from '../speaker/election/elect-leader.ts';
import {
  type Eligibility,
  type EligibilityAdvertisement,
  type EndpointSliceLike,
  eligibleNodes,
  type NodeLike,
} from '../speaker/election/eligibility.ts';
import type { L2StatusObject } from '../speaker/l2-status.ts';

export interface SpeakerLiveness {
  readonly alive: boolean;
  /** Why it counts as dead, or where its liveness was read from. */
  readonly detail: string;
}

export interface NodeVerdict {
  readonly node: string;
  readonly announcing: boolean;
  readonly reason: string;
}

export interface AnnouncementExplanation {
  /** The node the speakers' rules pick, from what the cluster shows now. */
  readonly expectedNode?: string;
  /** The node that says it announces (its ServiceL2Status). */
  readonly announcingNode?: string;
  readonly interfaces: readonly string[];
  /** Why no node announces, or a disagreement between the two nodes above. */
  readonly problems: readonly string[];
  readonly nodes: readonly NodeVerdict[];
}

export interface AnnouncementInput {
  readonly service: V1Service;
  readonly lbClass?: string;
  readonly pools: readonly Pick<Pool, 'name' | 'ranges'>[];
  readonly l2Advertisements: readonly EligibilityAdvertisement[];
  readonly nodes: readonly NodeLike[];
  readonly endpointSlices: readonly EndpointSliceLike[];
  /** The Service's ServiceL2Status objects, from every node. */
  readonly l2Statuses: readonly L2StatusObject[];
  readonly speakers: ReadonlyMap<string, SpeakerLiveness>;
}

function liveSpeakers(speakers: AnnouncementInput['speakers']): Set<string> {
  return new Set([...speakers].filter(([, s]) => s.alive).map(([node]) => node));
}

/** Why `node` does or does not announce; `whyNone` covers nodes the eligibility check never reached. */
function nodeReason(
  node: string,
  order: readonly string[],
  eligibility: Eligibility,
  input: AnnouncementInput,
): string {
  const excluded = eligibility.excluded.get(node);
  if (excluded === 'no live speaker')
    return `speaker dead: ${input.speakers.get(node)?.detail ?? 'no speaker Pod on the node'}`;
  if (excluded !== undefined) return excluded;
  const rank = order.indexOf(node);
  if (rank === 0) return 'eligible, and first in the election order for the first address';
  if (rank > 0)
    return `eligible, but ranks ${rank + 1} of ${order.length} in the election order (${order[0]} ranks first)`;
  return eligibility.reason ?? 'not considered';
}

export function explainAnnouncement(input: AnnouncementInput): AnnouncementExplanation {
  const claims = input.l2Statuses.flatMap((s) => (s.status?.node ? [s.status] : []));
  const claimed = [...new Set(claims.map((c) => c.node!))].sort();
  const reported = (node: string | undefined) => ({
    ...(node ? { announcingNode: node } : {}),
    interfaces: (claims.find((c) => c.node === node)?.interfaces ?? []).flatMap((i) =>
      i.name ? [i.name] : [],
    ),
  });
  const view = serviceView(input.service, input.lbClass, (key) =>
    key === serviceKey(input.service) ? input.endpointSlices : [],
  );
  if (!view)
    return {
      ...reported(claimed[0]),
      problems: ['nothing to announce: not a LoadBalancer of this class, or no address yet'],
      nodes: [],
    };
  const first = view.ips[0]!;
  const owner = poolOf(view, first, input.pools);
  if ('reason' in owner) return { ...reported(claimed[0]), problems: [owner.reason], nodes: [] };
  const eligibility = eligibleNodes({
    nodes: input.nodes,
    liveSpeakers: liveSpeakers(input.speakers),
    pool: owner.pool,
    l2Advertisements: input.l2Advertisements,
    endpointSlices: view.endpointSlices,
    ...(view.externalTrafficPolicy ? { externalTrafficPolicy: view.externalTrafficPolicy } : {}),
    serviceLabels: view.labels,
    sharesIP: view.sharesIP,
  });
  const order = electionOrder(formatIP(first), eligibility.nodes, eligibility.scores);
  const expectedNode = order[0];
  // Several claims: one is left by a speaker that stopped without cleaning up (its Pod still exists).
  const announcingNode = claimed.includes(expectedNode ?? '') ? expectedNode : claimed[0];
  const problems: string[] = [];
  if (eligibility.reason) problems.push(eligibility.reason);
  if (announcingNode && announcingNode !== expectedNode) {
    problems.push(
      `${announcingNode} says it announces, but the rules pick ${expectedNode ?? 'no node'}: the speakers may not have caught up yet, or their failure detector sees the nodes differently`,
    );
  }
  const stale = claimed.filter((node) => node !== announcingNode);
  if (stale.length > 0) {
    problems.push(
      `ServiceL2Status objects also name ${stale.join(', ')}: left by a speaker that stopped without removing them; they go when its Pod is deleted`,
    );
  }
  const nodes = input.nodes
    .flatMap((n) => (n.metadata?.name ? [n.metadata.name] : []))
    .sort()
    .map((node) => ({
      node,
      announcing: node === announcingNode,
      reason: nodeReason(node, order, eligibility, input),
    }));
  return { ...(expectedNode ? { expectedNode } : {}), ...reported(announcingNode), problems, nodes };
}

// What the speaker's planning needs from the API objects, read without any API calls: the Services it
// must consider (with their IPs and pool), their EndpointSlices, and which speakers are up when the
// failure detector is off.

import type { V1EndpointSlice, V1Pod, V1Service } from '@kubernetes/client-node';
import { formatIP, type IP, parseIP } from '../common/ip-address.ts';
import { type Labels, matchesLabels, requirementsFromSelector } from '../common/label-selector.ts';
import {
  classMatches,
  ingressAddresses,
  isLoadBalancer,
  poolAnnotation,
  serviceKey,
} from '../common/service-fields.ts';
import type { EndpointSliceLike } from './election/eligibility.ts';

export const serviceNameLabel = 'kubernetes.io/service-name';

export interface ServiceView {
  /** namespace/name */
  readonly key: string;
  /** status.loadBalancer.ingress addresses in status order; the first keys the election. */
  readonly ips: readonly IP[];
  /** metallb.io/ip-allocated-from-pool, when the controller wrote it. */
  readonly poolAnnotation?: string;
  readonly externalTrafficPolicy?: string;
  readonly endpointSlices: readonly EndpointSliceLike[];
  /** For the L2Advertisements' serviceSelectors. */
  readonly labels: Labels;
  /** metallb.io/allow-shared-ip (or its deprecated form) is set. */
  readonly sharesIP: boolean;
}

/** EndpointSlices grouped by the Service they belong to (namespace/name). */
export function slicesByService(slices: readonly V1EndpointSlice[]): Map<string, V1EndpointSlice[]> {
  const byService = new Map<string, V1EndpointSlice[]>();
  for (const slice of slices) {
    const service = slice.metadata?.labels?.[serviceNameLabel];
    if (!service) continue;
    const key = `${slice.metadata?.namespace ?? 'default'}/${service}`;
    byService.set(key, [...(byService.get(key) ?? []), slice]);
  }
  return byService;
}

/**
 * The Service as the planner sees it, or undefined when this speaker has nothing to announce for it:
 * not a LoadBalancer, another loadBalancerClass, or no IP assigned yet.
 */
const sharingAnnotations = ['metallb.io/allow-shared-ip', 'metallb.universe.tf/allow-shared-ip'];

export function serviceView(
  service: V1Service,
  lbClass: string | undefined,
  slices: ReadonlyMap<string, readonly EndpointSliceLike[]>,
): ServiceView | undefined {
  if (!isLoadBalancer(service) || !classMatches(service, lbClass)) return undefined;
  const ips = ingressAddresses(service)
    .map(parseIP)
    .filter((ip): ip is IP => ip !== undefined);
  if (ips.length === 0) return undefined;
  const key = serviceKey(service);
  const pool = service.metadata?.annotations?.[poolAnnotation];
  const policy = service.spec?.externalTrafficPolicy;
  return {
    key,
    ips: dedupe(ips),
    ...(pool ? { poolAnnotation: pool } : {}),
    ...(policy ? { externalTrafficPolicy: policy } : {}),
    endpointSlices: slices.get(key) ?? [],
    labels: (service.metadata?.labels ?? {}) as Labels,
    sharesIP: sharingAnnotations.some((a) => service.metadata?.annotations?.[a] !== undefined),
  };
}

function dedupe(ips: readonly IP[]): IP[] {
  const seen = new Set<string>();
  return ips.filter((ip) => {
    const text = formatIP(ip);
    if (seen.has(text)) return false;
    seen.add(text);
    return true;
  });
}

export const speakerSelector = { matchLabels: { app: 'baremetal-lb', component: 'speaker' } };
const speakerRequirements = requirementsFromSelector(speakerSelector);

export function isSpeakerPod(pod: V1Pod): boolean {
  return matchesLabels(speakerRequirements, pod.metadata?.labels as Labels);
}

/** node name → pod IP of every running speaker Pod that has one: the failure detector's peers. */
export function speakerPeers(pods: readonly V1Pod[]): Map<string, string> {
  const peers = new Map<string, string>();
  for (const pod of pods) {
    const node = pod.spec?.nodeName;
    const ip = pod.status?.podIP;
    if (!node || !ip || !isSpeakerPod(pod) || pod.metadata?.deletionTimestamp) continue;
    if (pod.status?.phase !== undefined && pod.status.phase !== 'Running') continue;
    peers.set(node, ip);
  }
  return peers;
}

/** Without the failure detector: nodes with a speaker Pod whose Ready condition is True. */
export function nodesWithReadySpeaker(pods: readonly V1Pod[]): Set<string> {
  const nodes = new Set<string>();
  for (const pod of pods) {
    const node = pod.spec?.nodeName;
    if (!node || !isSpeakerPod(pod) || pod.metadata?.deletionTimestamp) continue;
    const ready = pod.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
    if (ready) nodes.add(node);
  }
  return nodes;
}

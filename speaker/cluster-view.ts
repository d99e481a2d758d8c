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

/** namespace/name of the Service an EndpointSlice belongs to; undefined for an unlabelled slice. */
function sliceServiceKey(slice: V1EndpointSlice): string | undefined {
  const service = slice.metadata?.labels?.[serviceNameLabel];
  return service ? `${slice.metadata?.namespace ?? 'default'}/${service}` : undefined;
}

/**
 * EndpointSlices by the Service they belong to, kept from the informer's events, so planning one
 * Service reads its slices without scanning them all.
 */
export class SliceIndex {
  readonly #byService = new Map<string, Map<string, V1EndpointSlice>>();
  /** namespace/name of each slice → the Service key it was filed under. */
  readonly #filedUnder = new Map<string, string>();

  /** Files the slice (add or update); returns the Service keys whose slices changed. */
  set(slice: V1EndpointSlice): string[] {
    const touched = this.delete(slice);
    const key = sliceServiceKey(slice);
    if (!key) return touched;
    const id = sliceId(slice);
    this.#byService.set(key, (this.#byService.get(key) ?? new Map()).set(id, slice));
    this.#filedUnder.set(id, key);
    return [...new Set([...touched, key])];
  }

  delete(slice: V1EndpointSlice): string[] {
    const id = sliceId(slice);
    const key = this.#filedUnder.get(id);
    if (key === undefined) return [];
    this.#filedUnder.delete(id);
    const slices = this.#byService.get(key)!;
    slices.delete(id);
    if (slices.size === 0) this.#byService.delete(key);
    return [key];
  }

  of(serviceKey: string): V1EndpointSlice[] {
    return [...(this.#byService.get(serviceKey)?.values() ?? [])];
  }
}

const sliceId = (slice: V1EndpointSlice) =>
  `${slice.metadata?.namespace ?? ''}/${slice.metadata?.name ?? ''}`;

/**
 * The Service as the planner sees it, or undefined when this speaker has nothing to announce for it:
 * not a LoadBalancer, another loadBalancerClass, or no IP assigned yet.
 */
const sharingAnnotations = ['metallb.io/allow-shared-ip', 'metallb.universe.tf/allow-shared-ip'];

export function serviceView(
  service: V1Service,
  lbClass: string | undefined,
  slicesOf: (key: string) => readonly EndpointSliceLike[],
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
    endpointSlices: slicesOf(key),
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

// What the controller alone reads from Service objects: whether two address lists agree and which
// statuses the allocator must restore. Pure: no API calls.

import type { V1Service } from '@kubernetes/client-node';
import { formatIP, type IP, parseIP } from '../common/ip-address.ts';
import type { PoolConfig } from '../common/pool-config/model.ts';
import { strandedAddresses } from '../common/pool-config/stranded.ts';
import { classMatches, ingressAddresses, isLoadBalancer, serviceKey } from '../common/service-fields.ts';
import type { RebuildEntry } from './allocator/allocator.ts';
import { type ServiceRequest, serviceRequestFrom } from './allocator/service-request.ts';

export function sameAddressList(a: readonly string[], b: readonly string[]): boolean {
  const norm = (list: readonly string[]) =>
    list
      .map((text) => (parseIP(text) ? formatIP(parseIP(text)!) : text))
      .sort()
      .join(',');
  return norm(a) === norm(b);
}

/** Oldest first (creationTimestamp, then key), as the allocator's rebuild wants them. */
export function byAge(a: V1Service, b: V1Service): number {
  const at = (s: V1Service) =>
    s.metadata?.creationTimestamp ? new Date(s.metadata.creationTimestamp).getTime() : 0;
  return at(a) - at(b) || (serviceKey(a) < serviceKey(b) ? -1 : serviceKey(a) > serviceKey(b) ? 1 : 0);
}

/**
 * What the allocator must restore before assigning anything: every managed Service holding
 * addresses in its status, oldest first. Services whose request cannot be parsed are left out;
 * their reconcile reports the problem.
 */
export function rebuildEntries(
  services: readonly V1Service[],
  lbClass: string | undefined,
  namespaceLabels: (namespace: string) => Record<string, string>,
): RebuildEntry[] {
  const entries: RebuildEntry[] = [];
  for (const service of [...services].sort(byAge)) {
    if (!isLoadBalancer(service) || !classMatches(service, lbClass)) continue;
    const ips = ingressAddresses(service)
      .map(parseIP)
      .filter((ip): ip is IP => ip !== undefined);
    if (ips.length === 0) continue;
    const parsed = serviceRequestFrom(service, namespaceLabels(service.metadata?.namespace ?? 'default'));
    if (parsed.ok) entries.push({ request: parsed.request, ips });
  }
  return entries;
}

/**
 * Whether a Service keeps the addresses in its status although the config has no pool for them:
 * a controller that starts (or takes over) under such a config has no earlier config to keep, and
 * clearing would take the addresses away, which no config change may do. A Service that asks for
 * a pool the config has, or for other addresses, is served as it asks instead.
 */
export function keepsStrandedAddresses(
  request: Pick<ServiceRequest, 'key' | 'requestedPool' | 'requestedIPs'>,
  held: readonly string[],
  config: PoolConfig,
): boolean {
  if (held.length === 0 || strandedAddresses(config, [{ key: request.key, ips: held }]).length === 0)
    return false;
  if (request.requestedPool && config.pools.some((p) => p.name === request.requestedPool)) return false;
  return request.requestedIPs.length === 0 || sameAddressList(request.requestedIPs.map(formatIP), held);
}

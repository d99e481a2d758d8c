// The Service fields both the controller and the speaker read: its key, whether it is a
// LoadBalancer of our class, its status addresses and the pool annotation. Pure: no API calls.

import type { V1Service } from '@kubernetes/client-node';

export const poolAnnotation = 'metallb.io/ip-allocated-from-pool';

export function serviceKey(service: V1Service): string {
  return `${service.metadata?.namespace ?? 'default'}/${service.metadata?.name ?? ''}`;
}

export function splitKey(key: string): { namespace: string; name: string } {
  const slash = key.indexOf('/');
  return { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}

/** Whether the Service's loadBalancerClass is ours: exactly --lb-class, or none when no class is set. */
export function classMatches(service: V1Service, lbClass: string | undefined): boolean {
  const own = service.spec?.loadBalancerClass;
  return lbClass === undefined ? own === undefined || own === '' : own === lbClass;
}

export function isLoadBalancer(service: V1Service): boolean {
  return service.spec?.type === 'LoadBalancer';
}

/** The addresses in status.loadBalancer.ingress, as written (hostnames skipped). */
export function ingressAddresses(service: V1Service): string[] {
  return (service.status?.loadBalancer?.ingress ?? []).flatMap((entry) => (entry.ip ? [entry.ip] : []));
}

/** namespace/name and status addresses of every LoadBalancer Service of the class that has any. */
export function heldAddresses(
  services: readonly V1Service[],
  lbClass: string | undefined,
): { key: string; ips: string[] }[] {
  return services.flatMap((service) => {
    const ips = isLoadBalancer(service) && classMatches(service, lbClass) ? ingressAddresses(service) : [];
    return ips.length > 0 ? [{ key: serviceKey(service), ips }] : [];
  });
}

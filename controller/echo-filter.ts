// Which Service updates the controller acts on. A new Service used to be reconciled about four
// times: its creation, then the echoes of the controller's own two writes (status, pool annotation)
// and of the speaker's annotation. Pure: a fingerprint of exactly what reconciling reads, and the
// fingerprint the Service will have once a plan's writes land, so those echoes are recognised.
import type { V1Service } from '@kubernetes/client-node';
import { poolAnnotation } from '../common/service-fields.ts';
import type { ServicePlan } from './service-plan.ts';

const readAnnotationPrefixes = ['metallb.io/', 'metallb.universe.tf/'];

/** Equal for two versions of a Service that the controller would treat the same way. */
export function controllerFingerprint(service: V1Service): string {
  const spec = service.spec ?? {};
  const annotations = Object.entries(service.metadata?.annotations ?? {})
    .filter(([key]) => readAnnotationPrefixes.some((prefix) => key.startsWith(prefix)))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify([
    spec.type,
    spec.loadBalancerClass,
    spec.loadBalancerIP,
    spec.ipFamilies,
    spec.ipFamilyPolicy,
    spec.externalTrafficPolicy,
    spec.selector,
    (spec.ports ?? []).map((p) => [p.protocol, p.port]),
    service.metadata?.labels,
    service.metadata?.generation,
    annotations,
    (service.status?.loadBalancer?.ingress ?? []).map((entry) => entry.ip),
  ]);
}

/** The Service as it will read once the plan's status and annotation writes are in. */
export function afterPlan(
  service: V1Service,
  plan: Partial<Pick<ServicePlan, 'ingress' | 'pool'>>,
): V1Service {
  const annotations = { ...(service.metadata?.annotations ?? {}) };
  if (plan.pool === null) delete annotations[poolAnnotation];
  else if (plan.pool !== undefined) annotations[poolAnnotation] = plan.pool;
  return {
    ...service,
    metadata: { ...service.metadata, annotations },
    ...(plan.ingress ? { status: { ...service.status, loadBalancer: { ingress: plan.ingress } } } : {}),
  };
}

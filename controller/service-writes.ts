// The controller's two writes to a Service: its status addresses and the pool annotation.
import type { V1Service } from '@kubernetes/client-node';
import { type ApiConnection, mergePatch } from '../common/kube/api-connection.ts';
import { resourcePath, services } from '../common/kube/api-paths.ts';
import { writeWithConflictRetry } from '../common/kube/status-writer.ts';
import { poolAnnotation } from '../common/service-fields.ts';
import type { ServicePlan } from './service-plan.ts';

export interface ServiceWrites {
  writeStatus(service: V1Service, ingress: ServicePlan['ingress']): Promise<void>;
  writePoolAnnotation(service: V1Service, pool: ServicePlan['pool']): Promise<void>;
}

const servicePath = (service: V1Service, subresource?: 'status') =>
  resourcePath(services, {
    namespace: service.metadata?.namespace ?? 'default',
    name: service.metadata?.name ?? '',
    subresource,
  });

export function serviceWrites(connection: ApiConnection): ServiceWrites {
  return {
    async writeStatus(service, ingress) {
      if (!ingress) return;
      const status = servicePath(service, 'status');
      const want = JSON.stringify(ingress);
      await writeWithConflictRetry<V1Service>({
        initial: service,
        read: () => connection.request<V1Service>('GET', status),
        update: (current) =>
          JSON.stringify(current.status?.loadBalancer?.ingress ?? []) === want
            ? undefined
            : { ...current, status: { ...current.status, loadBalancer: { ingress } } },
        write: (next) => connection.request<V1Service>('PUT', status, { body: next }),
      });
    },
    // planService asks for it only when it differs. A merge patch of one annotation carries no
    // resourceVersion, so the server never answers 409 and there is nothing to re-read (which keeps
    // `get` on Services out of the RBAC); a failed patch fails the reconcile, which is retried.
    async writePoolAnnotation(service, pool) {
      if (pool === undefined) return;
      await connection.request('PATCH', servicePath(service), {
        body: { metadata: { annotations: { [poolAnnotation]: pool } } },
        contentType: mergePatch,
      });
    },
  };
}

// The controller's two writes to a Service: its status addresses and the pool annotation.
import { type CoreV1Api, PatchStrategy, setHeaderOptions, type V1Service } from '@kubernetes/client-node';
import { writeWithConflictRetry } from '../common/kube/status-writer.ts';
import { poolAnnotation } from '../common/service-fields.ts';
import type { ServicePlan } from './service-plan.ts';

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

export interface ServiceWrites {
  writeStatus(service: V1Service, ingress: ServicePlan['ingress']): Promise<void>;
  writePoolAnnotation(service: V1Service, pool: ServicePlan['pool']): Promise<void>;
}

export function serviceWrites(core: CoreV1Api): ServiceWrites {
  return {
    async writeStatus(service, ingress) {
      if (!ingress) return;
      const name = service.metadata?.name ?? '';
      const namespace = service.metadata?.namespace ?? 'default';
      const want = JSON.stringify(ingress);
      await writeWithConflictRetry<V1Service>({
        initial: service,
        read: () => core.readNamespacedServiceStatus({ name, namespace }),
        update: (current) =>
          JSON.stringify(current.status?.loadBalancer?.ingress ?? []) === want
            ? undefined
            : { ...current, status: { ...current.status, loadBalancer: { ingress } } },
        write: (next) => core.replaceNamespacedServiceStatus({ name, namespace, body: next }),
      });
    },
    // planService asks for it only when it differs. A merge patch of one annotation carries no
    // resourceVersion, so the server never answers 409 and there is nothing to re-read (which keeps
    // `get` on Services out of the RBAC); a failed patch fails the reconcile, which is retried.
    async writePoolAnnotation(service, pool) {
      if (pool === undefined) return;
      const name = service.metadata?.name ?? '';
      const namespace = service.metadata?.namespace ?? 'default';
      await core.patchNamespacedService(
        { name, namespace, body: { metadata: { annotations: { [poolAnnotation]: pool } } } },
        mergePatch,
      );
    },
  };
}

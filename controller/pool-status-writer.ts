// IPAddressPool.status (assigned and available addresses per family), written after bursts settle:
// thousands of assignments make one write per pool, and only pools whose counts changed are written.
import {
  type CustomObjectsApi,
  type KubernetesObject,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node';
import { describeApiError } from '../common/kube/api-errors.ts';
import type { Logger } from '../common/observability/logger.ts';
import type { PoolUsage } from './allocator/allocator.ts';
import { poolStatuses, sameStatus } from './pool-status.ts';

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

export interface PoolStatusWriterOptions {
  readonly custom: CustomObjectsApi;
  readonly namespace: string;
  /** The IPAddressPools as the informer has them. */
  readonly poolObject: (name: string) => KubernetesObject | undefined;
  /** Usage and the IPAddressPool names, or undefined when not leading. */
  readonly usage: () => { usage: readonly PoolUsage[]; poolNames: readonly string[] } | undefined;
  readonly logger: Logger;
  readonly delayMs: number;
  /** Wait after a failed write before trying again. */
  readonly retryMs: number;
}

export interface PoolStatusWriter {
  schedule(delayMs?: number): void;
  stop(): void;
}

export function poolStatusWriter(options: PoolStatusWriterOptions): PoolStatusWriter {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  async function write(): Promise<void> {
    const current = options.usage();
    if (!current) return;
    let failed = false;
    for (const [name, status] of poolStatuses(current.usage, current.poolNames)) {
      const object = options.poolObject(name) as { status?: Record<string, number> } | undefined;
      if (!object || sameStatus(object.status, status)) continue;
      try {
        await options.custom.patchNamespacedCustomObjectStatus(
          {
            group: 'metallb.io',
            version: 'v1beta1',
            namespace: options.namespace,
            plural: 'ipaddresspools',
            name,
            body: { status },
          },
          mergePatch,
        );
      } catch (error) {
        failed = true;
        options.logger.warn({ pool: name, err: describeApiError(error) }, 'could not write pool status');
      }
    }
    if (failed) schedule(options.retryMs);
  }

  function schedule(delayMs = options.delayMs): void {
    if (timer || stopped) return;
    timer = setTimeout(() => {
      timer = undefined;
      void write();
    }, delayMs);
  }

  return {
    schedule,
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}

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
import { mayBeStatus, type PoolStatus, poolStatuses, statusJson } from './pool-status.ts';

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

// Counts past 2^53 go out as exact digits: JSON.rawJSON keeps a number's text through the
// client's JSON.stringify.
const { rawJSON } = JSON as unknown as { rawJSON(text: string): unknown };
const exactNumbers = (status: PoolStatus) =>
  Object.fromEntries(Object.entries(status).map(([field, count]) => [field, rawJSON(String(count))]));

export function poolStatusWriter(options: PoolStatusWriterOptions): PoolStatusWriter {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  // What was last written per pool, exactly: the informer's copy rounds counts past 2^53, so a
  // change of one address in a huge pool shows only here.
  const written = new Map<string, string>();

  async function write(): Promise<void> {
    const current = options.usage();
    if (!current) return;
    let failed = false;
    for (const [name, status] of poolStatuses(current.usage, current.poolNames)) {
      const object = options.poolObject(name) as { status?: Record<string, unknown> } | undefined;
      const text = statusJson(status);
      if (!object || (mayBeStatus(object.status, status) && written.get(name) === text)) continue;
      try {
        await options.custom.patchNamespacedCustomObjectStatus(
          {
            group: 'metallb.io',
            version: 'v1beta1',
            namespace: options.namespace,
            plural: 'ipaddresspools',
            name,
            body: { status: exactNumbers(status) },
          },
          mergePatch,
        );
        written.set(name, text);
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

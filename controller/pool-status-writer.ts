// IPAddressPool.status (assigned and available addresses per family), written after bursts settle:
// thousands of assignments make one write per pool, and only pools whose counts changed are written.
import type { KubernetesObject } from '@kubernetes/client-node';
import { exactNumber } from '../common/exact-json.ts';
import { type ApiConnection, mergePatch } from '../common/kube/api-connection.ts';
import { describeApiError } from '../common/kube/api-errors.ts';
import { metallb, resourcePath } from '../common/kube/api-paths.ts';
import type { Logger } from '../common/observability/logger.ts';
import type { PoolUsage } from './allocator/allocator.ts';
import {
  mayBeStatus,
  type PoolStatus,
  type PoolStatusRead,
  poolStatuses,
  showsStatus,
} from './pool-status.ts';

export interface PoolStatusWriterOptions {
  readonly connection: ApiConnection;
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
  /**
   * A pool was added or updated: a write is due unless it shows what was last written to it. Our
   * own writes come back as updates, 40k of them for 40k pools; they must not start new passes.
   */
  poolChanged(pool: KubernetesObject): void;
  stop(): void;
}

// Counts past 2^53 go out as exact digits through the client's JSON.stringify.
const exactNumbers = (status: PoolStatus) =>
  Object.fromEntries(Object.entries(status).map(([field, count]) => [field, exactNumber(count)]));

export function poolStatusWriter(options: PoolStatusWriterOptions): PoolStatusWriter {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let writing = false;
  let writeAgain = false;
  // What was last written per pool, exactly: the informer's copy rounds counts past 2^53, so a
  // change of one address in a huge pool shows only here.
  const written = new Map<string, PoolStatus>();
  const statusOf = (pool: KubernetesObject) => (pool as { status?: PoolStatusRead }).status;

  /** One pass at a time: a pass over 40k pools takes a while, and a second one would write the same. */
  async function write(): Promise<void> {
    if (writing) {
      writeAgain = true;
      return;
    }
    writing = true;
    try {
      await writePass();
    } finally {
      writing = false;
      if (writeAgain) {
        writeAgain = false;
        schedule();
      }
    }
  }

  async function writePass(): Promise<void> {
    const current = options.usage();
    if (!current) return;
    const statuses = poolStatuses(current.usage, current.poolNames);
    for (const name of written.keys()) if (!statuses.has(name)) written.delete(name);
    let failed = false;
    for (const [name, status] of statuses) {
      const object = options.poolObject(name);
      if (!object || showsStatus(statusOf(object), written.get(name), status)) continue;
      try {
        const where = { namespace: options.namespace, name, subresource: 'status' };
        const path = resourcePath(metallb('ipaddresspools'), where);
        await options.connection.request('PATCH', path, {
          body: { status: exactNumbers(status) },
          contentType: mergePatch,
        });
        written.set(name, status);
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
    poolChanged(pool) {
      const last = written.get(pool.metadata?.name ?? '');
      if (!last || !mayBeStatus(statusOf(pool), last)) schedule();
    },
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}

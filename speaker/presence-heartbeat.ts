// The speaker's side of common/kube/speaker-presence.ts: renews its node's Lease every interval and
// releases it (no holder) on a graceful stop, so a stopped speaker reads as gone at once and a
// killed one once the Lease expires (three intervals without renewal). Releasing rather than
// deleting keeps the speaker's rights to get, create and update.
import type { V1Lease } from '@kubernetes/client-node';
import type { ApiConnection } from '../common/kube/api-connection.ts';
import { describeApiError, isConflict, isNotFound } from '../common/kube/api-errors.ts';
import { leases, resourcePath } from '../common/kube/api-paths.ts';
import { presenceLease, presenceLeaseName } from '../common/kube/speaker-presence.ts';
import type { Logger } from '../common/observability/logger.ts';

export interface PresenceHeartbeatOptions {
  readonly connection: ApiConnection;
  readonly node: string;
  readonly namespace: string;
  readonly intervalMs: number;
  readonly logger: Logger;
}

export interface PresenceHeartbeat {
  stop(): Promise<void>;
}

export function startPresenceHeartbeat(options: PresenceHeartbeatOptions): PresenceHeartbeat {
  const { connection, node, namespace, logger } = options;
  const name = presenceLeaseName(node);
  const lease = resourcePath(leases, { namespace, name });
  const durationSeconds = Math.max(1, Math.ceil((3 * options.intervalMs) / 1000));
  let failing = false;

  // The resourceVersion of our last write: kube-apiserver takes a Lease update only with one.
  let resourceVersion: string | undefined;

  async function write(holder: string): Promise<void> {
    const body = presenceLease(node, namespace, new Date(), durationSeconds);
    body.spec = { ...body.spec, holderIdentity: holder };
    if (resourceVersion === undefined) {
      const found = await connection.request<V1Lease>('GET', lease).catch((error: unknown) => {
        if (isNotFound(error)) return undefined;
        throw error;
      });
      resourceVersion = found?.metadata?.resourceVersion;
    }
    const written =
      resourceVersion === undefined
        ? await connection.request<V1Lease>('POST', resourcePath(leases, { namespace }), { body })
        : await connection.request<V1Lease>('PUT', lease, {
            body: { ...body, metadata: { ...body.metadata, resourceVersion } },
          });
    resourceVersion = written.metadata?.resourceVersion;
  }

  async function renew(): Promise<void> {
    try {
      await write(node);
      if (failing) logger.info({ lease: name }, 'presence lease renewed again');
      failing = false;
    } catch (error) {
      // Someone else wrote it (a restarted speaker of this node, an operator): read it afresh next time.
      if (isConflict(error) || isNotFound(error)) resourceVersion = undefined;
      // Only the first failure of a run is logged: an API outage must not flood the log.
      if (!failing) logger.warn({ lease: name, err: describeApiError(error) }, 'presence lease not renewed');
      failing = true;
    }
  }

  let inFlight = renew();
  const timer = setInterval(() => {
    inFlight = inFlight.then(renew);
  }, options.intervalMs);
  return {
    async stop() {
      clearInterval(timer);
      // A stop must not wait on an API server that does not answer: the Lease then expires by itself.
      const released = inFlight
        .then(() => write(''))
        .catch((error: unknown) =>
          logger.warn({ lease: name, err: describeApiError(error) }, 'presence lease not released'),
        );
      await Promise.race([released, new Promise((resolve) => setTimeout(resolve, 2000).unref())]);
    },
  };
}

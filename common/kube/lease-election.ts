// Leader election over a coordination.k8s.io/v1 Lease, as client-go's leaderelection does it. Every
// write carries the resourceVersion it was computed from, so of two candidates racing only one
// wins; the loser gets 409 and looks again next round.

import type { V1Lease } from '@kubernetes/client-node';
import type { Logger } from '../observability/logger.ts';
import type { ApiConnection } from './api-connection.ts';
import { describeApiError, isConflict, isNotFound } from './api-errors.ts';
import { leases, resourcePath } from './api-paths.ts';
import {
  type LeaseObservation,
  leaseAction,
  nextLeaseSpec,
  observe,
  releasedLeaseSpec,
} from './lease-decision.ts';

export interface LeaseTimings {
  /** How long others wait after the last renewal before taking over; default 15 s. */
  readonly leaseDurationMs: number;
  /** The leader steps down when it could not renew for this long; default 10 s. */
  readonly renewDeadlineMs: number;
  /** Time between attempts to acquire or renew; default 2 s. */
  readonly retryPeriodMs: number;
}

export const defaultLeaseTimings: LeaseTimings = {
  leaseDurationMs: 15_000,
  renewDeadlineMs: 10_000,
  retryPeriodMs: 2_000,
};

export interface LeaseElectionOptions {
  readonly connection: ApiConnection;
  readonly namespace: string;
  readonly name: string;
  readonly identity: string;
  readonly timings?: Partial<LeaseTimings>;
  readonly logger: Logger;
  readonly onStartedLeading: () => void;
  readonly onStoppedLeading: () => void;
  readonly onNewLeader?: (identity: string) => void;
}

export class LeaseElection {
  private readonly options: LeaseElectionOptions;
  private readonly timings: LeaseTimings;
  private leading = false;
  private stopped = true;
  private timer: NodeJS.Timeout | undefined;
  private observation: LeaseObservation | undefined;
  private lastRenewMs = 0;
  private knownLeader = '';
  private round: Promise<void> = Promise.resolve();

  constructor(options: LeaseElectionOptions) {
    this.options = options;
    this.timings = { ...defaultLeaseTimings, ...options.timings };
  }

  get isLeader(): boolean {
    return this.leading;
  }

  /** The holder last seen in the Lease ('' when none). */
  get leader(): string {
    return this.knownLeader;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(0);
  }

  /** Stops campaigning; a leader hands the Lease back so another candidate takes over at once. */
  async release(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.round;
    // Even when not leading: a round finishing during stop may just have acquired the Lease.
    const { connection, namespace, name } = this.options;
    try {
      const lease = await connection.request<V1Lease>('GET', this.leasePath());
      if (lease.spec?.holderIdentity === this.options.identity) {
        lease.spec = releasedLeaseSpec(lease.spec, new Date());
        await connection.request('PUT', this.leasePath(), { body: lease });
        this.options.logger.info({ lease: `${namespace}/${name}` }, 'released leadership');
      }
    } catch (error) {
      this.options.logger.warn(
        { err: describeApiError(error) },
        'could not release the lease; it expires on its own',
      );
    }
    this.stepDown();
  }

  /** The Lease, or (named = false) the collection it is created in. */
  private leasePath(named = true): string {
    const { namespace, name } = this.options;
    return resourcePath(leases, named ? { namespace, name } : { namespace });
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.round = this.tryAcquireOrRenew().finally(() => this.schedule(this.nextDelay()));
    }, delayMs);
  }

  private nextDelay(): number {
    // Followers spread their attempts a little so they do not always collide (client-go: jitter 1.2).
    return this.leading
      ? this.timings.retryPeriodMs
      : Math.round(this.timings.retryPeriodMs * (1 + 0.2 * Math.random()));
  }

  private async tryAcquireOrRenew(): Promise<void> {
    const { connection, namespace, name, identity, logger } = this.options;
    const durationSeconds = Math.max(1, Math.round(this.timings.leaseDurationMs / 1000));
    try {
      let lease: V1Lease | undefined;
      try {
        lease = await connection.request<V1Lease>('GET', this.leasePath());
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
      if (this.stopped) return;
      const now = new Date();
      if (!lease) {
        const spec = nextLeaseSpec(undefined, 'acquire', identity, durationSeconds, now);
        await connection.request('POST', this.leasePath(false), {
          body: { metadata: { name, namespace }, spec },
        });
        this.renewed(now);
        return;
      }
      this.observation = observe(this.observation, lease.spec, now.getTime());
      this.noteLeader(lease.spec?.holderIdentity ?? '');
      const action = leaseAction(lease.spec, this.observation, identity, now.getTime());
      if (action === 'wait') {
        if (this.leading) this.stepDown(); // someone else took the Lease
        return;
      }
      lease.spec = nextLeaseSpec(lease.spec, action, identity, durationSeconds, now);
      await connection.request('PUT', this.leasePath(), { body: lease });
      this.renewed(now);
    } catch (error) {
      if (isConflict(error)) logger.debug({ lease: `${namespace}/${name}` }, 'lost a lease race; retrying');
      else
        logger.warn({ err: describeApiError(error), lease: `${namespace}/${name}` }, 'lease update failed');
    }
    if (this.leading && Date.now() - this.lastRenewMs > this.timings.renewDeadlineMs) {
      logger.warn({ lease: `${namespace}/${name}` }, 'could not renew the lease in time; stepping down');
      this.stepDown();
    }
  }

  private renewed(at: Date): void {
    this.lastRenewMs = at.getTime();
    this.noteLeader(this.options.identity);
    if (this.leading || this.stopped) return;
    this.leading = true;
    this.options.logger.info({ identity: this.options.identity }, 'became leader');
    this.options.onStartedLeading();
  }

  private noteLeader(identity: string): void {
    if (identity === this.knownLeader) return;
    this.knownLeader = identity;
    this.options.onNewLeader?.(identity);
  }

  private stepDown(): void {
    if (!this.leading) return;
    this.leading = false;
    this.options.logger.info({ identity: this.options.identity }, 'stopped leading');
    this.options.onStoppedLeading();
  }
}

// What the speaker tells about each Service it plans, once per change: nodeAssigned when this node
// starts announcing it, announceFailed when it leads but has no interface to answer on,
// nodeUnassigned when it stops, and a warning (with a noL2Advertisement Event) when no node may
// announce it and this node is the one to say so.

import { formatIP } from '../common/ip-address.ts';
import type { EventRecorder } from '../common/kube/event-recorder.ts';
import type { Logger } from '../common/observability/logger.ts';
import type { ServicePlan } from './announcement-plan.ts';
import { announceFailedMessage, nodeAssignedMessage, nodeUnassignedMessage } from './announcement-status.ts';

export interface ServiceReportsOptions {
  readonly self: string;
  readonly events: Pick<EventRecorder, 'record'>;
  readonly logger: Logger;
  /** The Event's involvedObject for a Service key. */
  readonly subjectOf: (key: string) => Parameters<EventRecorder['record']>[0];
}

export class ServiceReports {
  readonly #options: ServiceReportsOptions;
  /** What this node last said about each Service it leads. */
  readonly #led = new Map<string, 'announcing' | 'no-interface'>();
  /** The last "no node announces it" reason logged per Service. */
  readonly #warned = new Map<string, string>();

  constructor(options: ServiceReportsOptions) {
    this.#options = options;
  }

  report(service: ServicePlan): void {
    this.#reportLeading(service);
    this.#reportUnannounced(service);
  }

  /** A Service no longer planned: one of the same name later gets its Events again. */
  forget(key: string): void {
    this.#led.delete(key);
    this.#warned.delete(key);
  }

  #reportLeading(service: ServicePlan): void {
    const { self, events, logger, subjectOf } = this.#options;
    const leading = service.leader === self;
    const state = leading ? (service.interfaces.length > 0 ? 'announcing' : 'no-interface') : undefined;
    if (state && this.#led.get(service.key) !== state) {
      this.#led.set(service.key, state);
      if (state === 'announcing') {
        void events.record(subjectOf(service.key), 'Normal', 'nodeAssigned', nodeAssignedMessage(self));
      } else {
        const message = announceFailedMessage(self, service.ips.map(formatIP));
        void events.record(subjectOf(service.key), 'Warning', 'announceFailed', message);
      }
    } else if (!leading && this.#led.delete(service.key)) {
      const message = nodeUnassignedMessage(self, service);
      logger.info(
        { service: service.key, leader: service.leader ?? null, reason: message },
        'no longer announcing the service',
      );
      void events.record(subjectOf(service.key), 'Normal', 'nodeUnassigned', message);
    }
  }

  #reportUnannounced(service: ServicePlan): void {
    const { self, events, logger, subjectOf } = this.#options;
    const problem = service.leader === undefined && service.reporter === self ? service.reason : undefined;
    if (problem === this.#warned.get(service.key)) return;
    if (problem === undefined) {
      this.#warned.delete(service.key);
      return;
    }
    this.#warned.set(service.key, problem);
    logger.warn(
      { service: service.key, pool: service.pool, reason: problem },
      'no node announces the service',
    );
    if (service.noAdvertisement) {
      void events.record(subjectOf(service.key), 'Warning', 'noL2Advertisement', `not announced: ${problem}`);
    }
  }
}

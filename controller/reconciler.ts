// One Service's reconcile: what the allocator gives it, then status, Events and the pool annotation
// in that order. Level-based: it reads the Service as it is now, so a retry or a repeat is harmless.
// Also: the Services waiting for an address, tried again as soon as one is freed (as MetalLB does).
import type { V1Service } from '@kubernetes/client-node';
import { formatIP } from '../common/ip-address.ts';
import type { EventRecorder } from '../common/kube/event-recorder.ts';
import type { Logger } from '../common/observability/logger.ts';
import type { PoolConfig } from '../common/pool-config/model.ts';
import { ingressAddresses, isLoadBalancer, serviceKey } from '../common/service-fields.ts';
import type { Allocator } from './allocator/allocator.ts';
import { type DeprecatedAnnotation, serviceRequestFrom } from './allocator/service-request.ts';
import type { ConfigReports } from './config-reports.ts';
import { afterPlan } from './echo-filter.ts';
import { subjectOf } from './event-subject.ts';
import { type Outcome, planService } from './service-plan.ts';
import type { ServiceWrites } from './service-writes.ts';
import { keepsStrandedAddresses } from './services.ts';

export interface ReconcilerOptions {
  readonly allocator: () => Allocator | undefined;
  readonly config: () => PoolConfig | undefined;
  readonly service: (key: string) => V1Service | undefined;
  /** Our loadBalancerClass. */
  readonly managed: (service: V1Service) => boolean;
  readonly namespaceLabels: (namespace: string) => Record<string, string>;
  readonly writes: ServiceWrites;
  readonly reports: ConfigReports;
  readonly events: Pick<EventRecorder, 'record'>;
  readonly logger: Logger;
  readonly enqueue: (key: string) => void;
  readonly poolsChanged: () => void;
  /** The Service as each write of this reconcile will leave it, for telling their echoes from real changes. */
  readonly expect: (service: V1Service) => void;
  readonly counted: () => void;
}

export interface Reconciler {
  reconcile(key: string): Promise<void>;
  /** Why the next reconcile of the Service clears its addresses (config change, rebuild conflict). */
  clearing(key: string, why: string): void;
}

export function serviceReconciler(options: ReconcilerOptions): Reconciler {
  const { logger, events } = options;
  /** Why a Service's addresses were taken away, for the ClearAssignment Event of its next reconcile. */
  const clearReasons = new Map<string, string>();
  /** Per Service, the generation whose deprecated annotations were already reported. */
  const deprecationReported = new Map<string, number>();
  /** Services whose last reconcile found no address for them: they get another try when one is freed. */
  const pending = new Set<string>();

  function reportDeprecations(service: V1Service, deprecated: readonly DeprecatedAnnotation[]): void {
    const key = serviceKey(service);
    const generation = service.metadata?.generation ?? 0;
    if (deprecated.length === 0 || deprecationReported.get(key) === generation) return;
    deprecationReported.set(key, generation);
    for (const { annotation, replacement } of deprecated) {
      const message = `Service is using deprecated annotation ${annotation}; use ${replacement} instead`;
      void events.record(subjectOf(service, 'Service', 'v1'), 'Warning', 'deprecatedAnnotation', message);
    }
  }

  function release(active: Allocator, key: string): void {
    if (active.release(key)) options.poolsChanged();
  }

  /** What the allocator decides for a LoadBalancer Service of ours; undefined: leave it as it is. */
  function decide(active: Allocator, service: V1Service, key: string): Outcome | undefined {
    const parsed = serviceRequestFrom(
      service,
      options.namespaceLabels(service.metadata?.namespace ?? 'default'),
    );
    reportDeprecations(service, parsed.deprecated);
    if (!parsed.ok) {
      release(active, key);
      return { kind: 'failed', reason: parsed.reason };
    }
    const config = options.config();
    if (config && keepsStrandedAddresses(parsed.request, ingressAddresses(service), config)) {
      options.reports.stranded(service);
      return undefined;
    }
    const result = active.assign(parsed.request);
    options.poolsChanged();
    return result.ok ? { kind: 'assigned', ips: result.ips } : { kind: 'failed', reason: result.reason };
  }

  async function apply(service: V1Service, key: string, outcome: Outcome): Promise<void> {
    const plan = planService(service, outcome, clearReasons.get(key));
    // Expected before the write: its watch event can arrive before the write's own response.
    options.expect(afterPlan(service, { ingress: plan.ingress }));
    await options.writes.writeStatus(service, plan.ingress);
    // The status is what the Events describe: record them once it has landed, before the
    // annotation, so a failing annotation write cannot lose them.
    clearReasons.delete(key);
    if (outcome.kind === 'failed') logger.warn({ service: key, reason: outcome.reason }, 'allocation failed');
    if (plan.ingress) {
      const ip = plan.ingress.map((entry) => entry.ip).join(',');
      logger.info({ service: key, ip, pool: plan.pool ?? undefined }, ip ? 'assigned' : 'cleared');
    }
    for (const event of plan.events) {
      void events.record(subjectOf(service, 'Service', 'v1'), event.type, event.reason, event.message);
    }
    options.expect(afterPlan(service, plan));
    await options.writes.writePoolAnnotation(service, plan.pool);
  }

  async function reconcileWith(active: Allocator, key: string): Promise<void> {
    options.counted();
    const service = options.service(key);
    if (!service || !options.managed(service)) {
      release(active, key);
      pending.delete(key);
      if (!service) {
        deprecationReported.delete(key);
        clearReasons.delete(key);
      }
      return;
    }
    let outcome: Outcome | undefined;
    if (!isLoadBalancer(service)) {
      const held = (active.assignmentOf(key) ?? []).map((a) => formatIP(a.ip));
      outcome = { kind: 'released', reason: 'the Service is no longer of type LoadBalancer', ips: held };
      release(active, key);
    } else {
      outcome = decide(active, service, key);
    }
    if (outcome?.kind === 'failed') pending.add(key);
    else pending.delete(key);
    if (outcome) await apply(service, key, outcome);
  }

  return {
    async reconcile(key) {
      const active = options.allocator();
      if (!active) return;
      const inUseBefore = active.addressesInUse();
      try {
        await reconcileWith(active, key);
      } finally {
        // MetalLB reprocesses the waiting Services when an address is released; so do we, at once.
        if (active.addressesInUse() < inUseBefore) {
          for (const waiting of pending) if (waiting !== key) options.enqueue(waiting);
        }
      }
    },
    clearing(key, why) {
      clearReasons.set(key, why);
    },
  };
}

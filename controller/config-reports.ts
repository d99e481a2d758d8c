// What the controller tells people about the pool config, bounded however large the config: one
// InvalidConfig Event per object at fault, and ConfigRefused Events on (the first few of) the
// Services whose addresses a config would take, or whose addresses the config has no pool for.
import type { KubernetesObject, V1Service } from '@kubernetes/client-node';
import { metallbApiVersion } from '../common/kube/api-paths.ts';
import type { EventRecorder } from '../common/kube/event-recorder.ts';
import type { Logger } from '../common/observability/logger.ts';
import { type ConfigProblem, problemsBySource, summarizeProblems } from '../common/pool-config/problems.ts';
import type { StrandedAddress } from '../common/pool-config/stranded.ts';
import { ingressAddresses, serviceKey } from '../common/service-fields.ts';
import { type ProblemObject, problemObject } from './config-objects.ts';
import { subjectOf } from './event-subject.ts';

/** Services that get a ConfigRefused Event for one refused config; the log line counts them all. */
export const refusalEventsPerChange = 20;

export interface ConfigReportsOptions {
  readonly events: Pick<EventRecorder, 'record'>;
  readonly logger: Logger;
  /** The object a problem is about, from the informers' caches. */
  readonly objectOf: (where: ProblemObject) => KubernetesObject | undefined;
  readonly serviceOf: (key: string) => V1Service | undefined;
}

export interface ConfigReports {
  /** At most one InvalidConfig Event per object per config change: its count and first problems. */
  problems(problems: readonly ConfigProblem[]): void;
  /** A refused config: a Warning on each Service (the first few) it would take addresses from. */
  refusal(stranded: readonly StrandedAddress[]): void;
  /** A Service keeping addresses the config has no pool for: told once. */
  stranded(service: V1Service): void;
}

export function configReports(options: ConfigReportsOptions): ConfigReports {
  const { events, logger } = options;
  const strandedReported = new Set<string>();
  const warnService = (service: V1Service, message: string) =>
    void events.record(subjectOf(service, 'Service', 'v1'), 'Warning', 'ConfigRefused', message);

  return {
    problems(problems) {
      const errors = problems.filter((p) => p.severity === 'error');
      for (const [source, ofObject] of problemsBySource(errors)) {
        const where = problemObject(source);
        if (!where) continue;
        const object = options.objectOf(where) ?? {
          metadata: { name: where.name, namespace: where.namespace },
        };
        const apiVersion = where.kind === 'ConfigMap' ? 'v1' : metallbApiVersion;
        const message = `${summarizeProblems(ofObject)}; keeping the last good config`;
        void events.record(subjectOf(object, where.kind, apiVersion), 'Warning', 'InvalidConfig', message);
      }
    },
    refusal(stranded) {
      const byService = new Map<string, string[]>();
      for (const { key, ip } of stranded) byService.set(key, [...(byService.get(key) ?? []), ip]);
      for (const [key, ips] of [...byService].slice(0, refusalEventsPerChange)) {
        const service = options.serviceOf(key);
        if (!service) continue;
        warnService(
          service,
          `the new pool config leaves ${ips.join(', ')} in no pool, and ${byService.size - 1} other Services' addresses too; keeping the last good config (to retire a pool, first move or delete its Services)`,
        );
      }
    },
    stranded(service) {
      const key = serviceKey(service);
      if (strandedReported.has(key) || strandedReported.size >= refusalEventsPerChange) return;
      strandedReported.add(key);
      const ips = ingressAddresses(service).join(', ');
      logger.warn(
        { service: key, ips },
        'the config has no pool for the addresses in the status; keeping them',
      );
      warnService(
        service,
        `the pool config has no pool for ${ips}; keeping them (to retire a pool, first move or delete its Services)`,
      );
    },
  };
}

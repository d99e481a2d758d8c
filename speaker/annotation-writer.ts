// The annotations saying which node announces a Service, written by the leader a few at a time:
// taking over thousands of Services at once must not open thousands of requests. Each write uses
// the Service's latest plan, and a write that would change nothing is not made.
import { type CoreV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { describeApiError, isNotFound } from '../common/kube/api-errors.ts';
import type { BackoffPolicy } from '../common/kube/backoff.ts';
import type { Logger } from '../common/observability/logger.ts';
import { splitKey } from '../common/service-fields.ts';
import { WorkQueue } from '../common/work-queue.ts';
import type { ServicePlan } from './announcement-plan.ts';
import { announcementAnnotations } from './announcement-status.ts';

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

export interface AnnotationWriterOptions {
  readonly core: CoreV1Api;
  readonly self: string;
  /** The Service's annotations as the informer has them. */
  readonly annotationsOf: (key: string) => Readonly<Record<string, string>> | undefined;
  readonly backoff: BackoffPolicy;
  readonly logger: Logger;
}

export class AnnotationWriter {
  readonly #options: AnnotationWriterOptions;
  readonly #plans = new Map<string, ServicePlan>();
  readonly #writes: WorkQueue;

  constructor(options: AnnotationWriterOptions) {
    this.#options = options;
    this.#writes = new WorkQueue({
      handler: (key) => this.#write(key),
      concurrency: 8,
      backoff: options.backoff,
      onError: (key, error) =>
        options.logger.warn({ service: key, err: describeApiError(error) }, 'could not annotate the service'),
    });
    this.#writes.start();
  }

  /** The Service's latest plan; a write is queued when its annotations would change. */
  plan(service: ServicePlan): void {
    this.#plans.set(service.key, service);
    if (this.#patchFor(service)) this.#writes.add(service.key);
  }

  forgetAllBut(planned: ReadonlySet<string>): void {
    for (const key of this.#plans.keys()) if (!planned.has(key)) this.#plans.delete(key);
  }

  stop(): void {
    this.#writes.stop();
  }

  #patchFor(service: ServicePlan) {
    return announcementAnnotations(service, this.#options.self, this.#options.annotationsOf(service.key));
  }

  async #write(key: string): Promise<void> {
    const service = this.#plans.get(key);
    const patch = service && this.#patchFor(service);
    if (!patch) return;
    const { namespace, name } = splitKey(key);
    try {
      await this.#options.core.patchNamespacedService(
        { name, namespace, body: { metadata: { annotations: patch } } },
        mergePatch,
      );
    } catch (error) {
      if (!isNotFound(error)) throw error; // the queue retries with backoff
    }
  }
}

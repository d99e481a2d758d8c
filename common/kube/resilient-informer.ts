// client-node informers stop for good on HTTP 500, a refused or reset connection: this wrapper
// restarts them with capped exponential backoff, which a successful list starts over: after an API
// server outage the first restart that lists again leaves the next failure a short wait, not the
// long one the outage built up. A restart resumes the watch from the last
// resourceVersion (client-node keeps its cache); a 410 Expired makes client-node relist by itself
// and fire delete for objects gone meanwhile. What the cache keeps is trimmed (cache-trim.ts).

import {
  type Informer,
  type KubeConfig,
  type KubernetesObject,
  type ListPromise,
  ListWatch,
  type ObjectCache,
  type ObjectCallback,
} from '@kubernetes/client-node';
import type { Logger } from '../observability/logger.ts';
import { describeApiError, isNotFound } from './api-errors.ts';
import { type BackoffPolicy, backoffDelay, defaultBackoff } from './backoff.ts';
import { type CacheShape, TrimmingWatch, trimForCache } from './cache-trim.ts';

export interface ResilientInformerOptions<T extends KubernetesObject> {
  /** For logs, e.g. 'services'. */
  readonly name: string;
  readonly kubeConfig: KubeConfig;
  /** The watch path, e.g. /api/v1/services. */
  readonly path: string;
  readonly list: ListPromise<T>;
  /** Watch only objects with these labels (the list must use the same selector). */
  readonly labelSelector?: string;
  /**
   * What the cache keeps of each object, after managedFields and the last-applied copy are gone: a
   * component that reads a few fields of thousands of objects keeps only those.
   */
  readonly shape?: CacheShape<T>;
  readonly logger: Logger;
  readonly backoff?: BackoffPolicy;
}

export type InformerVerb = 'add' | 'update' | 'delete';

export class ResilientInformer<T extends KubernetesObject> {
  readonly name: string;
  /** Resolves once the first list has completed; stays resolved (like client-go's HasSynced). */
  readonly whenSynced: Promise<void>;
  private syncedFlag = false;
  private markSynced!: () => void;
  private readonly informer: Informer<T> & ObjectCache<T>;
  private readonly logger: Logger;
  private readonly backoff: BackoffPolicy;
  private attempts = 0;
  private stopped = true;
  private restartTimer: NodeJS.Timeout | undefined;

  constructor(options: ResilientInformerOptions<T>) {
    this.name = options.name;
    this.logger = options.logger;
    this.backoff = options.backoff ?? defaultBackoff;
    const keep = options.shape;
    const shape = (object: T): T => (keep ? keep(trimForCache(object)) : trimForCache(object));
    const list: ListPromise<T> = async () => {
      const result = await options.list();
      result.items = result.items.map(shape);
      this.attempts = 0;
      // client-node fills its cache synchronously once this resolves; report after that.
      setImmediate(() => this.listed());
      return result;
    };
    const watch = new TrimmingWatch(options.kubeConfig, shape);
    this.informer = new ListWatch(options.path, watch, list, false, options.labelSelector);
    this.informer.on('error', (error) => this.restartLater(error));
    this.whenSynced = new Promise((resolve) => {
      this.markSynced = resolve;
    });
  }

  get synced(): boolean {
    return this.syncedFlag;
  }

  on(verb: InformerVerb, callback: ObjectCallback<T>): void {
    this.informer.on(verb, callback);
  }

  get(name: string, namespace?: string): T | undefined {
    return this.informer.get(name, namespace);
  }

  list(namespace?: string): readonly T[] {
    return this.informer.list(namespace);
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    void this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    await this.informer.stop();
  }

  private async run(): Promise<void> {
    this.restartTimer = undefined;
    if (this.stopped) return;
    try {
      // Failures of the list or the watch report through 'error', not here.
      await this.informer.start();
    } catch (error) {
      this.restartLater(error);
    }
  }

  private listed(): void {
    if (this.syncedFlag || this.stopped) return;
    this.syncedFlag = true;
    this.markSynced();
    this.logger.debug({ informer: this.name }, 'informer synced');
  }

  private restartLater(error: unknown): void {
    if (this.stopped) return; // stop() aborts the watch, which reports an error too
    if (this.restartTimer) return;
    const delayMs = backoffDelay(this.attempts++, this.backoff);
    // 404: the resource is not served (a CRD not installed yet), an expected and lasting state.
    const level = isNotFound(error) ? 'debug' : 'warn';
    this.logger[level](
      { informer: this.name, err: describeApiError(error), delayMs },
      'informer stopped; restarting',
    );
    this.restartTimer = setTimeout(() => void this.run(), delayMs);
  }
}

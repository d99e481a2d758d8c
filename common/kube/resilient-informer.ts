// An informer: list, then watch from the list's resourceVersion, keeping a cache (object-cache.ts)
// and telling each add, update and delete. Like client-go's reflector:
// - a watch the server ends is resumed from the last resourceVersion seen (bookmarks included);
// - 410 Expired (the server no longer has that version) relists, reporting as deleted whatever
//   went away meanwhile;
// - lists are read in pages of 500, so 10k objects never sit in one response body;
// - any other failure (HTTP 500, a refused or reset connection) restarts it after a capped
//   exponential backoff, which a successful list or a delivered event starts over.
// What the cache keeps is trimmed (cache-trim.ts), and shaped further when the owner says so.
import type { KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from '../observability/logger.ts';
import { type ApiConnection, ApiError } from './api-connection.ts';
import { describeApiError, isNotFound, statusCodeOf } from './api-errors.ts';
import { type BackoffPolicy, backoffDelay, defaultBackoff } from './backoff.ts';
import { type CacheShape, trimForCache } from './cache-trim.ts';
import { type CacheVerb, ObjectCache } from './object-cache.ts';
import { watchEvents } from './watch-events.ts';

export interface ResilientInformerOptions<T extends KubernetesObject> {
  /** For logs, e.g. 'services'. */
  readonly name: string;
  readonly connection: ApiConnection;
  /** The collection, e.g. /api/v1/services; listed and watched alike. */
  readonly path: string;
  /** Only objects with these labels. */
  readonly labelSelector?: string;
  /**
   * What the cache keeps of each object, after managedFields and the last-applied copy are gone: a
   * component that reads a few fields of thousands of objects keeps only those.
   */
  readonly shape?: CacheShape<T>;
  /** A 404 on the list (a CRD not installed) means no objects: synced and empty, retried on backoff. */
  readonly absentIsEmpty?: boolean;
  readonly logger: Logger;
  readonly backoff?: BackoffPolicy;
}

export type InformerVerb = CacheVerb;
/** One page of a list, as the server sends it. */
interface ListPage<T> {
  readonly items: T[];
  readonly metadata?: { readonly resourceVersion?: string; readonly continue?: string };
}
export type ObjectCallback<T> = (object: T) => void;

const pageSize = 500;
/** The server ends each watch after a random 5 to 10 minutes (client-go's spread), so they do not reconnect in step. */
const watchSeconds = () => 300 + Math.floor(Math.random() * 300);
/** A watch silent this long past its own timeout is taken for a dead connection. */
const watchGraceMs = 30_000;
/** A watch the server ends this soon having sent nothing counts as a failure, so it backs off. */
const tooShortMs = 1000;

export class ResilientInformer<T extends KubernetesObject> {
  readonly name: string;
  /** Resolves once the first list has completed; stays resolved (like client-go's HasSynced). */
  readonly whenSynced: Promise<void>;
  private syncedFlag = false;
  private markSynced!: () => void;
  private readonly options: ResilientInformerOptions<T>;
  private readonly cache = new ObjectCache<T>();
  private readonly callbacks = new Map<CacheVerb, ObjectCallback<T>[]>();
  private readonly shape: CacheShape<T>;
  private readonly backoff: BackoffPolicy;
  private resourceVersion = '';
  private attempts = 0;
  private stopped = true;
  private restartTimer: NodeJS.Timeout | undefined;
  private watchAbort: AbortController | undefined;
  private running: Promise<void> | undefined;

  constructor(options: ResilientInformerOptions<T>) {
    this.name = options.name;
    this.options = options;
    this.backoff = options.backoff ?? defaultBackoff;
    const keep = options.shape;
    this.shape = (object) => (keep ? keep(trimForCache(object)) : trimForCache(object));
    this.whenSynced = new Promise((resolve) => {
      this.markSynced = resolve;
    });
  }

  get synced(): boolean {
    return this.syncedFlag;
  }

  on(verb: InformerVerb, callback: ObjectCallback<T>): void {
    this.callbacks.set(verb, [...(this.callbacks.get(verb) ?? []), callback]);
  }

  get(name: string, namespace?: string): T | undefined {
    return this.cache.get(name, namespace);
  }

  list(namespace?: string): readonly T[] {
    return this.cache.list(namespace);
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.running = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    this.watchAbort?.abort();
    await this.running;
  }

  private async run(): Promise<void> {
    this.restartTimer = undefined;
    while (!this.stopped) {
      try {
        if (!this.resourceVersion) await this.relist();
        if (!this.stopped) await this.watch();
      } catch (error) {
        if (this.stopped) return; // stop() aborts the watch, which fails it
        if (statusCodeOf(error) !== 410) return this.restartLater(error);
        this.resourceVersion = '';
      }
    }
  }

  /** Lists page by page, then makes the cache exactly what was listed. */
  private async relist(): Promise<void> {
    let listed: { items: T[]; resourceVersion: string };
    try {
      listed = await this.listPages();
    } catch (error) {
      // A resource not served (its CRD not installed) holds no objects; retrying stays on backoff.
      if (this.options.absentIsEmpty && isNotFound(error)) this.settle([]);
      throw error;
    }
    if (this.stopped) return;
    this.attempts = 0;
    this.resourceVersion = listed.resourceVersion;
    this.settle(listed.items);
  }

  private async listPages(): Promise<{ items: T[]; resourceVersion: string }> {
    const { connection, path, labelSelector } = this.options;
    const items: T[] = [];
    let page: ListPage<T> | undefined;
    do {
      const query = { limit: pageSize, continue: page?.metadata?.continue, labelSelector };
      page = await connection.request<ListPage<T>>('GET', path, { query });
      for (const item of page.items) items.push(this.shape(item));
    } while (page.metadata?.continue && !this.stopped);
    return { items, resourceVersion: page.metadata?.resourceVersion ?? '' };
  }

  private settle(items: readonly T[]): void {
    for (const [verb, object] of this.cache.replace(items)) this.tell(verb, object);
    this.listed();
  }

  /** One watch, until the server ends it, it expires (410), or it fails. */
  private async watch(): Promise<void> {
    const timeoutSeconds = watchSeconds();
    const abort = new AbortController();
    this.watchAbort = abort;
    const guard = setTimeout(() => abort.abort(), timeoutSeconds * 1000 + watchGraceMs);
    const began = Date.now();
    let delivered = 0;
    try {
      const query = {
        watch: true,
        resourceVersion: this.resourceVersion,
        allowWatchBookmarks: true,
        labelSelector: this.options.labelSelector,
        timeoutSeconds,
      };
      const response = await this.options.connection.stream(this.options.path, query, abort.signal);
      for await (const event of watchEvents(response)) {
        this.onEvent(event.type, event.object);
        delivered++;
      }
    } catch (error) {
      if (!abort.signal.aborted || this.stopped) throw error;
      return; // the guard ended a silent watch: resume it
    } finally {
      clearTimeout(guard);
      abort.abort(); // a watch left early (an ERROR event) must not keep its connection
    }
    if (delivered === 0 && Date.now() - began < tooShortMs)
      throw new Error('the server ended the watch at once');
  }

  private onEvent(type: string, object: KubernetesObject & { code?: number }): void {
    if (type === 'ERROR')
      throw new ApiError(object.code ?? 500, JSON.stringify(object), `watch ${this.options.path}`);
    this.attempts = 0;
    const version = object.metadata?.resourceVersion;
    if (version) this.resourceVersion = version;
    if (type === 'BOOKMARK') return;
    const change = this.cache.apply(type as 'ADDED' | 'MODIFIED' | 'DELETED', this.shape(object as T));
    if (change) this.tell(...change);
  }

  /** A throwing callback is logged; it stops neither the informer nor the other callbacks. */
  private tell(verb: CacheVerb, object: T): void {
    for (const callback of this.callbacks.get(verb) ?? []) {
      try {
        callback(object);
      } catch (error) {
        this.options.logger.error(
          { informer: this.name, verb, err: String(error) },
          'informer callback failed',
        );
      }
    }
  }

  private listed(): void {
    if (this.syncedFlag) return;
    this.syncedFlag = true;
    this.markSynced();
    this.options.logger.debug({ informer: this.name }, 'informer synced');
  }

  private restartLater(error: unknown): void {
    if (this.stopped || this.restartTimer) return;
    const delayMs = backoffDelay(this.attempts++, this.backoff);
    // 404: the resource is not served (a CRD not installed yet), an expected and lasting state.
    const level = isNotFound(error) ? 'debug' : 'warn';
    this.options.logger[level](
      { informer: this.name, err: describeApiError(error), delayMs },
      'informer stopped; restarting',
    );
    this.restartTimer = setTimeout(() => {
      this.running = this.run();
    }, delayMs);
  }
}

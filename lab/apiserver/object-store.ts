// The single source of truth: objects by storeKey, namespace and name, one resourceVersion counter
// for all of them. Every change is persisted (when a log is attached) before it becomes visible.

import type { KObject } from './object-model.ts';
import type { Change, ChangeType } from './watch-hub.ts';

export interface LogEntry {
  rv: number;
  op: 'put' | 'delete';
  key: string;
  object: KObject;
}

export interface StoreHooks {
  /** Must make the entry durable or throw; nothing is applied when it throws. */
  persist?: (entry: LogEntry) => void;
  publish: (change: Change) => void;
}

/** Kept in step with one kind's stored objects (e.g. an allocation index), so no write re-scans them. */
export interface StoreIndex {
  add(object: KObject): void;
  remove(object: KObject): void;
}

const objectKey = (namespace: string | undefined, name: string): string => `${namespace ?? ''}/${name}`;

/** An object's storage key, the order lists come in: etcd's keys compared bytewise. */
export const storageKeyOf = (object: KObject): string =>
  objectKey(object.metadata.namespace, object.metadata.name!);

/** Bytewise: UTF-16 order equals byte order for the ASCII that names and namespaces are made of. */
export const compareStorageKeys = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export class ObjectStore {
  private rv: number;
  private readonly buckets = new Map<string, Map<string, KObject>>();
  private readonly hooks: StoreHooks;
  private readonly indexes = new Map<string, StoreIndex[]>();

  constructor(hooks: StoreHooks, initial: { rv: number; objects: { key: string; object: KObject }[] }) {
    this.hooks = hooks;
    this.rv = initial.rv;
    for (const { key, object } of initial.objects)
      this.bucket(key).set(objectKey(object.metadata.namespace, object.metadata.name!), object);
  }

  get resourceVersion(): number {
    return this.rv;
  }

  private bucket(storeKey: string): Map<string, KObject> {
    let bucket = this.buckets.get(storeKey);
    if (!bucket) {
      bucket = new Map();
      this.buckets.set(storeKey, bucket);
    }
    return bucket;
  }

  /** Stored objects are shared with watchers: callers must not mutate what they get. */
  get(storeKey: string, namespace: string | undefined, name: string): KObject | undefined {
    return this.buckets.get(storeKey)?.get(objectKey(namespace, name));
  }

  list(storeKey: string, namespace?: string): KObject[] {
    const items: KObject[] = [];
    for (const object of this.buckets.get(storeKey)?.values() ?? []) {
      if (namespace === undefined || object.metadata.namespace === namespace) items.push(object);
    }
    return items.sort((a, b) => compareStorageKeys(storageKeyOf(a), storageKeyOf(b)));
  }

  /** Feeds `index` every object stored under `storeKey` now and every change from now on. */
  addIndex(storeKey: string, index: StoreIndex): void {
    for (const object of this.buckets.get(storeKey)?.values() ?? []) index.add(object);
    this.indexes.set(storeKey, [...(this.indexes.get(storeKey) ?? []), index]);
  }

  storeKeys(): string[] {
    return [...this.buckets.keys()];
  }

  snapshot(): { rv: number; objects: { key: string; object: KObject }[] } {
    const objects: { key: string; object: KObject }[] = [];
    for (const [key, bucket] of this.buckets)
      for (const object of bucket.values()) objects.push({ key, object });
    return { rv: this.rv, objects };
  }

  /** Takes ownership of `object` and stamps the new resourceVersion on it. */
  put(storeKey: string, object: KObject): KObject {
    const previous = this.get(storeKey, object.metadata.namespace, object.metadata.name!);
    return this.commit(storeKey, 'put', object, previous ? 'MODIFIED' : 'ADDED', previous);
  }

  remove(storeKey: string, current: KObject): KObject {
    const object = { ...current, metadata: { ...current.metadata } };
    return this.commit(storeKey, 'delete', object, 'DELETED', undefined);
  }

  private commit(
    storeKey: string,
    op: LogEntry['op'],
    object: KObject,
    type: ChangeType,
    previous: KObject | undefined,
  ): KObject {
    const rv = this.rv + 1;
    object.metadata.resourceVersion = String(rv);
    this.hooks.persist?.({ rv, op, key: storeKey, object });
    this.rv = rv;
    const key = objectKey(object.metadata.namespace, object.metadata.name!);
    const replaced = this.buckets.get(storeKey)?.get(key);
    if (op === 'put') this.bucket(storeKey).set(key, object);
    else this.buckets.get(storeKey)?.delete(key);
    for (const index of this.indexes.get(storeKey) ?? []) {
      if (replaced) index.remove(replaced);
      if (op === 'put') index.add(object);
    }
    this.hooks.publish({ rv, type, storeKey, object, ...(previous ? { previous } : {}) });
    return object;
  }
}

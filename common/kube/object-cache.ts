// An informer's store, as plain code: objects by namespace and name, and what each list or watch
// event changed. Same rules as client-go's and client-node's: an object whose resourceVersion did
// not change is no update, and a relist reports as deleted whatever it no longer holds.
import type { KubernetesObject } from '@kubernetes/client-node';

export type CacheVerb = 'add' | 'update' | 'delete';
export type CacheChange<T> = readonly [CacheVerb, T];
export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

const namespaceOf = (object: KubernetesObject) => object.metadata?.namespace ?? '';
const nameOf = (object: KubernetesObject) => object.metadata?.name ?? '';

export class ObjectCache<T extends KubernetesObject> {
  readonly #byNamespace = new Map<string, Map<string, T>>();

  get(name: string, namespace?: string): T | undefined {
    return this.#byNamespace.get(namespace ?? '')?.get(name);
  }

  /** Every object, or those of one namespace. */
  list(namespace?: string): T[] {
    if (namespace) return [...(this.#byNamespace.get(namespace)?.values() ?? [])];
    const all: T[] = [];
    for (const objects of this.#byNamespace.values()) all.push(...objects.values());
    return all;
  }

  /** A full list: the cache becomes exactly `items`; deletions are reported first. */
  replace(items: readonly T[]): CacheChange<T>[] {
    const listed = new Set(items.map((item) => `${namespaceOf(item)}/${nameOf(item)}`));
    const changes: CacheChange<T>[] = [];
    for (const [namespace, objects] of this.#byNamespace) {
      for (const [name, object] of objects) {
        if (listed.has(`${namespace}/${name}`)) continue;
        objects.delete(name);
        changes.push(['delete', object]);
      }
      if (objects.size === 0) this.#byNamespace.delete(namespace);
    }
    for (const item of items) {
      const change = this.#store(item);
      if (change) changes.push(change);
    }
    return changes;
  }

  /** One watch event; undefined when it changes nothing. */
  apply(type: WatchEventType, object: T): CacheChange<T> | undefined {
    if (type !== 'DELETED') return this.#store(object);
    const namespace = namespaceOf(object);
    const objects = this.#byNamespace.get(namespace);
    const gone = objects?.get(nameOf(object));
    if (!objects || !gone) return undefined;
    objects.delete(nameOf(object));
    if (objects.size === 0) this.#byNamespace.delete(namespace);
    return ['delete', object];
  }

  #store(object: T): CacheChange<T> | undefined {
    const namespace = namespaceOf(object);
    let objects = this.#byNamespace.get(namespace);
    if (!objects) {
      objects = new Map<string, T>();
      this.#byNamespace.set(namespace, objects);
    }
    const found = objects.get(nameOf(object));
    const version = object.metadata?.resourceVersion;
    if (found && version !== undefined && found.metadata?.resourceVersion === version) return undefined;
    objects.set(nameOf(object), object);
    return [found ? 'update' : 'add', object];
  }
}

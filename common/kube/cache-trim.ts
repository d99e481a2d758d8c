// What an informer's cache need not keep of an object: metadata.managedFields (server-side apply's
// bookkeeping, often larger than the object itself) and kubectl's last-applied-configuration
// annotation (a second copy of the object). No component reads either, and at 10k Services they
// are most of what the caches hold. Applied to listed items and to watched objects alike.
import type { KubernetesObject } from '@kubernetes/client-node';

const lastApplied = 'kubectl.kubernetes.io/last-applied-configuration';

export function trimForCache<T extends KubernetesObject>(object: T): T {
  const metadata = object.metadata;
  if (!metadata) return object;
  delete metadata.managedFields;
  if (metadata.annotations && lastApplied in metadata.annotations) {
    const { [lastApplied]: _dropped, ...rest } = metadata.annotations;
    metadata.annotations = rest;
  }
  return object;
}

/** What an informer keeps of each object it caches. */
export type CacheShape<T extends KubernetesObject> = (object: T) => T;

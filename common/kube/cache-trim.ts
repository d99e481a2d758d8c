// What an informer's cache need not keep of an object: metadata.managedFields (server-side apply's
// bookkeeping, often larger than the object itself) and kubectl's last-applied-configuration
// annotation (a second copy of the object). No component reads either, and at 10k Services they
// are most of what the caches hold. Applied to listed items and to watched objects alike.
import { type KubeConfig, type KubernetesObject, Watch } from '@kubernetes/client-node';

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

/** client-node's Watch, handing the informer shaped objects (an ERROR event's Status passes as is). */
export class TrimmingWatch<T extends KubernetesObject> extends Watch {
  readonly #shape: CacheShape<T>;

  constructor(kubeConfig: KubeConfig, shape: CacheShape<T>) {
    super(kubeConfig);
    this.#shape = shape;
  }

  override watch(
    path: string,
    queryParams: Record<string, string | number | boolean | undefined>,
    callback: (phase: string, apiObj: KubernetesObject, watchObj?: unknown) => void,
    done: (err: unknown) => void,
  ): Promise<AbortController> {
    const trimmed = (phase: string, object: KubernetesObject, watchObj?: unknown) =>
      callback(phase, phase === 'ERROR' ? object : this.#shape(object as T), watchObj);
    return super.watch(path, queryParams, trimmed, done);
  }
}

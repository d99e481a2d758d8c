// A component makes all its informers with the same kubeconfig, logger and restart backoff: this
// binds those once, so each informer is named by what it watches.

import type { KubeConfig, KubernetesListObject, KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from '../observability/logger.ts';
import type { BackoffPolicy } from './backoff.ts';
import { ResilientInformer, type ResilientInformerOptions } from './resilient-informer.ts';

export type InformerFactory = <T extends KubernetesObject>(
  name: string,
  path: string,
  list: () => Promise<KubernetesListObject<T>>,
  options?: Pick<ResilientInformerOptions<T>, 'labelSelector' | 'shape'>,
) => ResilientInformer<T>;

export function informerFactory(shared: {
  readonly kubeConfig: KubeConfig;
  readonly logger: Logger;
  readonly backoff: BackoffPolicy;
}): InformerFactory {
  return (name, path, list, options) => new ResilientInformer({ name, path, list, ...options, ...shared });
}

// A component makes all its informers over the same connection, logger and restart backoff: this
// binds those once, so each informer is named by what it watches.

import type { KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from '../observability/logger.ts';
import type { ApiConnection } from './api-connection.ts';
import type { BackoffPolicy } from './backoff.ts';
import { ResilientInformer, type ResilientInformerOptions } from './resilient-informer.ts';

export type InformerFactory = <T extends KubernetesObject>(
  name: string,
  path: string,
  options?: Pick<ResilientInformerOptions<T>, 'labelSelector' | 'shape' | 'absentIsEmpty'>,
) => ResilientInformer<T>;

export function informerFactory(shared: {
  readonly connection: ApiConnection;
  readonly logger: Logger;
  readonly backoff: BackoffPolicy;
}): InformerFactory {
  return (name, path, options) => new ResilientInformer({ name, path, ...options, ...shared });
}

// MetalLB's Kubernetes client metrics (internal/k8s/stats.go), same names and meaning, registered
// on the component's own registry so several components can run in one process (tests).

import { Counter, Gauge, type Registry } from 'prom-client';

export interface KubeClientMetrics {
  /** One object update (an informer event, a reconcile) processed. */
  readonly updates: Counter;
  /** One processed update that failed. */
  readonly updateErrors: Counter;
  readonly configLoaded: Gauge;
  readonly configStale: Gauge;
}

export function createKubeClientMetrics(registry: Registry): KubeClientMetrics {
  const registers = [registry];
  return {
    updates: new Counter({
      name: 'metallb_k8s_client_updates_total',
      help: 'Number of k8s object updates that have been processed.',
      registers,
    }),
    updateErrors: new Counter({
      name: 'metallb_k8s_client_update_errors_total',
      help: 'Number of k8s object updates that failed for some reason.',
      registers,
    }),
    configLoaded: new Gauge({
      name: 'metallb_k8s_client_config_loaded_bool',
      help: '1 if the MetalLB configuration was successfully loaded at least once.',
      registers,
    }),
    configStale: new Gauge({
      name: 'metallb_k8s_client_config_stale_bool',
      help: '1 if running on a stale configuration, because the latest config failed to load.',
      registers,
    }),
  };
}

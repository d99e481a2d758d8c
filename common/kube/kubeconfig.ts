// Where the client's credentials come from: an explicit file (the lab, a developer's kubeconfig),
// else the Pod's service account.

import { KubeConfig } from '@kubernetes/client-node';

export function loadKubeConfig(file?: string): KubeConfig {
  const config = new KubeConfig();
  if (file) {
    try {
      config.loadFromFile(file);
    } catch (error) {
      throw new Error(`cannot load kubeconfig ${JSON.stringify(file)}: ${(error as Error).message}`);
    }
  } else {
    if (!process.env.KUBERNETES_SERVICE_HOST) {
      throw new Error('no --kubeconfig given and not running in a Pod (KUBERNETES_SERVICE_HOST is unset)');
    }
    config.loadFromCluster();
  }
  if (!config.getCurrentCluster()) throw new Error('the kubeconfig has no current cluster');
  return config;
}

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
  reuseConnections(config);
  return config;
}

interface DispatcherFactory {
  createDispatcher(cluster: unknown, agentOptions: unknown): unknown;
}

/**
 * client-node 2.0 makes a new undici Agent, so a new TCP (and TLS) connection, for every request to
 * a server with TLS options (a CA, a client certificate, or insecure-skip-tls-verify): at thousands
 * of writes that cost more CPU than the requests and kept thousands of agents alive. One agent per
 * distinct setting keeps connections pooled; a rotated certificate makes a new setting, a new agent.
 */
function reuseConnections(config: KubeConfig): void {
  const factory = config as unknown as DispatcherFactory;
  const create = factory.createDispatcher.bind(config);
  const agents = new Map<string, unknown>();
  factory.createDispatcher = (cluster, agentOptions) => {
    const key = JSON.stringify(config.createDispatcherOptions(cluster as never, agentOptions as never));
    if (!agents.has(key)) agents.set(key, create(cluster, agentOptions));
    return agents.get(key);
  };
}

// `baremetal-lb controller`: flags, logger and signals around startController.

import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { flagUsage, parseFlags } from '../common/cli-flags.ts';
import { loadKubeConfig } from '../common/kube/kubeconfig.ts';
import { createLogger } from '../common/observability/logger.ts';
import { startController } from './controller.ts';

const flags = {
  kubeconfig: { type: 'string', value: 'FILE', describe: 'kubeconfig file; in-cluster config when omitted' },
  namespace: {
    type: 'string',
    value: 'NS',
    describe: 'namespace of the ConfigMap, the metallb.io resources and the Lease',
    default: 'baremetal-lb-system',
  },
  'config-map': {
    type: 'string',
    value: 'NAME',
    describe: 'ConfigMap with the pool config (key "config")',
    default: 'config',
  },
  'lb-class': {
    type: 'string',
    value: 'CLASS',
    describe: 'only handle Services with this spec.loadBalancerClass (default: only Services without one)',
  },
  'metrics-addr': {
    type: 'string',
    value: 'HOST:PORT',
    describe: '/healthz, /readyz and /metrics',
    default: ':7472',
  },
  identity: {
    type: 'string',
    value: 'ID',
    describe: 'leader election identity (default: POD_NAME or hostname_random)',
  },
  'log-level': {
    type: 'string',
    value: 'LEVEL',
    describe: 'trace|debug|info|warn|error (default LOG_LEVEL or info)',
  },
} as const;

export async function main(argv: string[]): Promise<number> {
  const parsed = parseFlags(argv, flags);
  if (!parsed.ok) {
    process.stderr.write(
      `baremetal-lb controller: ${parsed.message}\n\n${flagUsage('baremetal-lb controller', flags)}`,
    );
    return 2;
  }
  if (parsed.help) {
    process.stdout.write(flagUsage('baremetal-lb controller', flags));
    return 0;
  }
  const values = parsed.values;
  let logger: ReturnType<typeof createLogger>;
  let kubeConfig: ReturnType<typeof loadKubeConfig>;
  try {
    logger = createLogger({
      component: 'controller',
      ...(values['log-level'] ? { level: values['log-level'] } : {}),
    });
    kubeConfig = loadKubeConfig(values.kubeconfig);
  } catch (error) {
    process.stderr.write(`baremetal-lb controller: ${(error as Error).message}\n`);
    return 2;
  }
  const identity = values.identity ?? process.env.POD_NAME ?? `${os.hostname()}_${randomUUID().slice(0, 8)}`;
  const controller = await startController({
    kubeConfig,
    logger,
    namespace: values.namespace,
    configMapName: values['config-map'],
    identity,
    metricsAddress: values['metrics-addr'],
    ...(values['lb-class'] ? { lbClass: values['lb-class'] } : {}),
  });
  logger.info({ metricsAddress: controller.metricsAddress }, 'serving /healthz, /readyz and /metrics');
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  logger.info({ signal }, 'shutting down');
  await controller.stop();
  logger.flush();
  return 0;
}

// `baremetal-lb controller`: flags, logger and signals around startController.

import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { flagUsage, parseFlags } from '../common/cli-flags.ts';
import * as sharedFlags from '../common/component-flags.ts';
import { loadApiConfig } from '../common/kube/api-config.ts';
import { ApiConnection } from '../common/kube/api-connection.ts';
import { createLogger } from '../common/observability/logger.ts';
import { stopSignal } from '../common/stop-signal.ts';
import { startController } from './controller.ts';
import { ensureMemberlistSecret } from './memberlist-secret.ts';

const flags = {
  kubeconfig: sharedFlags.kubeconfig,
  namespace: sharedFlags.namespace('the ConfigMap, the metallb.io resources and the Lease'),
  'config-map': sharedFlags.configMap,
  'lb-class': sharedFlags.lbClass('handle'),
  'metrics-addr': sharedFlags.metricsAddress(':7472'),
  identity: {
    type: 'string',
    value: 'ID',
    describe: 'leader election identity (default: POD_NAME or hostname_random)',
  },
  'ml-secret-name': {
    type: 'string',
    value: 'NAME',
    describe: "create the speakers' memberlist Secret under this name when it is missing (default: don't)",
  },
  'webhook-addr': {
    type: 'string',
    value: 'HOST:PORT',
    describe: 'serve the validating webhook for pools here, over TLS (default: no webhook)',
  },
  'webhook-service': {
    type: 'string',
    value: 'NAME',
    describe: 'the Service in front of the webhook, whose names its certificate covers',
    default: 'baremetal-lb-webhook-service',
  },
  'webhook-secret': {
    type: 'string',
    value: 'NAME',
    describe: 'the Secret holding the webhook certificates, made and rotated here',
    default: 'baremetal-lb-webhook-cert',
  },
  'webhook-configuration': {
    type: 'string',
    value: 'NAME',
    describe: 'the ValidatingWebhookConfiguration the CA is written into',
    default: 'baremetal-lb-webhook-configuration',
  },
  'log-level': sharedFlags.logLevel,
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
  let connection: ApiConnection;
  try {
    logger = createLogger({
      component: 'controller',
      ...(values['log-level'] ? { level: values['log-level'] } : {}),
    });
    connection = new ApiConnection(loadApiConfig(values.kubeconfig));
  } catch (error) {
    process.stderr.write(`baremetal-lb controller: ${(error as Error).message}\n`);
    return 2;
  }
  const identity = values.identity ?? process.env.POD_NAME ?? `${os.hostname()}_${randomUUID().slice(0, 8)}`;
  const controller = await startController({
    connection,
    logger,
    namespace: values.namespace,
    configMapName: values['config-map'],
    identity,
    metricsAddress: values['metrics-addr'],
    ...(values['lb-class'] ? { lbClass: values['lb-class'] } : {}),
    ...(values['webhook-addr']
      ? {
          webhook: {
            address: values['webhook-addr'],
            serviceName: values['webhook-service'],
            secretName: values['webhook-secret'],
            configurationName: values['webhook-configuration'],
          },
        }
      : {}),
  });
  logger.info({ metricsAddress: controller.metricsAddress }, 'serving /healthz, /readyz and /metrics');
  const secretName = values['ml-secret-name'];
  const secret = secretName
    ? ensureMemberlistSecret(connection, secretName, values.namespace, logger)
    : undefined;
  const signal = await stopSignal();
  logger.info({ signal }, 'shutting down');
  secret?.stop();
  await controller.stop();
  logger.flush();
  return 0;
}

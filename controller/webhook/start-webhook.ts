// The controller's validating webhook, whole: certificates kept by the TLS manager, served by the
// HTTPS endpoint, with the controller's own view of the config and of the addresses in use.
import type { ApiConnection } from '../../common/kube/api-connection.ts';
import { describeApiError } from '../../common/kube/api-errors.ts';
import type { Logger } from '../../common/observability/logger.ts';
import type { ConfigState } from './admission.ts';
import { serviceDnsNames } from './certificates.ts';
import { startWebhookServer } from './server.ts';
import { startTlsManager } from './tls-manager.ts';

export interface WebhookOptions {
  /** HOST:PORT to serve on (:9443 in a Pod). */
  readonly address: string;
  /** The Service in front of the controller Pods, whose names the certificate covers. */
  readonly serviceName: string;
  readonly secretName: string;
  readonly configurationName: string;
  /** Addresses the certificate covers as well, for a webhook reached by URL (tests). */
  readonly ipAddresses?: readonly string[];
}

export interface Webhook {
  readonly address: string;
  stop(): Promise<void>;
}

export async function startWebhook(
  options: WebhookOptions & {
    readonly connection: ApiConnection;
    readonly namespace: string;
    readonly logger: Logger;
    readonly state: () => ConfigState;
  },
): Promise<Webhook> {
  let serve: ((cert: { certPem: string; keyPem: string }) => void) | undefined;
  const tls = await startTlsManager({
    connection: options.connection,
    namespace: options.namespace,
    secretName: options.secretName,
    configurationName: options.configurationName,
    dnsNames: serviceDnsNames(options.serviceName, options.namespace),
    ...(options.ipAddresses ? { ipAddresses: options.ipAddresses } : {}),
    logger: options.logger,
    onCertificates: (certs) => serve?.(certs),
  });
  const server = await startWebhookServer({
    address: options.address,
    cert: tls.current(),
    state: options.state,
    logger: options.logger,
  });
  serve = (cert) => server.setCertificate(cert);
  options.logger.info({ address: server.address }, 'serving the validating webhook');
  return {
    address: server.address,
    async stop() {
      tls.stop();
      await server.close();
    },
  };
}

export interface RunningWebhook {
  /** HOST:PORT once it serves; undefined while it cannot start. */
  address(): string | undefined;
  stop(): Promise<void>;
}

/**
 * Starts the webhook, and keeps trying every retryMs while it cannot (its Secret or configuration
 * unreadable, the port taken): the webhook is a guard at apply time, and the controller's own work
 * of assigning addresses must not wait for it.
 */
export function keepWebhookRunning(
  options: Parameters<typeof startWebhook>[0],
  retryMs = 10_000,
): RunningWebhook {
  let running: Webhook | undefined;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const attempt = async (): Promise<void> => {
    try {
      const started = await startWebhook(options);
      if (stopped) await started.stop();
      else running = started;
    } catch (error) {
      options.logger.error(
        { err: describeApiError(error), retryMs },
        'cannot serve the validating webhook yet',
      );
      if (!stopped) timer = setTimeout(() => void attempt(), retryMs);
    }
  };
  const first = attempt();
  return {
    address: () => running?.address,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await first;
      await running?.stop();
    },
  };
}

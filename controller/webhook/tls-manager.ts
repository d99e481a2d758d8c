// Keeps the webhook's certificate valid and known to kube-apiserver, as MetalLB's controller does
// with its cert rotator: the CA, certificate and key live in one Secret that every replica shares
// (so whichever replica the Service reaches presents a certificate the same CA signed), a new set is
// made when the Secret is missing, names other DNS names, or expires within 30 days, and the CA is
// written into the ValidatingWebhookConfiguration's caBundle. Checked again every hour.
import { X509Certificate } from 'node:crypto';
import type { V1Secret, V1ValidatingWebhookConfiguration } from '@kubernetes/client-node';
import { type ApiConnection, jsonPatch } from '../../common/kube/api-connection.ts';
import { describeApiError, isConflict, isNotFound } from '../../common/kube/api-errors.ts';
import { resourcePath, secrets, validatingWebhookConfigurations } from '../../common/kube/api-paths.ts';
import type { Logger } from '../../common/observability/logger.ts';
import { makeWebhookCertificates, type WebhookCertificates } from './certificates.ts';

const renewBeforeMs = 30 * 86_400_000;
const validDays = 365;
const recheckMs = 3_600_000;

export interface TlsManagerOptions {
  readonly connection: ApiConnection;
  readonly namespace: string;
  readonly secretName: string;
  readonly configurationName: string;
  readonly dnsNames: readonly string[];
  readonly ipAddresses?: readonly string[];
  readonly logger: Logger;
  /** A new certificate to serve. */
  readonly onCertificates: (certs: WebhookCertificates) => void;
}

/** Whether stored certificates still serve: they name every wanted host and are not about to expire. */
export function stillValid(
  certs: WebhookCertificates | undefined,
  wanted: TlsManagerOptions,
  nowMs: number,
): boolean {
  if (!certs) return false;
  try {
    const cert = new X509Certificate(certs.certPem);
    if (new Date(cert.validTo).getTime() - nowMs < renewBeforeMs) return false;
    if (!cert.verify(new X509Certificate(certs.caPem).publicKey)) return false;
    return (
      wanted.dnsNames.every((name) => cert.checkHost(name) === name) &&
      (wanted.ipAddresses ?? []).every((ip) => cert.checkIP(ip) === ip)
    );
  } catch {
    return false;
  }
}

function fromSecret(secret: V1Secret | undefined): WebhookCertificates | undefined {
  const data = secret?.data;
  if (!data?.['ca.crt'] || !data['tls.crt'] || !data['tls.key']) return undefined;
  const text = (b64: string) => Buffer.from(b64, 'base64').toString('utf8');
  const certPem = text(data['tls.crt']);
  try {
    const notAfter = new Date(new X509Certificate(certPem).validTo).toISOString();
    return { caPem: text(data['ca.crt']), certPem, keyPem: text(data['tls.key']), notAfter };
  } catch {
    return undefined; // not a certificate: made anew, as when missing
  }
}

/** The Secret holding certs; replacing `existing`, whose type stays (a Secret's type is immutable). */
function toSecret(
  name: string,
  namespace: string,
  certs: WebhookCertificates,
  existing?: V1Secret,
): V1Secret {
  const b64 = (text: string) => Buffer.from(text).toString('base64');
  const resourceVersion = existing?.metadata?.resourceVersion;
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: existing?.type ?? 'kubernetes.io/tls',
    metadata: {
      name,
      namespace,
      labels: { app: 'baremetal-lb', component: 'webhook' },
      ...(resourceVersion ? { resourceVersion } : {}),
    },
    data: { 'ca.crt': b64(certs.caPem), 'tls.crt': b64(certs.certPem), 'tls.key': b64(certs.keyPem) },
  };
}

export interface TlsManager {
  /** The certificates in force once start() resolved. */
  readonly current: () => WebhookCertificates;
  stop(): void;
}

/** Gets valid certificates (from the Secret, or made and stored), serves them, and injects the CA. */
export async function startTlsManager(options: TlsManagerOptions): Promise<TlsManager> {
  const { connection, namespace, secretName: name, logger } = options;
  const secretPath = resourcePath(secrets, { namespace, name });
  const configurationPath = resourcePath(validatingWebhookConfigurations, {
    name: options.configurationName,
  });
  let current: WebhookCertificates | undefined;

  async function ensureSecret(): Promise<WebhookCertificates> {
    for (;;) {
      const secret = await connection.request<V1Secret>('GET', secretPath).catch((error: unknown) => {
        if (isNotFound(error)) return undefined;
        throw error;
      });
      const stored = fromSecret(secret);
      if (stillValid(stored, options, Date.now())) return stored!;
      const fresh = await makeWebhookCertificates({ ...options, now: new Date(), validDays });
      try {
        if (secret)
          await connection.request('PUT', secretPath, {
            body: toSecret(name, namespace, fresh, secret),
          });
        else
          await connection.request('POST', resourcePath(secrets, { namespace }), {
            body: toSecret(name, namespace, fresh),
          });
        logger.info(
          { secret: `${namespace}/${name}`, notAfter: fresh.notAfter },
          'made new webhook certificates',
        );
        return fresh;
      } catch (error) {
        // Another replica wrote first: use what it wrote.
        if (!isConflict(error)) throw error;
      }
    }
  }

  async function injectCa(caPem: string): Promise<void> {
    const caBundle = Buffer.from(caPem).toString('base64');
    const configuration = await connection
      .request<V1ValidatingWebhookConfiguration>('GET', configurationPath)
      .catch((error: unknown) => {
        if (isNotFound(error)) return undefined;
        throw error;
      });
    if (!configuration) {
      logger.warn(
        { configuration: options.configurationName },
        'no ValidatingWebhookConfiguration to give the CA to',
      );
      return;
    }
    const patch = (configuration.webhooks ?? []).flatMap((webhook, i) =>
      webhook.clientConfig.caBundle === caBundle
        ? []
        : [{ op: 'add', path: `/webhooks/${i}/clientConfig/caBundle`, value: caBundle }],
    );
    if (patch.length === 0) return;
    await connection.request('PATCH', configurationPath, { body: patch, contentType: jsonPatch });
    logger.info({ configuration: options.configurationName, webhooks: patch.length }, 'webhook CA injected');
  }

  async function refresh(): Promise<void> {
    const certs = await ensureSecret();
    if (certs.certPem !== current?.certPem) {
      current = certs;
      options.onCertificates(certs);
    }
    await injectCa(certs.caPem);
  }

  await refresh();
  const timer = setInterval(() => {
    refresh().catch((error: unknown) =>
      logger.warn(
        { err: describeApiError(error) },
        'could not check the webhook certificates; retrying in an hour',
      ),
    );
  }, recheckMs);
  timer.unref();
  return { current: () => current!, stop: () => clearInterval(timer) };
}

// The validating webhook's HTTPS endpoint: kube-apiserver posts an AdmissionReview per create or
// update of an IPAddressPool, an L2Advertisement or the pool ConfigMap, and gets admit()'s verdict.
// The certificate can be replaced while serving (rotation) without dropping the listener.
import https from 'node:https';
import type { KubernetesObject } from '@kubernetes/client-node';
import { closeServer, listenOn } from '../../common/observability/health-server.ts';
import type { Logger } from '../../common/observability/logger.ts';
import { loadConfig } from '../../common/pool-config/load-off-thread.ts';
import { type AdmissionVerdict, type AdmittedKind, admit, type ConfigState } from './admission.ts';

/** The paths the ValidatingWebhookConfiguration names, by the kind each one admits. */
export const webhookPaths: Readonly<Record<AdmittedKind, string>> = {
  IPAddressPool: '/validate-metallb-io-v1beta1-ipaddresspool',
  L2Advertisement: '/validate-metallb-io-v1beta1-l2advertisement',
  ConfigMap: '/validate-v1-configmap',
};

export interface WebhookServer {
  readonly address: string;
  setCertificate(cert: { certPem: string; keyPem: string }): void;
  close(): Promise<void>;
}

interface AdmissionReview {
  request?: {
    uid?: string;
    namespace?: string;
    name?: string;
    operation?: string;
    object?: KubernetesObject;
  };
}

function reviewResponse(uid: string, verdict: AdmissionVerdict) {
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    response: verdict.allowed
      ? { uid, allowed: true }
      : { uid, allowed: false, status: { code: 422, reason: 'Invalid', message: verdict.message } },
  };
}

async function readJson(req: import('node:http').IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 4 * 1024 * 1024) throw new Error('review larger than 4 MiB');
    chunks.push(chunk as Buffer);
  }
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

export async function startWebhookServer(options: {
  readonly address: string;
  readonly cert: { certPem: string; keyPem: string };
  readonly state: () => ConfigState;
  readonly logger: Logger;
}): Promise<WebhookServer> {
  const kindByPath = new Map(
    Object.entries(webhookPaths).map(([kind, path]) => [path, kind as AdmittedKind]),
  );
  const server = https.createServer({ cert: options.cert.certPem, key: options.cert.keyPem }, (req, res) => {
    const kind = kindByPath.get((req.url ?? '').split('?')[0] ?? '');
    const reply = (code: number, body: unknown) => {
      res.writeHead(code, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.method !== 'POST' || !kind)
      return reply(404, { message: `no webhook at ${req.method} ${req.url}` });
    readJson(req).then(
      async (body) => {
        const request = (body as AdmissionReview).request ?? {};
        const object = request.object ?? {};
        const verdict = await admit(
          {
            kind,
            namespace: request.namespace ?? object.metadata?.namespace ?? '',
            name: request.name ?? object.metadata?.name ?? '',
            object,
          },
          options.state(),
          loadConfig,
        );
        if (!verdict.allowed) {
          options.logger.info(
            { kind, name: request.name, reason: verdict.message },
            'webhook refused a write',
          );
        }
        reply(200, reviewResponse(request.uid ?? '', verdict));
      },
      (error: Error) => reply(400, { message: `unreadable AdmissionReview: ${error.message}` }),
    );
  });
  const { address } = await listenOn(server, options.address);
  return {
    address,
    setCertificate(cert) {
      server.setSecureContext({ cert: cert.certPem, key: cert.keyPem });
    },
    close: () => closeServer(server),
  };
}

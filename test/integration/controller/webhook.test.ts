// The controller's validating webhook: it makes its own certificates, keeps them in a Secret, gives
// the CA to the ValidatingWebhookConfiguration, and refuses a pool object with the words
// check-config prints, or a change that would leave addresses in use in no pool. On the real
// kube-apiserver, kubectl apply itself is refused; the embedded server calls no webhooks, so there
// the endpoint is asked directly, as kube-apiserver would ask it.
import assert from 'node:assert/strict';
import https from 'node:https';
import { after, before, test } from 'node:test';
import { AdmissionregistrationV1Api, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import type { Controller } from '../../../controller/controller.ts';
import { webhookPaths } from '../../../controller/webhook/server.ts';
import { freeLoopbackPort } from '../../../lab/wait.ts';
import { backend } from '../../kube-cluster.ts';
import { type ControllerLab, eventually, externalIP, startControllerLab } from './controller-lab.ts';
import { crdManifests, ingressService, ipAddressPool, namespace } from './fixtures.ts';

let lab: ControllerLab;
let controller: Controller;
let port = 0;
const configurationName = 'baremetal-lb-webhook-configuration';
const secretName = 'baremetal-lb-webhook-cert';

function webhookConfiguration() {
  const hook = (name: string, path: string, resources: string[], group: string, version: string) => ({
    name,
    admissionReviewVersions: ['v1'],
    sideEffects: 'None',
    failurePolicy: 'Fail',
    timeoutSeconds: 10,
    clientConfig: { url: `https://127.0.0.1:${port}${path}` },
    rules: [
      {
        apiGroups: [group],
        apiVersions: [version],
        operations: ['CREATE', 'UPDATE'],
        resources,
        scope: 'Namespaced',
      },
    ],
    namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': namespace } },
  });
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingWebhookConfiguration',
    metadata: { name: configurationName },
    webhooks: [
      hook(
        'ipaddresspools.baremetal-lb.io',
        webhookPaths.IPAddressPool,
        ['ipaddresspools'],
        'metallb.io',
        'v1beta1',
      ),
      hook(
        'l2advertisements.baremetal-lb.io',
        webhookPaths.L2Advertisement,
        ['l2advertisements'],
        'metallb.io',
        'v1beta1',
      ),
    ],
  };
}

before(async () => {
  lab = await startControllerLab();
  await lab.apply(crdManifests());
  port = await freeLoopbackPort();
  await lab.kubectl(['apply', '-f', '-'], JSON.stringify(webhookConfiguration()));
  controller = await lab.startController('hook', {
    webhook: {
      address: `127.0.0.1:${port}`,
      serviceName: 'baremetal-lb-webhook-service',
      secretName,
      configurationName,
      ipAddresses: ['127.0.0.1'],
    },
  });
  await lab.apply(ipAddressPool('web', ['192.0.2.10/31']));
  await eventually('ready', () => controller.isReady());
});
after(async () => {
  await lab?.close();
});

function kube() {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(lab.kubeconfigFile);
  return kubeConfig;
}

async function caFromSecret(): Promise<string> {
  const secret = await kube().makeApiClient(CoreV1Api).readNamespacedSecret({ name: secretName, namespace });
  return Buffer.from(secret.data?.['ca.crt'] ?? '', 'base64').toString();
}

const duplicateNamespaces = {
  apiVersion: 'metallb.io/v1beta1',
  kind: 'IPAddressPool',
  metadata: { name: 'dup', namespace },
  spec: { addresses: ['198.51.100.0/30'], serviceAllocation: { namespaces: ['shop', 'shop'] } },
};

test('the certificates are in the Secret, and the CA is in every webhook of the configuration', async () => {
  const ca = await caFromSecret();
  assert.match(ca, /BEGIN CERTIFICATE/);
  const configuration = await kube()
    .makeApiClient(AdmissionregistrationV1Api)
    .readValidatingWebhookConfiguration({ name: configurationName });
  for (const webhook of configuration.webhooks ?? []) {
    assert.equal(Buffer.from(webhook.clientConfig.caBundle ?? '', 'base64').toString(), ca, webhook.name);
  }
});

test("the endpoint refuses a bad pool in check-config's words and admits a good one", async () => {
  const ca = await caFromSecret();
  const review = (object: unknown) =>
    new Promise<{ response: { allowed: boolean; status?: { message: string } } }>((resolve, reject) => {
      const body = JSON.stringify({
        apiVersion: 'admission.k8s.io/v1',
        kind: 'AdmissionReview',
        request: { uid: 'u1', namespace, name: 'dup', operation: 'CREATE', object },
      });
      const req = https.request(
        {
          host: '127.0.0.1',
          port,
          path: webhookPaths.IPAddressPool,
          method: 'POST',
          ca,
          headers: { 'Content-Type': 'application/json' },
        },
        (res) => {
          let text = '';
          res.on('data', (c: Buffer) => {
            text += c;
          });
          res.on('end', () => resolve(JSON.parse(text)));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  const refused = await review(duplicateNamespaces);
  assert.equal(refused.response.allowed, false);
  assert.match(
    refused.response.status?.message ?? '',
    /^error: IPAddressPool baremetal-lb-system\/dup pool "dup": spec\.serviceAllocation\.namespaces\[1\]="shop": repeats/,
  );
  const fine = await review({ ...duplicateNamespaces, spec: { addresses: ['198.51.100.0/30'] } });
  assert.equal(fine.response.allowed, true);
});

test('kubectl apply: kube-apiserver asks the webhook and refuses the bad pool, the stranding edit too', async (t) => {
  if (backend !== 'real') return t.skip('the embedded API server calls no admission webhooks');
  const refused = await lab
    .kubectl(['apply', '-f', '-'], JSON.stringify(duplicateNamespaces))
    .catch((e: Error) => e.message);
  assert.match(refused, /denied the request: error: IPAddressPool baremetal-lb-system\/dup .*repeats/);
  await lab.apply(ingressService('held'));
  const ip = await eventually('held to get an address', async () => {
    const shown = await externalIP(lab, 'held');
    return shown === '<pending>' ? undefined : shown;
  });
  const shrunk = await lab.apply(ipAddressPool('web', ['192.0.2.100/32'])).catch((e: Error) => e.message);
  assert.match(
    shrunk,
    new RegExp(
      `denied the request: this change leaves addresses in use in no pool: default/held \\(${ip.replaceAll('.', '\\.')}\\)`,
    ),
  );
});

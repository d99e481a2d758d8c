// What the controller and the speaker are made to do in each run of the least-privilege test: every
// code path that needs a permission, each step waiting (by polling the API) for its visible outcome.
// Each scenario owns its own API server, so the two can run side by side.

import path from 'node:path';
import { presenceLeaseName } from '../../../common/kube/speaker-presence.ts';
import {
  endpointSliceObject,
  nodeObject,
  nodeReadyStatus,
  speakerPodName,
  speakerPodObject,
  speakerPodRunningStatus,
  systemNamespace,
} from '../../../lab/cluster-objects.ts';
import type { LabHost } from '../../../lab/network/topology.ts';
import { type Json, type RbacCluster, repoRoot, type Scenario } from './rbac-cluster.ts';

const cli = path.join(repoRoot, 'bin', 'main.mjs');
const node = ['--disable-warning=ExperimentalWarning', cli];
const metallb = `/apis/metallb.io/v1beta1/namespaces/${systemNamespace}`;
const services = '/api/v1/namespaces/default/services';
const poolName = 'rbac-pool';
const poolAnnotation = 'metallb.io/ip-allocated-from-pool';
const l2Statuses = `/apis/metallb.io/v1beta1/namespaces/${systemNamespace}/servicel2statuses`;
const excludeLabel = 'node.kubernetes.io/exclude-from-external-load-balancers';
const leasePath = `/apis/coordination.k8s.io/v1/namespaces/${systemNamespace}/leases/baremetal-lb-controller`;

/** A pool of 192.0.2.240/28 from IPAddressPool and L2Advertisement objects (not the ConfigMap). */
async function createPoolObjects(cluster: RbacCluster): Promise<void> {
  await cluster.admin.create(`${metallb}/ipaddresspools`, {
    apiVersion: 'metallb.io/v1beta1',
    kind: 'IPAddressPool',
    metadata: { name: poolName, namespace: systemNamespace },
    spec: { addresses: ['192.0.2.240/28'] },
  });
  await cluster.admin.create(`${metallb}/l2advertisements`, {
    apiVersion: 'metallb.io/v1beta1',
    kind: 'L2Advertisement',
    metadata: { name: 'rbac-l2', namespace: systemNamespace },
    spec: { ipAddressPools: [poolName] },
  });
}

function loadBalancer(name: string, annotations: Record<string, string> = {}) {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: 'default', annotations },
    spec: { type: 'LoadBalancer', ports: [{ name: 'http', port: 80, protocol: 'TCP' }] },
  };
}

/** Sum of the counts of the Events with this reason about the object with this uid. */
async function eventCount(cluster: RbacCluster, uid: string, reason: string): Promise<number> {
  const list = await cluster.admin.get('/api/v1/namespaces/default/events');
  return ((list?.items ?? []) as Json[])
    .filter((e) => e.involvedObject?.uid === uid && e.reason === reason)
    .reduce((sum, e) => sum + (e.count ?? 1), 0);
}

const atLeast = (wanted: number) => (n: number) => (n >= wanted ? true : undefined);

/**
 * The controller, from a cluster without its Lease: create the Lease; list and watch Services,
 * Namespaces, the ConfigMap and the metallb.io objects; write a status (PUT), and again after a
 * forced 409 (which makes it read the status); patch the pool annotation; create an Event and bump
 * it on a repeat; patch the IPAddressPool status; on SIGTERM read and release the Lease (update).
 */
const memberlistSecretName = 'baremetal-lb-memberlist';
const webhookSecret = 'baremetal-lb-webhook-cert';
const webhookSecretPath = `/api/v1/namespaces/${systemNamespace}/secrets/${webhookSecret}`;
const webhookConfigurationPath =
  '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/baremetal-lb-webhook-configuration';
/** Never called here (its service does not exist): the controller only writes the CA into it. */
const webhookConfiguration = {
  apiVersion: 'admissionregistration.k8s.io/v1',
  kind: 'ValidatingWebhookConfiguration',
  metadata: { name: 'baremetal-lb-webhook-configuration' },
  webhooks: [
    {
      name: 'ipaddresspools.baremetal-lb.io',
      admissionReviewVersions: ['v1'],
      sideEffects: 'None',
      failurePolicy: 'Ignore',
      clientConfig: { service: { name: 'nowhere', namespace: systemNamespace, path: '/validate' } },
      rules: [
        {
          apiGroups: ['metallb.io'],
          apiVersions: ['v1beta1'],
          operations: ['CREATE'],
          resources: ['nothing'],
        },
      ],
    },
  ],
};
const memberlistSecretPath = `/api/v1/namespaces/${systemNamespace}/secrets/${memberlistSecretName}`;

export async function controllerScenario(cluster: RbacCluster): Promise<Scenario> {
  await createPoolObjects(cluster);
  const { admin } = cluster;
  const service = (name: string) => admin.get(`${services}/${name}`);
  return {
    account: 'controller',
    async reset() {
      await admin.remove(leasePath);
      await admin.remove(memberlistSecretPath);
      // Certificates that no longer serve, so the controller must read and replace them, and a
      // webhook configuration without the CA, so it must write it.
      await admin.remove(webhookSecretPath);
      await admin.create(`/api/v1/namespaces/${systemNamespace}/secrets`, {
        metadata: { name: webhookSecret, namespace: systemNamespace },
        data: { 'ca.crt': 'eA==', 'tls.crt': 'eA==', 'tls.key': 'eA==' },
      });
      await admin.remove(webhookConfigurationPath);
      await admin.create(
        '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations',
        webhookConfiguration,
      );
      for (const name of ['svc-a', 'svc-b', 'svc-c']) await admin.remove(`${services}/${name}`);
      // Unlike any count the controller computes, so it has to write the status again.
      await admin.patch(`${metallb}/ipaddresspools/${poolName}/status`, {
        status: { assignedIPv4: 0, assignedIPv6: 0, availableIPv4: 0, availableIPv6: 0 },
      });
      await admin.create(services, loadBalancer('svc-a'));
    },
    command: (kubeconfig) => ({
      args: [
        ...node,
        'controller',
        '--kubeconfig',
        kubeconfig,
        '--namespace',
        systemNamespace,
        '--metrics-addr',
        '127.0.0.1:0',
        '--ml-secret-name',
        memberlistSecretName,
        '--webhook-addr',
        '127.0.0.1:0',
      ],
    }),
    async drive(run) {
      await run.waitFor('the memberlist Secret to be created', async () => admin.get(memberlistSecretPath));
      await run.waitFor('the webhook certificates replaced', async () =>
        (await admin.get(webhookSecretPath))?.data?.['tls.crt'] !== 'eA==' ? true : undefined,
      );
      await run.waitFor('the CA written into the webhook configuration', async () =>
        (await admin.get(webhookConfigurationPath))?.webhooks?.[0]?.clientConfig?.caBundle ? true : undefined,
      );
      const a = await run.waitFor('svc-a to get an IP and the pool annotation', async () => {
        const svc = await service('svc-a');
        const ip = svc?.status?.loadBalancer?.ingress?.[0]?.ip;
        return ip && svc?.metadata?.annotations?.[poolAnnotation] === poolName ? svc : undefined;
      });
      await run.waitFor('an IPAllocated Event for svc-a', async () =>
        atLeast(1)(await eventCount(cluster, a.metadata.uid, 'IPAllocated')),
      );

      cluster.cluster.faults.failNext(1, 409, { method: 'PUT', path: `${services}/svc-b/status` });
      await admin.create(services, loadBalancer('svc-b'));
      await run.waitFor('svc-b to get an IP past a 409 on its status write', async () => {
        const svc = await service('svc-b');
        return svc?.status?.loadBalancer?.ingress?.[0]?.ip;
      });

      // Outside the pool: every reconcile of svc-c fails the same way, so the second is a repeat.
      const c = await admin.create(
        services,
        loadBalancer('svc-c', { 'metallb.io/loadBalancerIPs': '203.0.113.10' }),
      );
      await run.waitFor('an AllocationFailed Event for svc-c', async () =>
        atLeast(1)(await eventCount(cluster, c.metadata.uid, 'AllocationFailed')),
      );
      await admin.patch(`${services}/svc-c`, { metadata: { labels: { touched: 'yes' } } });
      await run.waitFor('the AllocationFailed Event of svc-c counted twice', async () =>
        atLeast(2)(await eventCount(cluster, c.metadata.uid, 'AllocationFailed')),
      );

      await run.waitFor('the IPAddressPool status to count two assigned IPv4 addresses', async () => {
        const pool = await admin.get(`${metallb}/ipaddresspools/${poolName}`);
        return pool?.status?.assignedIPv4 === 2 ? true : undefined;
      });

      run.signal('SIGTERM');
      await run.waitFor('the controller to hand its Lease back on SIGTERM', async () => {
        const lease = await admin.get(leasePath);
        return lease?.spec?.holderIdentity === '' ? true : undefined;
      });
    },
  };
}

/**
 * One speaker inside the node's network namespace: list and watch Services, EndpointSlices, Nodes,
 * its Pods, the ConfigMap and the metallb.io objects; adopt the ServiceL2Status of web left from
 * before (patch its owner and its status); create a nodeAssigned Event; lose the Service (node
 * excluded: it deletes its ServiceL2Status) and win it back (creates one, sets its status), which
 * repeats the Event (patch).
 */
export async function speakerScenario(cluster: RbacCluster, host: LabHost): Promise<Scenario> {
  await createPoolObjects(cluster);
  const { admin } = cluster;
  const now = new Date();
  await admin.create('/api/v1/nodes', nodeObject(host));
  await admin.patch(`/api/v1/nodes/${host.name}/status`, nodeReadyStatus(host, now));
  const pods = `/api/v1/namespaces/${systemNamespace}/pods`;
  await admin.create(pods, speakerPodObject(host));
  await admin.patch(`${pods}/${speakerPodName(host)}/status`, speakerPodRunningStatus(host, now));
  await admin.create(
    '/apis/discovery.k8s.io/v1/namespaces/default/endpointslices',
    endpointSliceObject({
      namespace: 'default',
      service: 'web',
      family: 4,
      ports: [{ name: 'http', port: 80 }],
      endpoints: [{ node: host, ready: true }],
    }),
  );
  const webStatuses = async () => {
    const selector = encodeURIComponent('metallb.io/service-name=web,metallb.io/service-namespace=default');
    return ((await admin.get(`${l2Statuses}?labelSelector=${selector}`))?.items ?? []) as Json[];
  };
  /** The speaker's ServiceL2Status for web, once it names this node and is owned by its Pod. */
  const ownStatus = async () => {
    const [status, ...others] = await webStatuses();
    const owned = status?.metadata?.ownerReferences?.[0]?.name === speakerPodName(host);
    return others.length === 0 && owned && status.status?.node === host.name ? status : undefined;
  };
  const presenceLease = `/apis/coordination.k8s.io/v1/namespaces/${systemNamespace}/leases/${presenceLeaseName(host.name)}`;
  const exclude = (value: string | null) =>
    admin.patch(`/api/v1/nodes/${host.name}`, { metadata: { labels: { [excludeLabel]: value } } });
  let uid = '';
  return {
    account: 'speaker',
    async reset() {
      await exclude(null);
      // No presence Lease yet, so that the speaker must create it.
      await admin.remove(presenceLease);
      // A new Service each run: Events of earlier runs are about another uid.
      await admin.remove(`${services}/web`);
      uid = (await admin.create(services, loadBalancer('web'))).metadata.uid;
      await admin.patch(`${services}/web/status`, {
        status: { loadBalancer: { ingress: [{ ip: '192.0.2.240' }] } },
      });
      // A ServiceL2Status from before a restart, without its owner, for the speaker to adopt.
      for (const old of await webStatuses()) await admin.remove(`${l2Statuses}/${old.metadata.name}`);
      const labels = {
        'metallb.io/node': host.name,
        'metallb.io/service-name': 'web',
        'metallb.io/service-namespace': 'default',
      };
      const left = await admin.create(l2Statuses, {
        apiVersion: 'metallb.io/v1beta1',
        kind: 'ServiceL2Status',
        metadata: { generateName: 'l2-', labels },
        spec: {},
      });
      await admin.patch(`${l2Statuses}/${left.metadata.name}/status`, {
        status: { node: host.name, serviceName: 'web', serviceNamespace: 'default' },
      });
    },
    command: (kubeconfig) => ({
      netns: host.netns,
      args: [
        ...node,
        'speaker',
        '--node-name',
        host.name,
        '--kubeconfig',
        kubeconfig,
        '--namespace',
        systemNamespace,
        '--no-failure-detector',
        '--metrics-addr',
        '127.0.0.1:0',
        '--presence-interval',
        '0.2',
      ],
    }),
    async drive(run) {
      const renewed = await run.waitFor(
        'the presence Lease',
        async () => (await admin.get(presenceLease))?.spec?.renewTime,
      );
      await run.waitFor('the presence Lease renewed', async () =>
        (await admin.get(presenceLease))?.spec?.renewTime !== renewed ? true : undefined,
      );
      const adopted = await run.waitFor('the left ServiceL2Status adopted, with its interfaces', async () => {
        const status = await ownStatus();
        return status?.status?.interfaces?.length > 0 ? status : undefined;
      });
      await run.waitFor('a nodeAssigned Event for web', async () =>
        atLeast(1)(await eventCount(cluster, uid, 'nodeAssigned')),
      );
      await exclude('');
      await run.waitFor('the ServiceL2Status deleted once the node is excluded', async () =>
        (await webStatuses()).length === 0 ? true : undefined,
      );
      await exclude(null);
      await run.waitFor('a new ServiceL2Status once the node is back', async () => {
        const status = await ownStatus();
        return status && status.metadata.uid !== adopted.metadata.uid ? true : undefined;
      });
      await run.waitFor('the nodeAssigned Event counted twice once the node is back', async () =>
        atLeast(2)(await eventCount(cluster, uid, 'nodeAssigned')),
      );
      run.signal('SIGTERM');
      await run.waitFor('the presence Lease released on a graceful stop', async () =>
        (await admin.get(presenceLease))?.spec?.holderIdentity === '' ? true : undefined,
      );
    },
  };
}

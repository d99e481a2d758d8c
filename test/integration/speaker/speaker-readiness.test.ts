// Speakers without the failure detector (--no-failure-detector) judge each other by speaker Pod
// readiness; and a Service whose pool no L2Advertisement covers is not announced, with one Warning.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CustomObjectsApi, DiscoveryV1Api } from '@kubernetes/client-node';
import { endpointSliceObject, speakerPodName, systemNamespace } from '../../../lab/cluster-objects.ts';
import { electLeader } from '../../../speaker/election/elect-leader.ts';
import { mergePatch, type SpeakerLab, startSpeakerLab, vip4, waitFor } from './speaker-lab.ts';

let lab: SpeakerLab;
const orphan = { namespace: 'default', name: 'orphan', ip: '203.0.113.1', pool: 'unadvertised' };

before(async () => {
  lab = await startSpeakerLab(`spr${process.pid.toString(36)}`, 2);
  await waitFor('the IPAddressPool resource to be served', 10_000, async () => {
    try {
      return await lab.kubeConfig.makeApiClient(CustomObjectsApi).createNamespacedCustomObject({
        group: 'metallb.io',
        version: 'v1beta1',
        namespace: systemNamespace,
        plural: 'ipaddresspools',
        body: {
          apiVersion: 'metallb.io/v1beta1',
          kind: 'IPAddressPool',
          metadata: { name: orphan.pool, namespace: systemNamespace },
          spec: { addresses: ['203.0.113.0/28'] },
        },
      });
    } catch {
      return undefined;
    }
  });
  await lab.core.createNamespacedService({
    namespace: orphan.namespace,
    body: {
      metadata: {
        name: orphan.name,
        namespace: orphan.namespace,
        annotations: { 'metallb.io/ip-allocated-from-pool': orphan.pool },
      },
      spec: { type: 'LoadBalancer', selector: { app: 'orphan' }, ports: [{ port: 80, protocol: 'TCP' }] },
    },
  });
  await lab.core.patchNamespacedServiceStatus(
    { ...orphan, body: { status: { loadBalancer: { ingress: [{ ip: orphan.ip }] } } } },
    mergePatch,
  );
  await lab.kubeConfig.makeApiClient(DiscoveryV1Api).createNamespacedEndpointSlice({
    namespace: orphan.namespace,
    body: endpointSliceObject({
      namespace: orphan.namespace,
      service: orphan.name,
      family: 4,
      ports: [{ name: 'http', port: 8080 }],
      endpoints: lab.topology.nodes.map((node) => ({ node, ready: true })),
    }),
  });
  for (const node of lab.topology.nodes) lab.startSpeaker(node, ['--no-failure-detector']);
});
after(async () => {
  await lab?.close();
});

async function setPodReady(node: string, ready: boolean): Promise<void> {
  await lab.core.patchNamespacedPodStatus(
    {
      name: speakerPodName(lab.host(node)),
      namespace: systemNamespace,
      body: { status: { conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] } },
    },
    mergePatch,
  );
}

async function onlyAnswer(node: string): Promise<void> {
  const mac = lab.host(node).mac;
  const seen = await waitFor(`${node} to be the only one answering`, 20_000, async () => {
    const macs = await lab.arpingMacs(vip4, 1);
    return macs.size === 1 && macs.has(mac) ? macs : undefined;
  });
  assert.deepEqual([...seen], [mac]);
}

test('a pool no L2Advertisement covers: not announced, one Warning Event on the Service', async () => {
  const warnings = await waitFor('a Warning Event', 20_000, async () => {
    const events = await lab.core.listNamespacedEvent({ namespace: orphan.namespace });
    const found = events.items.filter((e) => e.involvedObject.name === orphan.name && e.type === 'Warning');
    return found.length > 0 ? found : undefined;
  });
  // Runs first: while speaker readiness is stable the reporter is one node, so there is one Event.
  assert.equal(warnings.length, 1, 'one speaker (the reporter) writes it');
  assert.equal(warnings[0]!.reason, 'noL2Advertisement');
  assert.match(warnings[0]!.message ?? '', /no L2Advertisement announces pool "unadvertised"/);
  assert.ok(warnings[0]!.involvedObject.uid);
  assert.equal((await lab.arpingMacs(orphan.ip, 2)).size, 0);
});

test('the elected node answers; a NotReady speaker Pod hands over; Ready again takes it back', async () => {
  const leader = electLeader(vip4, lab.names)!;
  const other = lab.names.find((n) => n !== leader)!;
  await onlyAnswer(leader);
  await setPodReady(leader, false);
  await onlyAnswer(other);
  await setPodReady(leader, true);
  await onlyAnswer(leader);
});

test("an L2Advertisement's serviceSelectors pick the Service and its preferredNodeSelectors the node", async () => {
  const names = lab.topology.nodes.map((n) => n.name);
  const byHash = electLeader(orphan.ip, names)!;
  const preferred = names.find((n) => n !== byHash)!;
  await lab.core.patchNamespacedService(
    { name: orphan.name, namespace: orphan.namespace, body: { metadata: { labels: { tier: 'edge' } } } },
    mergePatch,
  );
  await lab.kubeConfig.makeApiClient(CustomObjectsApi).createNamespacedCustomObject({
    group: 'metallb.io',
    version: 'v1beta1',
    namespace: systemNamespace,
    plural: 'l2advertisements',
    body: {
      apiVersion: 'metallb.io/v1beta1',
      kind: 'L2Advertisement',
      metadata: { name: 'edge', namespace: systemNamespace },
      spec: {
        ipAddressPools: [orphan.pool],
        serviceSelectors: [{ matchLabels: { tier: 'edge' } }],
        preferredNodeSelectors: [
          { weight: 50, preference: { matchLabels: { 'kubernetes.io/hostname': preferred } } },
        ],
      },
    },
  });
  const mac = lab.host(preferred).mac;
  const seen = await waitFor(
    `${preferred}, the preferred node, to answer for ${orphan.ip}`,
    20_000,
    async () => {
      const macs = await lab.arpingMacs(orphan.ip, 1);
      return macs.size === 1 && macs.has(mac) ? macs : undefined;
    },
  );
  assert.deepEqual([...seen], [mac], `the hash alone would pick ${byHash}`);
});

test('a leader with no interface its L2Advertisements allow says so with a Warning, not nodeAssigned', async () => {
  const svc = { namespace: 'default', name: 'ifaceless', ip: '198.51.100.9', pool: 'ifaceless' };
  const custom = lab.kubeConfig.makeApiClient(CustomObjectsApi);
  const create = (plural: string, kind: string, spec: object) =>
    custom.createNamespacedCustomObject({
      group: 'metallb.io',
      version: 'v1beta1',
      namespace: systemNamespace,
      plural,
      body: {
        apiVersion: 'metallb.io/v1beta1',
        kind,
        metadata: { name: svc.pool, namespace: systemNamespace },
        spec,
      },
    });
  await create('ipaddresspools', 'IPAddressPool', { addresses: ['198.51.100.8/29'] });
  await create('l2advertisements', 'L2Advertisement', {
    ipAddressPools: [svc.pool],
    interfaces: ['nosuch0'],
  });
  await lab.core.createNamespacedService({
    namespace: svc.namespace,
    body: {
      metadata: {
        name: svc.name,
        namespace: svc.namespace,
        annotations: { 'metallb.io/ip-allocated-from-pool': svc.pool },
      },
      spec: { type: 'LoadBalancer', selector: { app: svc.name }, ports: [{ port: 80, protocol: 'TCP' }] },
    },
  });
  await lab.core.patchNamespacedServiceStatus(
    {
      namespace: svc.namespace,
      name: svc.name,
      body: { status: { loadBalancer: { ingress: [{ ip: svc.ip }] } } },
    },
    mergePatch,
  );
  await lab.kubeConfig.makeApiClient(DiscoveryV1Api).createNamespacedEndpointSlice({
    namespace: svc.namespace,
    body: endpointSliceObject({
      namespace: svc.namespace,
      service: svc.name,
      family: 4,
      ports: [{ name: 'http', port: 8080 }],
      endpoints: lab.topology.nodes.map((node) => ({ node, ready: true })),
    }),
  });
  const leader = electLeader(svc.ip, lab.names)!;
  const warning = await waitFor('an announceFailed Warning', 20_000, async () => {
    const events = await lab.core.listNamespacedEvent({ namespace: svc.namespace });
    return events.items.find((e) => e.involvedObject.name === svc.name && e.reason === 'announceFailed');
  });
  assert.equal(warning.type, 'Warning');
  assert.match(warning.message ?? '', new RegExp(`assigned node "${leader}"`));
  const events = await lab.core.listNamespacedEvent({ namespace: svc.namespace });
  assert.ok(!events.items.some((e) => e.involvedObject.name === svc.name && e.reason === 'nodeAssigned'));
  assert.equal((await lab.arpingMacs(svc.ip, 2)).size, 0, 'and indeed nobody answers');
});

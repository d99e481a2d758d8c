// The pure parts of running the peers in the lab: which of MetalLB's install objects the lab applies,
// and the --lb names.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseLoadBalancer } from '../../../lab/announcers.ts';
import { planTopology } from '../../../lab/network/topology.ts';
import { keepalivedConfig, keepalivedPriority } from '../../../lab/peers/keepalived.ts';
import { metallbInstallObjects } from '../../../lab/peers/metallb.ts';

const manifest = `
apiVersion: v1
kind: Namespace
metadata: {name: metallb-system}
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: bgppeers.metallb.io}
spec:
  group: metallb.io
  conversion: {strategy: Webhook}
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: ipaddresspools.metallb.io}
spec: {group: metallb.io}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: controller}
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: speaker}
---
apiVersion: v1
kind: Service
metadata: {name: metallb-webhook-service}
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata: {name: metallb-webhook-configuration}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: speaker}
`;

test("MetalLB's install objects: its Pods, webhook and conversion webhook are left out, the rest kept", () => {
  const objects = metallbInstallObjects(manifest);
  assert.deepEqual(
    objects.map((o) => `${o.kind}/${o.metadata?.name}`),
    [
      'Namespace/metallb-system',
      'CustomResourceDefinition/bgppeers.metallb.io',
      'CustomResourceDefinition/ipaddresspools.metallb.io',
      'ServiceAccount/speaker',
    ],
  );
  assert.deepEqual(objects[1]?.spec, { group: 'metallb.io' }, 'the conversion webhook is gone');
  assert.deepEqual(objects[2]?.spec, { group: 'metallb.io' });
});

test('--lb takes every implementation and names them all when refusing another', () => {
  const names = [
    'baremetal-lb',
    'baremetal-lb-fast',
    'metallb',
    'kube-vip',
    'keepalived',
    'keepalived-tuned',
  ];
  for (const name of names) assert.equal(parseLoadBalancer(name), name);
  assert.throws(
    () => parseLoadBalancer('cilium'),
    new RegExp(`--lb cilium: expected one of ${names.join(', ')}$`),
  );
});

test('keepalived: distinct priorities, node-1 highest, and the profile in the config', () => {
  assert.deepEqual(
    [0, 1, 2].map((i) => keepalivedPriority(i, 3)),
    [120, 110, 100],
  );
  const node = planTopology('x', 3).nodes[1]!;
  const tuned = keepalivedConfig({ profile: 'keepalived-tuned', node, priority: 110, vip: '192.0.2.240' });
  assert.match(tuned, /vrrp_version 3/);
  assert.match(tuned, /advert_int 0\.1\n/);
  assert.match(tuned, /priority 110\n/);
  assert.match(tuned, /192\.0\.2\.240\/32 dev eth0/);
  const defaults = keepalivedConfig({ profile: 'keepalived', node, priority: 110, vip: '192.0.2.240' });
  assert.match(defaults, /vrrp_version 2/);
  assert.match(defaults, /advert_int 1\n/);
});

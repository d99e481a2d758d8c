// The pure parts of running the peers in the lab: which of MetalLB's install objects the lab applies,
// and the --lb names.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseLoadBalancer } from '../../../lab/announcers.ts';
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

test('--lb takes the three implementations and names them when refusing another', () => {
  for (const name of ['baremetal-lb', 'metallb', 'kube-vip']) assert.equal(parseLoadBalancer(name), name);
  assert.throws(
    () => parseLoadBalancer('cilium'),
    /--lb cilium: expected one of baremetal-lb, metallb, kube-vip/,
  );
});

// serviceAllocation.namespaceSelectors: a Service in a namespace the pool does not admit stays
// pending until the namespace gets the label, then it is assigned without touching the Service.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type ControllerLab, eventually, externalIP, startControllerLab } from './controller-lab.ts';
import { crdManifests, ingressService, namespace } from './fixtures.ts';

let lab: ControllerLab;
before(async () => {
  lab = await startControllerLab();
  await lab.apply(crdManifests());
  await eventually('CRD served', () =>
    lab.kubectl(['get', 'ipaddresspools', '-n', namespace]).then(() => true),
  );
});
after(() => lab.close());

test('labelling the namespace admits its pending Service', async () => {
  await lab.apply(`apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata:
  name: blue-only
  namespace: ${namespace}
spec:
  addresses: [203.0.113.8/29]
  serviceAllocation:
    namespaceSelectors:
      - matchLabels:
          team: blue
`);
  await lab.apply('apiVersion: v1\nkind: Namespace\nmetadata:\n  name: blue\n');
  const controller = await lab.startController('ns-selector');
  await eventually('ready', () => controller.isReady() && controller.isLeader());
  await lab.apply(ingressService('web', 'blue'));
  const failed = await eventually('AllocationFailed', async () => {
    const out = await lab.kubectl(['describe', 'svc', 'web', '-n', 'blue']);
    return /AllocationFailed/.test(out) ? out : undefined;
  });
  assert.match(failed, /no auto-assign pool admits this Service/);
  assert.equal(await externalIP(lab, 'web', 'blue'), '<pending>');
  await lab.kubectl(['label', 'namespace', 'blue', 'team=blue']);
  const ip = await eventually('assigned after labelling', async () => {
    const shown = await externalIP(lab, 'web', 'blue');
    return shown === '<pending>' ? undefined : shown;
  });
  assert.equal(ip, '203.0.113.8');
});

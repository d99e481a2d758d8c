// A new Service is reconciled once: the echoes of the controller's own writes (status, the pool
// annotation) and the speaker's annotation leave what the controller reads unchanged, so they are
// not worth another reconcile. A change it does read still is. Counted with the reconcile counter,
// not MetalLB's updates counter, which also counts config updates (kube-controller-manager may
// touch the namespace's kube-root-ca.crt ConfigMap at any time).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Controller } from '../../../controller/controller.ts';
import {
  type ControllerLab,
  eventually,
  externalIP,
  metricValue,
  startLabWithController,
} from './controller-lab.ts';
import { ingressService, poolConfigMap } from './fixtures.ts';

let lab: ControllerLab;
let controller: Controller;
before(async () => {
  ({ lab, controller } = await startLabWithController(
    'echoes',
    poolConfigMap([{ name: 'default', addresses: ['192.0.2.10-192.0.2.20'] }]),
  ));
  await controller.idle();
});
after(async () => {
  await lab.close();
});

const reconciles = async () =>
  (await metricValue(controller, 'baremetal_lb_controller_service_reconciles_total')) ?? 0;
const settle = async () => {
  await new Promise((r) => setTimeout(r, 1000));
  await controller.idle();
};

test('a new Service: one reconcile, its own writes echo back without another', async () => {
  await settle();
  const before = await reconciles();
  await lab.apply(ingressService('once'));
  await eventually('an address and the pool annotation', async () => {
    const described = await lab.kubectl(['describe', 'svc', 'once']);
    return (
      (await externalIP(lab, 'once')) !== '<pending>' && /ip-allocated-from-pool: default/.test(described)
    );
  });
  await settle();
  assert.equal((await reconciles()) - before, 1);
});

test('an annotation the controller does not read is not worth a reconcile; a change it reads is', async () => {
  const before = await reconciles();
  await lab.kubectl(['annotate', 'svc', 'once', 'example.com/owner=team-a']);
  await settle();
  assert.equal((await reconciles()) - before, 0, 'an unrelated annotation');
  await lab.kubectl(['label', 'svc', 'once', 'tier=web']);
  await settle();
  assert.equal((await reconciles()) - before, 1, 'a label (serviceSelectors read it)');
});

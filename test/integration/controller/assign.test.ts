// The controller against the lab API server, driven and observed with the real kubectl.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Controller } from '../../../controller/controller.ts';
import {
  type ControllerLab,
  eventually,
  externalIP,
  metricValue,
  startControllerLab,
} from './controller-lab.ts';
import { crdManifests, ingressService, ipAddressPool, namespace, poolConfigMap } from './fixtures.ts';

let lab: ControllerLab;
let first: Controller;
before(async () => {
  lab = await startControllerLab();
});
after(async () => {
  if (process.env.DUMP_LOGS) console.log(lab.logs.map((l) => JSON.stringify(l)).join('\n'));
  await lab.close();
});

const inPool = (ip: string, prefix: string) => ip.startsWith(prefix);

test('ConfigMap pools: a LoadBalancer Service gets an EXTERNAL-IP; describe shows IPAllocated', async () => {
  // No metallb.io CRDs installed yet: the controller must treat that as no pools from CRs.
  const controller = await lab.startController('c1');
  first = controller;
  await lab.apply(poolConfigMap([{ name: 'default', addresses: ['192.0.2.10-192.0.2.20'] }]));
  await eventually('ready', () => controller.isReady());
  await lab.apply(ingressService('ingress-nginx-controller'));
  const ip = await eventually('EXTERNAL-IP', async () => {
    const shown = await externalIP(lab, 'ingress-nginx-controller');
    return inPool(shown, '192.0.2.') ? shown : undefined;
  });
  assert.equal(ip, '192.0.2.10');
  const describe = await eventually('IPAllocated in describe', async () => {
    const out = await lab.kubectl(['describe', 'svc', 'ingress-nginx-controller']);
    return /Normal\s+IPAllocated\s.*Assigned IP \["192\.0\.2\.10"\]/.test(out) ? out : undefined;
  });
  assert.match(describe, /metallb\.io\/ip-allocated-from-pool: default/);
  assert.equal(await metricValue(controller, 'metallb_allocator_addresses_in_use_total'), 1);
  assert.equal(await metricValue(controller, 'metallb_k8s_client_config_loaded_bool'), 1);
  const ready = await fetch(`http://${controller.metricsAddress}/readyz`);
  assert.equal(ready.status, 200);
});

test('an IP outside every pool: AllocationFailed, no EXTERNAL-IP', async () => {
  await lab.apply(ingressService('outside', 'default', { loadBalancerIP: '203.0.113.7' }));
  const out = await eventually('AllocationFailed', async () => {
    const text = await lab.kubectl(['describe', 'svc', 'outside']);
    return /AllocationFailed/.test(text) ? text : undefined;
  });
  assert.match(out, /203\.0\.113\.7 is not in any pool/);
  assert.equal(await externalIP(lab, 'outside'), '<pending>');
  await lab.kubectl(['delete', 'svc', 'outside']);
});

test('IPAddressPool CRs: Services get addresses from them; the pool status counts them', async () => {
  await lab.apply(crdManifests());
  await eventually('CRD served', () =>
    lab.kubectl(['get', 'ipaddresspools', '-n', namespace]).then(() => true),
  );
  await lab.apply(ipAddressPool('crpool', ['198.51.100.0/30']));
  await lab
    .kubectl(['create', 'namespace', 'shop', '--dry-run=client', '-o', 'yaml'])
    .then((y) => lab.apply(y));
  await lab.apply(
    ingressService('shop-lb', 'shop').replace(
      'metadata:\n  name: shop-lb\n  namespace: shop\n',
      'metadata:\n  name: shop-lb\n  namespace: shop\n  annotations:\n    metallb.io/address-pool: crpool\n',
    ),
  );
  const ip = await eventually('EXTERNAL-IP from the CR pool', async () => {
    const shown = await externalIP(lab, 'shop-lb', 'shop');
    return inPool(shown, '198.51.100.') ? shown : undefined;
  });
  assert.equal(ip, '198.51.100.0');
  const status = await eventually('pool status', async () => {
    const out = JSON.parse(
      await lab.kubectl(['get', 'ipaddresspool', 'crpool', '-n', namespace, '-o', 'json']),
    );
    return out.status?.assignedIPv4 === 1 ? out.status : undefined;
  });
  assert.deepEqual(status, { assignedIPv4: 1, assignedIPv6: 0, availableIPv4: 3, availableIPv6: 0 });
});

test('IPv6 pool status counts are exact past 2^53 and stop at the int64 maximum', async () => {
  // 2^58 + 3 addresses: a float would round it to ...744; a /64 is more than int64 holds.
  await lab.apply(ipAddressPool('wide', ['2001:db8:0:1::/70', '2001:db8:0:2::-2001:db8:0:2::2']));
  await lab.apply(ipAddressPool('huge', ['2001:db8:0:3::/64']));
  const available = (pool: string) =>
    lab.kubectl(['get', 'ipaddresspool', pool, '-n', namespace, '-o', 'jsonpath={.status.availableIPv6}']);
  assert.equal(
    await eventually('wide counted', async () => (await available('wide')) || undefined),
    '288230376151711747',
  );
  assert.equal(
    await eventually('huge counted', async () => (await available('huge')) || undefined),
    '9223372036854775807',
  );
  await lab.kubectl([
    'delete',
    'ipaddresspool,l2advertisement',
    'wide',
    'huge',
    'wide-l2',
    'huge-l2',
    '-n',
    namespace,
    '--ignore-not-found',
  ]);
});

test('a bad config keeps the old one: Event, log, stale metric; old and new Services still get IPs', async () => {
  const leader = first;
  await lab.apply(poolConfigMap([{ name: 'default', addresses: ['192.0.2.300-192.0.2.301'] }]));
  await eventually('InvalidConfig Event', async () => {
    const out = await lab.kubectl([
      'get',
      'events',
      '-n',
      namespace,
      '--field-selector',
      'reason=InvalidConfig',
    ]);
    return /192\.0\.2\.300/.test(out) ? out : undefined;
  });
  await eventually(
    'stale metric',
    async () => (await metricValue(leader, 'metallb_k8s_client_config_stale_bool')) === 1,
  );
  assert.ok(lab.logs.some((l) => l.level === 'error' && /192\.0\.2\.300/.test(String(l.reason))));
  assert.equal(await externalIP(lab, 'ingress-nginx-controller'), '192.0.2.10');
  await lab.apply(ingressService('after-bad-config'));
  const ip = await eventually('new Service IP from the old pools', async () => {
    const shown = await externalIP(lab, 'after-bad-config');
    return shown === '<pending>' ? undefined : shown;
  });
  // The old pools, in MetalLB order (by name): crpool 198.51.100.0/30 first, then default.
  assert.equal(ip, '198.51.100.1');
  // Fixing the config clears the stale flag.
  await lab.apply(poolConfigMap([{ name: 'default', addresses: ['192.0.2.10-192.0.2.20'] }]));
  await eventually(
    'stale back to 0',
    async () => (await metricValue(leader, 'metallb_k8s_client_config_stale_bool')) === 0,
  );
});

test('controllers restarted from scratch change no IP', async () => {
  const before = {
    a: await externalIP(lab, 'ingress-nginx-controller'),
    b: await externalIP(lab, 'after-bad-config'),
    c: await externalIP(lab, 'shop-lb', 'shop'),
  };
  // Stop every controller, create a Service while none runs, then start a fresh one.
  await lab.closeControllers();
  await lab.apply(ingressService('while-down'));
  const fresh = await lab.startController('c2');
  await eventually('while-down assigned', async () => (await externalIP(lab, 'while-down')) !== '<pending>');
  assert.ok(fresh.isLeader());
  const afterRestart = {
    a: await externalIP(lab, 'ingress-nginx-controller'),
    b: await externalIP(lab, 'after-bad-config'),
    c: await externalIP(lab, 'shop-lb', 'shop'),
  };
  assert.deepEqual(afterRestart, before);
  assert.equal(await externalIP(lab, 'while-down'), '198.51.100.2');
});

test('a Service changed to ClusterIP loses its address with a ClearAssignment Event', async () => {
  await lab.kubectl(['patch', 'svc', 'while-down', '--type=merge', '-p', '{"spec":{"type":"ClusterIP"}}']);
  const out = await eventually('ClearAssignment', async () => {
    const text = await lab.kubectl(['describe', 'svc', 'while-down']);
    return /ClearAssignment/.test(text) ? text : undefined;
  });
  assert.match(out, /no longer of type LoadBalancer/);
  const svc = JSON.parse(await lab.kubectl(['get', 'svc', 'while-down', '-o', 'json']));
  assert.deepEqual(svc.status?.loadBalancer?.ingress ?? [], []);
});

test('rebuild: two Services claiming one IP in their status, the older keeps it', async () => {
  await lab.closeControllers();
  await lab.apply(ingressService('claim-old'));
  await eventually(
    'claim-old created first',
    async () => (await externalIP(lab, 'claim-old')) === '<pending>',
  );
  await new Promise((r) => setTimeout(r, 1100)); // creationTimestamp has whole seconds
  await lab.apply(
    ingressService('claim-new').replace(
      'metadata:\n  name: claim-new\n',
      'metadata:\n  name: claim-new\n  annotations:\n    metallb.universe.tf/allow-shared-ip: legacy\n',
    ),
  );
  const status = '{"status":{"loadBalancer":{"ingress":[{"ip":"192.0.2.15"}]}}}';
  for (const name of ['claim-old', 'claim-new']) {
    await lab.kubectl(['patch', 'svc', name, '--subresource=status', '--type=merge', '-p', status]);
  }
  await lab.startController('c3');
  const out = await eventually('ClearAssignment on the newer Service', async () => {
    const text = await lab.kubectl(['describe', 'svc', 'claim-new']);
    return /ClearAssignment/.test(text) && /IPAllocated/.test(text) ? text : undefined;
  });
  assert.match(out, /192\.0\.2\.15/);
  assert.match(out, /deprecatedAnnotation/);
  assert.equal(await externalIP(lab, 'claim-old'), '192.0.2.15');
  const moved = await externalIP(lab, 'claim-new');
  assert.notEqual(moved, '192.0.2.15');
  assert.notEqual(moved, '<pending>');
});

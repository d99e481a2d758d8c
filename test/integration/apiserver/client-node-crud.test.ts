// @kubernetes/client-node 2.x typed clients against the lab API server: CRUD, status split,
// conflicts, validation errors and the shared events store.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  ApiException,
  CoordinationV1Api,
  CoreV1Api,
  EventsV1Api,
  KubeConfig,
  PatchStrategy,
  setHeaderOptions,
  V1MicroTime,
} from '@kubernetes/client-node';
import { type ApiServer, startApiServer } from '../../../lab/apiserver/server.ts';

let server: ApiServer;
let core: CoreV1Api;
const namespace = 'default';

before(async () => {
  server = await startApiServer();
  const kc = new KubeConfig();
  kc.loadFromString(server.kubeconfig());
  core = kc.makeApiClient(CoreV1Api);
});
after(() => server.close());

async function apiError(
  promise: Promise<unknown>,
): Promise<{ code: number; status: Record<string, unknown> }> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof ApiException, `expected an ApiException, got ${String(error)}`);
    return { code: error.code, status: JSON.parse(error.body as string) as Record<string, unknown> };
  }
  assert.fail('the call succeeded but should have failed');
}

describe('ConfigMaps', () => {
  test('create, read, replace, merge-patch, list by label, delete', async () => {
    const created = await core.createNamespacedConfigMap({
      namespace,
      body: { metadata: { name: 'settings', labels: { app: 'lab' } }, data: { a: '1' } },
    });
    assert.ok(created.metadata?.uid);
    assert.ok(created.metadata?.creationTimestamp);
    const rv1 = Number(created.metadata?.resourceVersion);

    const read = await core.readNamespacedConfigMap({ name: 'settings', namespace });
    assert.deepEqual(read.data, { a: '1' });

    read.data = { a: '2' };
    const replaced = await core.replaceNamespacedConfigMap({ name: 'settings', namespace, body: read });
    assert.ok(Number(replaced.metadata?.resourceVersion) > rv1);

    const stale = await apiError(
      core.replaceNamespacedConfigMap({ name: 'settings', namespace, body: read }),
    );
    assert.equal(stale.code, 409);
    assert.equal(stale.status.reason, 'Conflict');

    const patched = await core.patchNamespacedConfigMap(
      { name: 'settings', namespace, body: { data: { b: '3' } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    assert.deepEqual(patched.data, { a: '2', b: '3' });

    await core.createNamespacedConfigMap({
      namespace,
      body: { metadata: { name: 'other', labels: { app: 'else' } } },
    });
    const selected = await core.listNamespacedConfigMap({ namespace, labelSelector: 'app in (lab)' });
    assert.deepEqual(
      selected.items.map((i) => i.metadata?.name),
      ['settings'],
    );

    await core.deleteNamespacedConfigMap({ name: 'settings', namespace });
    const gone = await apiError(core.readNamespacedConfigMap({ name: 'settings', namespace }));
    assert.equal(gone.code, 404);
    assert.equal(gone.status.reason, 'NotFound');
  });

  test('create of an existing name is AlreadyExists, in a missing namespace NotFound', async () => {
    await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'twice' } } });
    const again = await apiError(
      core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'twice' } } }),
    );
    assert.equal(again.code, 409);
    assert.equal(again.status.reason, 'AlreadyExists');
    const nowhere = await apiError(
      core.createNamespacedConfigMap({ namespace: 'absent', body: { metadata: { name: 'x' } } }),
    );
    assert.equal(nowhere.code, 404);
    assert.match(String(nowhere.status.message), /namespaces "absent" not found/);
  });

  test('generateName gives a unique name with the prefix', async () => {
    const made = await core.createNamespacedConfigMap({
      namespace,
      body: { metadata: { generateName: 'gen-' } },
    });
    assert.match(made.metadata?.name ?? '', /^gen-[a-z0-9]{5}$/);
  });
});

describe('Services', () => {
  test('LoadBalancer defaults: cluster IP, node port, policies', async () => {
    const svc = await core.createNamespacedService({
      namespace,
      body: {
        metadata: { name: 'web' },
        spec: { type: 'LoadBalancer', ports: [{ port: 80 }], selector: { app: 'web' } },
      },
    });
    assert.match(svc.spec?.clusterIP ?? '', /^10\.(9[6-9]|10[0-9]|11[01])\./);
    assert.deepEqual(svc.spec?.ipFamilies, ['IPv4']);
    assert.equal(svc.spec?.ipFamilyPolicy, 'SingleStack');
    assert.equal(svc.spec?.ports?.[0]?.protocol, 'TCP');
    assert.equal(svc.spec?.ports?.[0]?.targetPort, 80);
    const nodePort = svc.spec?.ports?.[0]?.nodePort ?? 0;
    assert.ok(nodePort >= 30000 && nodePort <= 32767);
    assert.equal(svc.spec?.externalTrafficPolicy, 'Cluster');
    assert.equal(svc.spec?.allocateLoadBalancerNodePorts, true);
    assert.equal(svc.metadata?.generation, 1);
  });

  test('status subresource: main resource ignores status, /status changes only status', async () => {
    const svc = await core.readNamespacedService({ name: 'web', namespace });
    svc.status = { loadBalancer: { ingress: [{ ip: '192.0.2.10' }] } };
    const viaMain = await core.replaceNamespacedService({ name: 'web', namespace, body: svc });
    assert.equal(viaMain.status?.loadBalancer?.ingress, undefined);

    viaMain.status = { loadBalancer: { ingress: [{ ip: '192.0.2.10' }] } };
    viaMain.spec!.sessionAffinity = 'ClientIP';
    const viaStatus = await core.replaceNamespacedServiceStatus({ name: 'web', namespace, body: viaMain });
    assert.equal(viaStatus.status?.loadBalancer?.ingress?.[0]?.ip, '192.0.2.10');
    assert.equal(viaStatus.spec?.sessionAffinity, 'None');
    assert.equal(viaStatus.metadata?.generation, 1);
  });

  test('spec change bumps generation and keeps the node port', async () => {
    const before = await core.readNamespacedService({ name: 'web', namespace });
    const patched = await core.patchNamespacedService(
      {
        name: 'web',
        namespace,
        body: { spec: { ports: [{ port: 80, name: '' }], loadBalancerIP: '192.0.2.20' } },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    assert.equal(patched.metadata?.generation, 2);
    assert.equal(patched.spec?.ports?.[0]?.nodePort, before.spec?.ports?.[0]?.nodePort);
    assert.equal(patched.spec?.clusterIP, before.spec?.clusterIP);
  });

  test('dual stack and IPv6 families get one cluster IP per family', async () => {
    const dual = await core.createNamespacedService({
      namespace,
      body: {
        metadata: { name: 'dual' },
        spec: { ipFamilyPolicy: 'PreferDualStack', ports: [{ port: 53, protocol: 'UDP' }] },
      },
    });
    assert.deepEqual(dual.spec?.ipFamilies, ['IPv4', 'IPv6']);
    assert.equal(dual.spec?.clusterIPs?.length, 2);
    assert.match(dual.spec?.clusterIPs?.[1] ?? '', /^fd00:10:96::/);
    const v6 = await core.createNamespacedService({
      namespace,
      body: { metadata: { name: 'six' }, spec: { ipFamilies: ['IPv6'], ports: [{ port: 80 }] } },
    });
    assert.match(v6.spec?.clusterIP ?? '', /^fd00:10:96::/);
  });

  test('invalid port is 422 naming the field (and targetPort, defaulted from it)', async () => {
    const bad = await apiError(
      core.createNamespacedService({
        namespace,
        body: { metadata: { name: 'bad' }, spec: { ports: [{ port: 70000 }] } },
      }),
    );
    assert.equal(bad.code, 422);
    assert.equal(bad.status.reason, 'Invalid');
    const causes = (bad.status.details as { causes: { field: string }[] }).causes;
    assert.deepEqual(
      causes.map((c) => c.field),
      ['spec.ports[0].port', 'spec.ports[0].targetPort'],
    );
  });

  test('dryRun=All validates without storing', async () => {
    const dry = await core.createNamespacedService({
      namespace,
      dryRun: 'All',
      body: { metadata: { name: 'dry' }, spec: { ports: [{ port: 80 }] } },
    });
    assert.ok(dry.spec?.clusterIP);
    assert.equal((await apiError(core.readNamespacedService({ name: 'dry', namespace }))).code, 404);
  });
});

describe('Leases and events', () => {
  test('leases: create, read, replace with the latest version', async () => {
    const kc = new KubeConfig();
    kc.loadFromString(server.kubeconfig());
    const coordination = kc.makeApiClient(CoordinationV1Api);
    const lease = await coordination.createNamespacedLease({
      namespace: 'kube-node-lease',
      body: { metadata: { name: 'node-a' }, spec: { holderIdentity: 'node-a', leaseDurationSeconds: 10 } },
    });
    lease.spec!.holderIdentity = 'node-b';
    const renewed = await coordination.replaceNamespacedLease({
      name: 'node-a',
      namespace: 'kube-node-lease',
      body: lease,
    });
    assert.equal(renewed.spec?.holderIdentity, 'node-b');
  });

  test('a Lease time with three fractional digits is refused with 400, as kube-apiserver does', async () => {
    const kc = new KubeConfig();
    kc.loadFromString(server.kubeconfig());
    const coordination = kc.makeApiClient(CoordinationV1Api);
    const body = {
      metadata: { name: 'node-c' },
      spec: { holderIdentity: 'node-c', renewTime: new Date(1000) },
    };
    const refused = await apiError(
      coordination.createNamespacedLease({ namespace: 'kube-node-lease', body }),
    );
    assert.equal(refused.code, 400);
    assert.equal(refused.status.reason, 'BadRequest');
    assert.match(
      String(refused.status.message),
      /^Lease in version "v1" cannot be handled as a Lease: parsing time "1970-01-01T00:00:01.000Z"/,
    );
    body.spec.renewTime = new V1MicroTime(1000);
    const created = await coordination.createNamespacedLease({ namespace: 'kube-node-lease', body });
    assert.equal(created.spec?.holderIdentity, 'node-c');
  });

  test('events.k8s.io/v1 events are core/v1 events, selectable by involvedObject', async () => {
    const kc = new KubeConfig();
    kc.loadFromString(server.kubeconfig());
    const events = kc.makeApiClient(EventsV1Api);
    const svc = await core.readNamespacedService({ name: 'web', namespace });
    await events.createNamespacedEvent({
      namespace,
      body: {
        metadata: { name: 'web.ipassigned' },
        eventTime: new V1MicroTime(),
        reason: 'IPAllocated',
        note: 'Assigned IP 192.0.2.10',
        type: 'Normal',
        action: 'Allocate',
        reportingController: 'baremetal-lb/controller',
        reportingInstance: 'controller-0',
        regarding: { kind: 'Service', namespace, name: 'web', uid: svc.metadata?.uid },
      },
    });
    const listed = await core.listNamespacedEvent({
      namespace,
      fieldSelector: `involvedObject.name=web,involvedObject.kind=Service,involvedObject.uid=${svc.metadata?.uid}`,
    });
    assert.equal(listed.items.length, 1);
    assert.equal(listed.items[0]?.message, 'Assigned IP 192.0.2.10');
    assert.equal(listed.items[0]?.reportingComponent, 'baremetal-lb/controller');
    const none = await core.listNamespacedEvent({ namespace, fieldSelector: 'involvedObject.name=other' });
    assert.equal(none.items.length, 0);
  });
});

describe('Namespaces and finalizers', () => {
  test('finalizers hold a deleted object until the last one is removed', async () => {
    await core.createNamespacedConfigMap({
      namespace,
      body: { metadata: { name: 'held', finalizers: ['lab/hold'] } },
    });
    await core.deleteNamespacedConfigMap({ name: 'held', namespace });
    const held = await core.readNamespacedConfigMap({ name: 'held', namespace });
    assert.ok(held.metadata?.deletionTimestamp);
    assert.equal(held.metadata?.deletionGracePeriodSeconds, 0);
    await core.patchNamespacedConfigMap(
      { name: 'held', namespace, body: { metadata: { finalizers: null } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    assert.equal((await apiError(core.readNamespacedConfigMap({ name: 'held', namespace }))).code, 404);
  });

  test('deleting a namespace deletes what is in it', async () => {
    await core.createNamespace({ body: { metadata: { name: 'scratch' } } });
    await core.createNamespacedConfigMap({ namespace: 'scratch', body: { metadata: { name: 'inside' } } });
    await core.deleteNamespace({ name: 'scratch' });
    assert.equal((await apiError(core.readNamespace({ name: 'scratch' }))).code, 404);
    assert.equal(
      (await apiError(core.readNamespacedConfigMap({ name: 'inside', namespace: 'scratch' }))).code,
      404,
    );
  });

  test('a namespace with a finalized object stays Terminating until the finalizer goes', async () => {
    await core.createNamespace({ body: { metadata: { name: 'lingering' } } });
    await core.createNamespacedConfigMap({
      namespace: 'lingering',
      body: { metadata: { name: 'held', finalizers: ['lab/hold'] } },
    });
    await core.deleteNamespace({ name: 'lingering' });
    const terminating = await core.readNamespace({ name: 'lingering' });
    assert.equal(terminating.status?.phase, 'Terminating');
    const refused = await apiError(
      core.createNamespacedConfigMap({ namespace: 'lingering', body: { metadata: { name: 'late' } } }),
    );
    assert.equal(refused.code, 403);
    await core.patchNamespacedConfigMap(
      { name: 'held', namespace: 'lingering', body: { metadata: { finalizers: null } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    assert.equal((await apiError(core.readNamespace({ name: 'lingering' }))).code, 404);
  });

  test('deletecollection removes what the selector picks', async () => {
    for (const [name, tier] of [
      ['dc-a', 'x'],
      ['dc-b', 'x'],
      ['dc-c', 'y'],
    ] as const) {
      await core.createNamespacedConfigMap({ namespace, body: { metadata: { name, labels: { tier } } } });
    }
    await core.deleteCollectionNamespacedConfigMap({ namespace, labelSelector: 'tier=x' });
    const left = await core.listNamespacedConfigMap({ namespace, labelSelector: 'tier' });
    assert.deepEqual(
      left.items.map((i) => i.metadata?.name),
      ['dc-c'],
    );
  });

  test('the default namespaces may not be deleted', async () => {
    assert.equal((await apiError(core.deleteNamespace({ name: 'default' }))).code, 403);
  });
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { ObjectLifecycle } from '../../../lab/apiserver/object-lifecycle.ts';
import type { KObject } from '../../../lab/apiserver/object-model.ts';
import { ObjectStore } from '../../../lab/apiserver/object-store.ts';
import { ResourceRegistry } from '../../../lab/apiserver/resource-registry.ts';
import { ApiError } from '../../../lab/apiserver/status-errors.ts';
import type { Change } from '../../../lab/apiserver/watch-hub.ts';

function world() {
  const changes: Change[] = [];
  const store = new ObjectStore({ publish: (c) => void changes.push(c) }, { rv: 0, objects: [] });
  const registry = new ResourceRegistry();
  const lifecycle = new ObjectLifecycle(store, registry, () => new Date('2026-01-01T00:00:00Z'));
  const ns = registry.lookup('', 'v1', 'namespaces')!;
  const cm = registry.lookup('', 'v1', 'configmaps')!;
  for (const name of ['a', 'b']) lifecycle.create(ns, undefined, { metadata: { name } }, { dryRun: false });
  return { changes, store, lifecycle, ns, cm };
}

type Op =
  | { kind: 'create'; ns: string; name: string; finalizer: boolean }
  | { kind: 'update'; ns: string; name: string; value: string }
  | { kind: 'unfinalize'; ns: string; name: string }
  | { kind: 'delete'; ns: string; name: string }
  | { kind: 'deleteNamespace'; ns: string }
  | { kind: 'createNamespace'; ns: string };

const nsArb = fc.constantFrom('a', 'b');
const nameArb = fc.constantFrom('x', 'y', 'z');
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('create' as const), ns: nsArb, name: nameArb, finalizer: fc.boolean() }),
  fc.record({
    kind: fc.constant('update' as const),
    ns: nsArb,
    name: nameArb,
    value: fc.string({ maxLength: 3 }),
  }),
  fc.record({ kind: fc.constant('unfinalize' as const), ns: nsArb, name: nameArb }),
  fc.record({ kind: fc.constant('delete' as const), ns: nsArb, name: nameArb }),
  fc.record({ kind: fc.constant('deleteNamespace' as const), ns: nsArb }),
  fc.record({ kind: fc.constant('createNamespace' as const), ns: nsArb }),
);

test('property: versions only grow, and replaying the change stream rebuilds the store', () => {
  fc.assert(
    fc.property(fc.array(opArb, { maxLength: 40 }), (ops) => {
      const w = world();
      const write = { dryRun: false };
      for (const op of ops) {
        try {
          if (op.kind === 'create') {
            const metadata = { name: op.name, ...(op.finalizer ? { finalizers: ['lab/hold'] } : {}) };
            w.lifecycle.create(w.cm, op.ns, { metadata }, write);
          } else if (op.kind === 'update') {
            const current = w.lifecycle.get(w.cm, op.ns, op.name);
            w.lifecycle.update(w.cm, op.ns, op.name, { ...current, data: { v: op.value } }, undefined, write);
          } else if (op.kind === 'unfinalize') {
            const current = w.lifecycle.get(w.cm, op.ns, op.name);
            w.lifecycle.update(
              w.cm,
              op.ns,
              op.name,
              { ...current, metadata: { ...current.metadata, finalizers: [] } },
              undefined,
              write,
            );
          } else if (op.kind === 'delete') {
            w.lifecycle.delete(w.cm, op.ns, op.name, {}, write);
          } else if (op.kind === 'deleteNamespace') {
            w.lifecycle.delete(w.ns, undefined, op.ns, {}, write);
          } else {
            w.lifecycle.create(w.ns, undefined, { metadata: { name: op.ns } }, write);
          }
        } catch (error) {
          if (!(error instanceof ApiError)) throw error; // refusals are fine, crashes are not
        }
      }
      const rvs = w.changes.map((c) => c.rv);
      assert.deepEqual(
        rvs,
        rvs.map((_, i) => i + 1),
        'one version per change, strictly increasing',
      );
      for (const c of w.changes) assert.equal(c.object.metadata.resourceVersion, String(c.rv));
      const replayed = new Map<string, KObject>();
      for (const c of w.changes) {
        const key = `${c.storeKey}/${c.object.metadata.namespace ?? ''}/${c.object.metadata.name}`;
        if (c.type === 'DELETED') replayed.delete(key);
        else replayed.set(key, c.object);
      }
      const stored = [...w.store.list('namespaces'), ...w.store.list('configmaps')]
        .map((o) => o.metadata.resourceVersion)
        .sort();
      assert.deepEqual([...replayed.values()].map((o) => o.metadata.resourceVersion).sort(), stored);
      for (const cm of w.store.list('configmaps')) {
        const ns = w.store.get('namespaces', undefined, cm.metadata.namespace!);
        assert.ok(ns, `configmap ${cm.metadata.name} outlived its namespace ${cm.metadata.namespace}`);
        if (!cm.metadata.deletionTimestamp)
          assert.equal(ns.metadata.deletionTimestamp, undefined, 'live object in a terminating namespace');
        if (cm.metadata.deletionTimestamp)
          assert.ok((cm.metadata.finalizers ?? []).length > 0, 'a deleted object without finalizers stayed');
      }
    }),
    { numRuns: 200 },
  );
});

test('update with a stale resourceVersion is a Conflict and changes nothing', () => {
  const w = world();
  const created = w.lifecycle.create(
    w.cm,
    'a',
    { metadata: { name: 'x' }, data: { v: '1' } },
    { dryRun: false },
  );
  w.lifecycle.update(w.cm, 'a', 'x', { ...created, data: { v: '2' } }, undefined, { dryRun: false });
  assert.throws(
    () => w.lifecycle.update(w.cm, 'a', 'x', { ...created, data: { v: '3' } }, undefined, { dryRun: false }),
    (e: unknown) => e instanceof ApiError && e.reason === 'Conflict',
  );
  assert.deepEqual(w.lifecycle.get(w.cm, 'a', 'x').data, { v: '2' });
});

test('an update that changes nothing writes nothing', () => {
  const w = world();
  const created = w.lifecycle.create(
    w.cm,
    'a',
    { metadata: { name: 'x' }, data: { v: '1' } },
    { dryRun: false },
  );
  const before = w.changes.length;
  const same = w.lifecycle.update(w.cm, 'a', 'x', structuredClone(created), undefined, { dryRun: false });
  assert.equal(w.changes.length, before);
  assert.equal(same.metadata.resourceVersion, created.metadata.resourceVersion);
});

test('a Service changed away from LoadBalancer loses its load-balancer status, as on kube-apiserver', () => {
  const w = world();
  const registry = new ResourceRegistry();
  const services = registry.lookup('', 'v1', 'services')!;
  const write = { dryRun: false };
  const spec = { type: 'LoadBalancer', ports: [{ port: 80 }] };
  w.lifecycle.create(services, 'a', { metadata: { name: 'web' }, spec }, write);
  const ingress = { loadBalancer: { ingress: [{ ip: '192.0.2.1', ipMode: 'VIP' }] } };
  const withIP = w.lifecycle.get(services, 'a', 'web');
  w.lifecycle.update(services, 'a', 'web', { ...withIP, status: ingress }, 'status', write);
  const lb = w.lifecycle.get(services, 'a', 'web');
  const relabelled = { ...lb, metadata: { ...lb.metadata, labels: { x: 'y' } } };
  w.lifecycle.update(services, 'a', 'web', relabelled, undefined, write);
  assert.deepEqual(w.lifecycle.get(services, 'a', 'web').status, ingress, 'kept while still a LoadBalancer');
  const current = w.lifecycle.get(services, 'a', 'web');
  const clusterIP = { ...current, spec: { ...(current.spec as object), type: 'ClusterIP' } };
  w.lifecycle.update(services, 'a', 'web', clusterIP, undefined, write);
  assert.deepEqual(w.lifecycle.get(services, 'a', 'web').status, { loadBalancer: {} });
});

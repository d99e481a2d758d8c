import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  aggregationKey,
  type EventInput,
  kubeTime,
  newEvent,
  RecentMap,
  repeatPatch,
} from '../../../common/kube/event-aggregation.ts';

const svc = { kind: 'Service', apiVersion: 'v1', name: 'web', namespace: 'shop', uid: 'u-1' };
const base: EventInput = {
  subject: svc,
  type: 'Normal',
  reason: 'IPAllocated',
  message: 'Assigned IP ["192.0.2.1"]',
};

test('repeats share a key; any difference in object, type, reason or message does not', () => {
  const key = aggregationKey(base);
  assert.equal(aggregationKey({ ...base, subject: { ...svc, resourceVersion: '9' } }), key);
  const others: EventInput[] = [
    { ...base, subject: { ...svc, uid: 'u-2' } },
    { ...base, type: 'Warning' },
    { ...base, reason: 'ClearAssignment' },
    { ...base, message: 'Assigned IP ["192.0.2.2"]' },
  ];
  for (const other of others) assert.notEqual(aggregationKey(other), key, JSON.stringify(other));
});

test('without a uid the object is keyed by kind, namespace and name', () => {
  const noUid = { ...base, subject: { kind: 'ConfigMap', name: 'config', namespace: 'lb' } };
  assert.notEqual(
    aggregationKey(noUid),
    aggregationKey({ ...noUid, subject: { ...noUid.subject, name: 'x' } }),
  );
});

test('a new Event names its object with uid, source and count 1', () => {
  const at = new Date('2026-01-02T03:04:05.678Z');
  const event = newEvent(base, { component: 'metallb-controller' }, 'web.1', at);
  assert.equal(event.metadata?.namespace, 'shop');
  assert.deepEqual(event.involvedObject, {
    kind: 'Service',
    apiVersion: 'v1',
    name: 'web',
    namespace: 'shop',
    uid: 'u-1',
  });
  assert.equal(event.source?.component, 'metallb-controller');
  assert.equal(event.count, 1);
  assert.deepEqual(repeatPatch(2, at), { count: 2, lastTimestamp: '2026-01-02T03:04:05Z' });
  assert.equal(kubeTime(at), '2026-01-02T03:04:05Z');
});

test('cluster-scoped objects get their Events in default', () => {
  const event = newEvent(
    { ...base, subject: { kind: 'Node', name: 'n1' } },
    { component: 'c' },
    'n1.1',
    new Date(),
  );
  assert.equal(event.metadata?.namespace, 'default');
  assert.equal(event.involvedObject.namespace, undefined);
});

test('RecentMap forgets the least recently used entry first', () => {
  const map = new RecentMap<number>(2);
  map.set('a', 1);
  map.set('b', 2);
  assert.equal(map.get('a'), 1); // a is now the most recent
  map.set('c', 3);
  assert.equal(map.get('b'), undefined);
  assert.equal(map.get('a'), 1);
  assert.equal(map.get('c'), 3);
  assert.equal(map.size, 2);
});

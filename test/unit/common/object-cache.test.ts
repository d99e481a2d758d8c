// The informer's store: what list and watch events change, and that a listener who applies the
// reported changes always holds what the cache holds.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubernetesObject } from '@kubernetes/client-node';
import fc from 'fast-check';
import { ObjectCache, type WatchEventType } from '../../../common/kube/object-cache.ts';

const obj = (namespace: string, name: string, resourceVersion: string): KubernetesObject => ({
  metadata: { namespace, name, resourceVersion },
});
const told = (changes: readonly (readonly [string, KubernetesObject])[]) =>
  changes.map(
    ([verb, o]) => `${verb} ${o.metadata?.namespace}/${o.metadata?.name}@${o.metadata?.resourceVersion}`,
  );

test('watch events: add, update on a new resourceVersion only, delete of what is held only', () => {
  const cache = new ObjectCache<KubernetesObject>();
  const rows: [WatchEventType, KubernetesObject, string | undefined][] = [
    ['ADDED', obj('a', 'x', '1'), 'add a/x@1'],
    ['MODIFIED', obj('a', 'x', '1'), undefined],
    ['MODIFIED', obj('a', 'x', '2'), 'update a/x@2'],
    ['MODIFIED', obj('b', 'x', '3'), 'add b/x@3'],
    ['DELETED', obj('a', 'y', '4'), undefined],
    ['DELETED', obj('a', 'x', '5'), 'delete a/x@5'],
  ];
  for (const [type, object, expected] of rows) {
    const change = cache.apply(type, object);
    assert.equal(change && told([change])[0], expected, `${type} ${JSON.stringify(object.metadata)}`);
  }
  assert.deepEqual(told(cache.list().map((o) => ['held', o] as const)), ['held b/x@3']);
  assert.equal(cache.get('x', 'b')?.metadata?.resourceVersion, '3');
  assert.equal(cache.get('x', 'a'), undefined);
});

test('a relist reports deletions first, then what is new or changed, and nothing unchanged', () => {
  const cache = new ObjectCache<KubernetesObject>();
  cache.replace([obj('a', 'keep', '1'), obj('a', 'change', '1'), obj('b', 'gone', '1')]);
  const changes = cache.replace([obj('a', 'keep', '1'), obj('a', 'change', '2'), obj('c', 'new', '3')]);
  assert.deepEqual(told(changes), ['delete b/gone@1', 'update a/change@2', 'add c/new@3']);
  assert.deepEqual(cache.list('b'), []);
  assert.equal(cache.list().length, 3);
});

const eventArb = fc.record({
  type: fc.constantFrom<WatchEventType>('ADDED', 'MODIFIED', 'DELETED'),
  namespace: fc.constantFrom('a', 'b'),
  name: fc.constantFrom('x', 'y', 'z'),
  version: fc.integer({ min: 1, max: 4 }).map(String),
});
const stepArb = fc.oneof(
  eventArb.map((e) => ({ kind: 'event' as const, ...e })),
  fc.array(eventArb, { maxLength: 6 }).map((items) => ({ kind: 'list' as const, items })),
);

test('a listener applying the reported changes holds exactly what the cache holds', () => {
  fc.assert(
    fc.property(fc.array(stepArb, { maxLength: 30 }), (steps) => {
      const cache = new ObjectCache<KubernetesObject>();
      const model = new Map<string, string>();
      const key = (o: KubernetesObject) => `${o.metadata?.namespace}/${o.metadata?.name}`;
      for (const step of steps) {
        const changes =
          step.kind === 'event'
            ? [cache.apply(step.type, obj(step.namespace, step.name, step.version))].filter(
                (c) => c !== undefined,
              )
            : cache.replace(
                // a list names each object once
                [...new Map(step.items.map((e) => [`${e.namespace}/${e.name}`, e])).values()].map((e) =>
                  obj(e.namespace, e.name, e.version),
                ),
              );
        for (const [verb, o] of changes) {
          if (verb === 'delete') model.delete(key(o));
          else model.set(key(o), o.metadata!.resourceVersion!);
        }
        const held = new Map(cache.list().map((o) => [key(o), o.metadata!.resourceVersion!]));
        assert.deepEqual(held, model);
      }
    }),
  );
});

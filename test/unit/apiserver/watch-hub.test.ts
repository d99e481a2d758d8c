import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KObject } from '../../../lab/apiserver/object-model.ts';
import { type Change, WatchHub } from '../../../lab/apiserver/watch-hub.ts';
import { eventFor } from '../../../lab/apiserver/watch-stream.ts';

const object = (name: string, tier?: string): KObject => ({
  metadata: { name, ...(tier ? { labels: { tier } } : {}) },
});
const change = (rv: number, type: Change['type'], current: KObject, previous?: KObject): Change => ({
  rv,
  type,
  storeKey: 'configmaps',
  object: current,
  ...(previous ? { previous } : {}),
});

test('eventFor turns selector transitions into ADDED and DELETED', () => {
  const front = (o: KObject) => o.metadata.labels?.tier === 'front';
  const cases: [Change, string | undefined][] = [
    [change(1, 'ADDED', object('a', 'front')), 'ADDED'],
    [change(1, 'ADDED', object('a', 'back')), undefined],
    [change(1, 'MODIFIED', object('a', 'front'), object('a', 'front')), 'MODIFIED'],
    [change(1, 'MODIFIED', object('a', 'back'), object('a', 'front')), 'DELETED'],
    [change(1, 'MODIFIED', object('a', 'front'), object('a', 'back')), 'ADDED'],
    [change(1, 'MODIFIED', object('a', 'back'), object('a', 'back')), undefined],
    [change(1, 'DELETED', object('a', 'front')), 'DELETED'],
  ];
  for (const [c, expected] of cases) assert.equal(eventFor(c, front), expected);
});

test('history replays changes after a version and reports when it no longer reaches back', () => {
  const hub = new WatchHub(2, 10);
  const seen: number[] = [];
  hub.subscribe('configmaps', (c) => seen.push(c.rv));
  for (let rv = 11; rv <= 14; rv++) hub.publish(change(rv, 'ADDED', object(`o${rv}`)));
  assert.deepEqual(seen, [11, 12, 13, 14]);
  assert.deepEqual(
    hub.since('configmaps', 12)?.map((c) => c.rv),
    [13, 14],
  );
  assert.deepEqual(hub.since('secrets', 12), []);
  hub.publish(change(15, 'ADDED', object('o15')));
  assert.equal(hub.since('configmaps', 11), undefined);
  assert.deepEqual(
    hub.since('configmaps', 13)?.map((c) => c.rv),
    [14, 15],
  );
});

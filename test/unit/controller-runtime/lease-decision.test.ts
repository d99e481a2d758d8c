import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  leaseAction,
  nextLeaseSpec,
  observe,
  releasedLeaseSpec,
} from '../../../common/kube/lease-decision.ts';

const held = {
  holderIdentity: 'a',
  leaseDurationSeconds: 15,
  renewTime: new Date(1000),
  leaseTransitions: 3,
};

test('the holder renews, an empty holder is free, another holder is waited for until expiry', () => {
  const seen = observe(undefined, held, 50_000);
  const cases: [string, typeof held | undefined, number, string][] = [
    ['a', held, 50_000, 'renew'],
    ['b', held, 50_000, 'wait'],
    ['b', held, 64_999, 'wait'],
    ['b', held, 65_000, 'acquire'],
    ['b', { ...held, holderIdentity: '' }, 50_000, 'acquire'],
  ];
  for (const [identity, spec, now, expected] of cases) {
    assert.equal(leaseAction(spec, seen, identity, now), expected, `${identity} at ${now}`);
  }
});

test('expiry counts from when the record last changed by the local clock, not the remote renewTime', () => {
  const first = observe(undefined, held, 50_000);
  assert.equal(observe(first, held, 60_000), first);
  const renewed = observe(first, { ...held, renewTime: new Date(2000) }, 60_000);
  assert.equal(renewed.observedAtMs, 60_000);
  assert.equal(leaseAction(held, renewed, 'b', 70_000), 'wait');
});

test('acquiring from another holder counts a transition; renewing keeps acquireTime', () => {
  const now = new Date(9000);
  const taken = nextLeaseSpec(held, 'acquire', 'b', 15, now);
  assert.equal(taken.holderIdentity, 'b');
  assert.equal(taken.leaseTransitions, 4);
  const fresh = nextLeaseSpec(undefined, 'acquire', 'b', 15, now);
  assert.equal(fresh.leaseTransitions, 0);
  const renewed = nextLeaseSpec({ ...held, acquireTime: new Date(500) }, 'renew', 'a', 15, now);
  assert.deepEqual(renewed.acquireTime, new Date(500));
  assert.equal(renewed.renewTime?.getTime(), now.getTime());
});

test('times are written as MicroTime, with the six fractional digits kube-apiserver requires', () => {
  const spec = nextLeaseSpec(undefined, 'acquire', 'b', 15, new Date('2026-12-02T19:13:14.206Z'));
  const written = JSON.parse(JSON.stringify(spec));
  assert.equal(written.acquireTime, '2026-12-02T19:13:14.206000Z');
  assert.equal(written.renewTime, '2026-12-02T19:13:14.206000Z');
  const renewed = JSON.parse(JSON.stringify(nextLeaseSpec(spec, 'renew', 'b', 15, new Date(9000))));
  assert.equal(renewed.renewTime, '1970-01-01T00:00:09.000000Z');
  const released = JSON.parse(JSON.stringify(releasedLeaseSpec(spec, new Date(9000))));
  assert.equal(released.renewTime, '1970-01-01T00:00:09.000000Z');
});

test('release empties the holder and keeps the transitions', () => {
  const released = releasedLeaseSpec(held, new Date(9000));
  assert.equal(released.holderIdentity, '');
  assert.equal(released.leaseTransitions, 3);
  assert.equal(leaseAction(released, observe(undefined, released, 9000), 'b', 9000), 'acquire');
});

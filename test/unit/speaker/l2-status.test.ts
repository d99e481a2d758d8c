// What a node's ServiceL2Status objects for one Service should be, and the writes that get them
// there: tables over the plan, the objects that exist and the speaker Pod that owns them.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  desiredL2Status,
  type L2StatusObject,
  l2StatusName,
  l2StatusSteps,
  serviceKeyOf,
} from '../../../speaker/l2-status.ts';
import { WriteEchoes } from '../../../speaker/write-echoes.ts';

const owner = { apiVersion: 'v1', kind: 'Pod', name: 'speaker-a', uid: 'pod-a' };
const wanted = desiredL2Status({ key: 'shop/web', leader: 'a', interfaces: ['eth1', 'eth0'] }, 'a')!;

function object(name: string, extra: Partial<L2StatusObject> = {}): L2StatusObject {
  return { metadata: { name, ownerReferences: [{ ...owner }] }, status: wanted, ...extra };
}

describe('desiredL2Status', () => {
  test('the leader with interfaces shows node, Service and sorted interfaces', () => {
    assert.deepEqual(wanted, {
      node: 'a',
      serviceName: 'web',
      serviceNamespace: 'shop',
      interfaces: [{ name: 'eth0' }, { name: 'eth1' }],
    });
  });
  const none = [
    { title: 'another node leads', plan: { key: 'shop/web', leader: 'b', interfaces: [] } },
    { title: 'no node leads', plan: { key: 'shop/web', interfaces: [] } },
    {
      title: 'it leads but has no interface to answer on',
      plan: { key: 'shop/web', leader: 'a', interfaces: [] },
    },
    { title: 'the Service is gone', plan: undefined },
  ];
  for (const { title, plan } of none)
    test(`none when ${title}`, () => assert.equal(desiredL2Status(plan, 'a'), undefined));
});

describe('l2StatusSteps', () => {
  const cases: { title: string; desired?: typeof wanted; existing: L2StatusObject[]; want: unknown[] }[] = [
    { title: 'nothing exists: create', desired: wanted, existing: [], want: [{ kind: 'create' }] },
    { title: 'the right one exists: nothing', desired: wanted, existing: [object('l2-x')], want: [] },
    {
      title: 'other interfaces: set the status',
      desired: wanted,
      existing: [object('l2-x', { status: { ...wanted, interfaces: [{ name: 'eth0' }] } })],
      want: [{ kind: 'status', name: 'l2-x' }],
    },
    {
      title: 'left from before a restart, without status or owner: adopt it',
      desired: wanted,
      existing: [{ metadata: { name: 'l2-x' } }],
      want: [
        { kind: 'status', name: 'l2-x' },
        { kind: 'owner', name: 'l2-x' },
      ],
    },
    {
      title: 'two exist: keep the first by name, delete the other',
      desired: wanted,
      existing: [object('l2-z'), object('l2-x')],
      want: [{ kind: 'delete', name: 'l2-z' }],
    },
    {
      title: 'two exist, one named as this node names them: keep that one',
      desired: wanted,
      existing: [object('l2-abc'), object(l2StatusName('a', 'shop/web'))],
      want: [{ kind: 'delete', name: 'l2-abc' }],
    },
    {
      title: 'no longer announced: delete every one',
      existing: [object('l2-x'), object('l2-y')],
      want: [
        { kind: 'delete', name: 'l2-x' },
        { kind: 'delete', name: 'l2-y' },
      ],
    },
    { title: 'not announced and none exist: nothing', existing: [], want: [] },
  ];
  for (const { title, desired, existing, want } of cases) {
    test(title, () => assert.deepEqual(l2StatusSteps(desired, existing, owner), want));
  }

  test('without its own Pod to own it, an object is not re-owned', () => {
    assert.deepEqual(l2StatusSteps(wanted, [{ metadata: { name: 'l2-x' }, status: wanted }], undefined), []);
  });
});

test('serviceKeyOf reads the Service from the labels, and needs both', () => {
  const labels = { 'metallb.io/service-name': 'web', 'metallb.io/service-namespace': 'shop' };
  assert.equal(serviceKeyOf({ metadata: { labels } }), 'shop/web');
  assert.equal(serviceKeyOf({ metadata: { labels: { 'metallb.io/service-name': 'web' } } }), undefined);
});

describe('WriteEchoes', () => {
  test('our newest write is an echo, an older one stale, anything else news', () => {
    const echoes = new WriteEchoes();
    echoes.expect('l2-x', '10');
    echoes.expect('l2-x', '11');
    assert.equal(echoes.take('l2-x', '10'), 'stale');
    assert.equal(echoes.take('l2-x', '11'), 'latest');
    assert.equal(echoes.take('l2-x', '11'), 'unknown', 'each echo is taken once');
    assert.equal(echoes.take('l2-y', '5'), 'unknown');
  });

  test("someone else's write forgets our expectations", () => {
    const echoes = new WriteEchoes();
    echoes.expect('l2-x', '10');
    assert.equal(echoes.take('l2-x', '12'), 'unknown');
    assert.equal(echoes.take('l2-x', '10'), 'unknown');
  });
});

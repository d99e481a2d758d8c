import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { formatIP, parseIP } from '../../../common/ip-address.ts';
import { parseAddressRange } from '../../../common/pool-config/address-range.ts';
import type { L2Advertisement, PoolRange } from '../../../common/pool-config/model.ts';
import { diffLed, interfacesFor, type PlanInput, poolOf } from '../../../speaker/announcement-plan.ts';
import type { ServiceView } from '../../../speaker/cluster-view.ts';
import { electLeader } from '../../../speaker/election/elect-leader.ts';
import type { NodeLike } from '../../../speaker/election/eligibility.ts';
import { planAnnouncements } from '../../../speaker/plan-book.ts';

function range(text: string): PoolRange {
  const parsed = parseAddressRange(text);
  if (!parsed.ok) throw new Error(parsed.message);
  return { ...parsed.range, text, field: 'addresses[0]' };
}

const ip = (text: string) => parseIP(text)!;
const names = ['node-1', 'node-2', 'node-3'];
const readyNode = (name: string, labels: Record<string, string> = {}): NodeLike => ({
  metadata: { name, labels: { 'kubernetes.io/hostname': name, ...labels } },
  status: { conditions: [{ type: 'Ready', status: 'True' }] },
});
const everywhere = (nodes: readonly string[] = names) => [
  { endpoints: nodes.map((nodeName) => ({ nodeName, conditions: { ready: true } })) },
];

const pools = [
  { name: 'default', ranges: [range('192.0.2.240/28'), range('2001:db8::f0/124')] },
  { name: 'other', ranges: [range('198.51.100.0/24')] },
];
const announceAll: L2Advertisement = {
  name: 'all',
  source: 'test',
  pools: ['default', 'other'],
  nodeSelectors: [],
  interfaces: [],
  serviceSelectors: [],
  preferredNodeSelectors: [],
};

function service(key: string, ips: string[], extra: Partial<ServiceView> = {}): ServiceView {
  return { key, ips: ips.map(ip), endpointSlices: everywhere(), labels: {}, sharesIP: false, ...extra };
}

function input(self: string, overrides: Partial<PlanInput> = {}): PlanInput {
  return {
    self,
    services: [service('default/web', ['192.0.2.241'])],
    nodes: names.map((n) => readyNode(n)),
    liveSpeakers: new Set(names),
    pools,
    l2Advertisements: [announceAll],
    localInterfaces: ['eth0', 'eth1'],
    ...overrides,
  };
}

describe('planAnnouncements', () => {
  test('the leader is MetalLB’s choice for the first IP, and only it leads the IPs', () => {
    const expected = electLeader('192.0.2.241', names)!;
    for (const self of names) {
      const plan = planAnnouncements(input(self));
      assert.equal(plan.services[0]!.leader, expected);
      assert.deepEqual([...plan.led.keys()], self === expected ? ['192.0.2.241'] : []);
    }
  });

  test('the choice does not depend on the order of nodes, live speakers or services', () => {
    const services = [service('a/one', ['192.0.2.241']), service('b/two', ['192.0.2.250'])];
    const forward = planAnnouncements(input('node-1', { services }));
    const backward = planAnnouncements(
      input('node-1', {
        services: [...services].reverse(),
        nodes: names.map((n) => readyNode(n)).reverse(),
        liveSpeakers: new Set([...names].reverse()),
      }),
    );
    const leaders = (plan: typeof forward) => Object.fromEntries(plan.services.map((s) => [s.key, s.leader]));
    assert.deepEqual(leaders(forward), leaders(backward));
  });

  test('all IPs of a dual-stack Service follow its first IP', () => {
    const dual = service('default/dual', ['2001:db8::f1', '192.0.2.242']);
    const leader = electLeader('2001:db8::f1', names)!;
    const plan = planAnnouncements(input(leader, { services: [dual] }));
    assert.deepEqual([...plan.led.keys()].sort(), ['192.0.2.242', '2001:db8::f1']);
  });

  test('a dead node is never elected; its Service moves to a live one', () => {
    const before = electLeader('192.0.2.241', names)!;
    const live = new Set(names.filter((n) => n !== before));
    for (const self of names) {
      const plan = planAnnouncements(input(self, { liveSpeakers: live }));
      const leader = plan.services[0]!.leader;
      assert.notEqual(leader, before);
      assert.equal(leader, electLeader('192.0.2.241', live));
    }
  });

  test('externalTrafficPolicy Local: only a node with a serving endpoint leads', () => {
    const local = service('default/local', ['192.0.2.241'], {
      externalTrafficPolicy: 'Local',
      endpointSlices: everywhere(['node-3']),
    });
    assert.equal(planAnnouncements(input('node-3', { services: [local] })).services[0]!.leader, 'node-3');
    const none = { ...local, endpointSlices: [{ endpoints: [] }] };
    const plan = planAnnouncements(input('node-3', { services: [none] }));
    assert.equal(plan.services[0]!.leader, undefined);
    assert.match(plan.services[0]!.reason!, /no serving endpoints/);
  });

  test('no L2Advertisement for the pool: nobody leads, one live reporter is named', () => {
    const plan = planAnnouncements(input('node-1', { l2Advertisements: [] }));
    const only = plan.services[0]!;
    assert.equal(only.leader, undefined);
    assert.equal(only.noAdvertisement, true);
    assert.match(only.reason!, /no L2Advertisement announces pool "default"/);
    assert.equal(only.reporter, electLeader('192.0.2.241', names));
    assert.equal(plan.led.size, 0);
  });

  test('an IP in no pool, or an annotation naming an unknown pool, is not announced', () => {
    const cases = [
      { view: service('x/outside', ['203.0.113.9']), reason: /203\.0\.113\.9 is in no address pool/ },
      {
        view: service('x/gone', ['192.0.2.241'], { poolAnnotation: 'gone' }),
        reason: /pool "gone" \(from its annotation\) is not in the config/,
      },
    ];
    for (const { view, reason } of cases) {
      const planned = planAnnouncements(input('node-1', { services: [view] })).services[0]!;
      assert.equal(planned.leader, undefined);
      assert.equal(planned.noAdvertisement, false);
      assert.match(planned.reason!, reason);
    }
  });

  test('interfaces of the leader are narrowed by the advertisements', () => {
    const leader = electLeader('192.0.2.241', names)!;
    const narrowed = planAnnouncements(
      input(leader, { l2Advertisements: [{ ...announceAll, interfaces: ['eth1', 'bond9'] }] }),
    );
    assert.deepEqual(narrowed.led.get('192.0.2.241')?.interfaces, ['eth1']);
    assert.deepEqual(planAnnouncements(input(leader)).led.get('192.0.2.241')?.interfaces, ['eth0', 'eth1']);
  });

  test('two Services sharing an IP: led once, interfaces and services united', () => {
    const shared = [
      service('a/tcp', ['192.0.2.241']),
      service('a/udp', ['192.0.2.241'], { poolAnnotation: 'default' }),
    ];
    const leader = electLeader('192.0.2.241', names)!;
    const led = planAnnouncements(input(leader, { services: shared })).led;
    assert.equal(led.size, 1);
    assert.deepEqual(led.get('192.0.2.241')?.services, ['a/tcp', 'a/udp']);
  });

  test('property: exactly one live, eligible node leads each Service', () => {
    fc.assert(
      fc.property(fc.subarray(names, { minLength: 1 }), fc.integer({ min: 0, max: 15 }), (live, host) => {
        const text = `192.0.2.${240 + host}`;
        const services = [service('p/svc', [text])];
        const leaders = names.filter((self) =>
          planAnnouncements(input(self, { services, liveSpeakers: new Set(live) })).led.has(text),
        );
        assert.equal(leaders.length, 1);
        assert.ok(live.includes(leaders[0]!));
      }),
    );
  });
});

describe('poolOf', () => {
  const cases = [
    { annotation: undefined, address: '198.51.100.7', expected: { pool: 'other' } },
    { annotation: 'default', address: '198.51.100.7', expected: { pool: 'default' } },
    { annotation: undefined, address: '2001:db8::ff', expected: { pool: 'default' } },
    {
      annotation: undefined,
      address: '2001:db8::1:0',
      expected: { reason: '2001:db8::1:0 is in no address pool' },
    },
  ];
  for (const { annotation, address, expected } of cases) {
    test(`${annotation ?? 'no annotation'}, ${address}`, () => {
      const view = annotation === undefined ? {} : { poolAnnotation: annotation };
      assert.deepEqual(poolOf(view, ip(address), pools), expected);
    });
  }
});

describe('interfacesFor', () => {
  const adv = (name: string, extra: Partial<L2Advertisement>): L2Advertisement => ({
    ...announceAll,
    name,
    ...extra,
  });
  const zoneA = [{ key: 'zone', operator: 'In' as const, values: ['a'] }];
  const cases = [
    { title: 'no restriction: every local interface', advs: [announceAll], want: ['eth0', 'eth1', 'eth2'] },
    {
      title: 'union of named interfaces, limited to local ones',
      advs: [adv('x', { interfaces: ['eth2'] }), adv('y', { interfaces: ['eth0', 'wlan0'] })],
      want: ['eth0', 'eth2'],
    },
    {
      title: 'an unrestricted advertisement wins over narrowed ones',
      advs: [adv('x', { interfaces: ['eth2'] }), announceAll],
      want: ['eth0', 'eth1', 'eth2'],
    },
    {
      title: 'advertisements not selecting this node do not count',
      advs: [adv('x', { interfaces: ['eth2'] }), adv('y', { nodeSelectors: [zoneA] })],
      want: ['eth2'],
    },
    {
      title: 'advertisements for another pool do not count',
      advs: [adv('x', { interfaces: ['eth2'] }), adv('y', { pools: ['other'] })],
      want: ['eth2'],
    },
  ];
  for (const { title, advs, want } of cases) {
    test(title, () => {
      assert.deepEqual(interfacesFor('default', { zone: 'b' }, advs, ['eth2', 'eth0', 'eth1']), want);
    });
  }
});

describe('diffLed', () => {
  const led = (entries: Record<string, string[]>) =>
    new Map(Object.entries(entries).map(([k, interfaces]) => [k, { interfaces }]));
  const cases: { before: Record<string, string[]>; after: Record<string, string[]>; want: object }[] = [
    { before: {}, after: { a: ['eth0'] }, want: { added: ['a'], removed: [], moved: [] } },
    {
      before: { a: ['eth0'], b: ['eth0'] },
      after: { b: ['eth0'] },
      want: { added: [], removed: ['a'], moved: [] },
    },
    { before: { a: ['eth0'] }, after: { a: ['eth1'] }, want: { added: [], removed: [], moved: ['a'] } },
    { before: { a: ['eth0'] }, after: { a: ['eth0'] }, want: { added: [], removed: [], moved: [] } },
  ];
  for (const { before, after, want } of cases) {
    test(`${JSON.stringify(before)} → ${JSON.stringify(after)}`, () => {
      assert.deepEqual(diffLed(led(before), led(after)), want);
    });
  }

  test('lost leadership removes exactly the lost IPs', () => {
    const leader = electLeader('192.0.2.241', names)!;
    const before = planAnnouncements(input(leader)).led;
    const after = planAnnouncements(
      input(leader, { liveSpeakers: new Set(names.filter((n) => n !== leader)) }),
    ).led;
    assert.deepEqual(diffLed(before, after).removed, ['192.0.2.241']);
    assert.equal(formatIP(before.get('192.0.2.241')!.ip), '192.0.2.241');
  });
});

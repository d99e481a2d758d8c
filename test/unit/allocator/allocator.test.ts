import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PoolConfig } from '../../../common/pool-config/model.ts';
import { Allocator } from '../../../controller/allocator/allocator.ts';
import type { ServiceRequest } from '../../../controller/allocator/service-request.ts';
import { ip, poolsConfig, shown, svc } from './helpers.ts';

interface Case {
  name: string;
  pools: Record<string, Record<string, unknown>>;
  /** Assigned in order; only the last result is checked against want. */
  services: ServiceRequest[];
  want: string | RegExp;
}

const local = { externalTrafficPolicy: 'Local' as const };
const dual = { ipFamilies: [4, 6] as (4 | 6)[] };
const cases: Case[] = [
  {
    name: 'requested addresses of two families must come from one pool',
    pools: { v4: { addresses: ['192.0.2.0/28'] }, v6: { addresses: ['2001:db8::/124'] } },
    services: [
      svc('s1', {
        ...dual,
        ipFamilyPolicy: 'RequireDualStack',
        requestedIPs: [ip('192.0.2.3'), ip('2001:db8::3')],
      }),
    ],
    want: 'fail: 192.0.2.3 and 2001:db8::3 are in different pools ("v4", "v6"); a Service\'s addresses come from one pool',
  },
  {
    name: 'PreferDualStack: a pool that selects the Service wins over a dual-stack pool that merely admits it',
    pools: {
      aa: { addresses: ['192.0.2.0/28', '2001:db8::/124'] },
      zz: { addresses: ['198.51.100.0/28'], serviceAllocation: { namespaces: ['default'] } },
    },
    services: [svc('s1', { ...dual, ipFamilyPolicy: 'PreferDualStack' })],
    want: 'zz:198.51.100.0',
  },
  {
    name: 'PreferDualStack without selecting pools still prefers a pool that gives both families',
    pools: { aa: { addresses: ['198.51.100.0/28'] }, bb: { addresses: ['192.0.2.0/28', '2001:db8::/124'] } },
    services: [svc('s1', { ...dual, ipFamilyPolicy: 'PreferDualStack' })],
    want: 'bb:192.0.2.0,bb:2001:db8::',
  },
  {
    name: 'lowest free address first',
    pools: { a: { addresses: ['192.0.2.10-192.0.2.20'] } },
    services: [svc('s1')],
    want: 'a:192.0.2.10',
  },
  {
    name: 'successive Services take successive addresses',
    pools: { a: { addresses: ['192.0.2.10-192.0.2.20'] } },
    services: [svc('s1'), svc('s2'), svc('s3')],
    want: 'a:192.0.2.12',
  },
  {
    name: 'ranges are used in address order, not the order written',
    pools: { a: { addresses: ['198.51.100.0/30', '192.0.2.8/30'] } },
    services: [svc('s1')],
    want: 'a:192.0.2.8',
  },
  {
    name: 'avoidBuggyIPs skips .255 and .0',
    pools: { a: { addresses: ['192.0.2.254-192.0.3.2'], avoidBuggyIPs: true } },
    services: [svc('s1'), svc('s2')],
    want: 'a:192.0.3.1',
  },
  {
    name: 'without avoidBuggyIPs .255 is an ordinary address',
    pools: { a: { addresses: ['192.0.2.254-192.0.3.2'] } },
    services: [svc('s1'), svc('s2')],
    want: 'a:192.0.2.255',
  },
  {
    name: 'avoidBuggyIPs does not touch IPv6',
    pools: { a: { addresses: ['2001:db8::ff-2001:db8::100'], avoidBuggyIPs: true } },
    services: [svc('s1', { ipFamilies: [6] })],
    want: 'a:2001:db8::ff',
  },
  {
    name: 'an exhausted pool fails with the reason',
    pools: { a: { addresses: ['192.0.2.1/32'] } },
    services: [svc('s1'), svc('s2')],
    want: /no free IPv4 address for this Service in pool\(s\) "a"/,
  },
  {
    name: 'the next pool by name when the first is full',
    pools: { b: { addresses: ['198.51.100.1/32'] }, a: { addresses: ['192.0.2.1/32'] } },
    services: [svc('s1'), svc('s2')],
    want: 'b:198.51.100.1',
  },
  {
    name: 'auto-assign false pools are not used automatically',
    pools: { a: { addresses: ['192.0.2.0/28'], autoAssign: false }, b: { addresses: ['198.51.100.0/28'] } },
    services: [svc('s1')],
    want: 'b:198.51.100.0',
  },
  {
    name: 'no auto-assign pool at all',
    pools: { a: { addresses: ['192.0.2.0/28'], autoAssign: false } },
    services: [svc('s1')],
    want: /no auto-assign pool admits this Service/,
  },
  {
    name: 'the annotation-named pool, even with auto-assign off',
    pools: { a: { addresses: ['192.0.2.0/28'], autoAssign: false }, b: { addresses: ['198.51.100.0/28'] } },
    services: [svc('s1', { requestedPool: 'a' })],
    want: 'a:192.0.2.0',
  },
  {
    name: 'a named pool that does not exist',
    pools: { a: { addresses: ['192.0.2.0/28'] } },
    services: [svc('s1', { requestedPool: 'nope' })],
    want: /requested pool "nope" does not exist/,
  },
  {
    name: 'serviceAllocation pools come before plain pools',
    pools: {
      a: { addresses: ['192.0.2.0/28'] },
      z: { addresses: ['198.51.100.0/28'], serviceAllocation: { namespaces: ['default'] } },
    },
    services: [svc('s1')],
    want: 'z:198.51.100.0',
  },
  {
    name: 'lower priority number first; pools with a priority before those without (0 = none)',
    pools: {
      a: { addresses: ['192.0.2.0/28'], serviceAllocation: { namespaces: ['default'], priority: 0 } },
      b: { addresses: ['198.51.100.0/28'], serviceAllocation: { priority: 20 } },
      c: { addresses: ['203.0.113.0/28'], serviceAllocation: { priority: 10 } },
    },
    services: [svc('s1')],
    want: 'c:203.0.113.0',
  },
  {
    name: 'equal priorities are tried by name',
    pools: {
      d: { addresses: ['192.0.2.0/28'], serviceAllocation: { priority: 1 } },
      c: { addresses: ['198.51.100.0/28'], serviceAllocation: { priority: 1 } },
    },
    services: [svc('s1')],
    want: 'c:198.51.100.0',
  },
  {
    name: 'a serviceAllocation for another namespace is never used',
    pools: { a: { addresses: ['192.0.2.0/28'], serviceAllocation: { namespaces: ['other'] } } },
    services: [svc('s1')],
    want: /no auto-assign pool admits this Service/,
  },
  {
    name: 'not even when named by the annotation',
    pools: { a: { addresses: ['192.0.2.0/28'], serviceAllocation: { namespaces: ['other'] } } },
    services: [svc('s1', { requestedPool: 'a' })],
    want: /does not admit this Service/,
  },
  {
    name: 'namespaceSelectors match the namespace labels',
    pools: {
      a: { addresses: ['192.0.2.0/28'] },
      b: {
        addresses: ['198.51.100.0/28'],
        serviceAllocation: { namespaceSelectors: [{ matchLabels: { team: 'x' } }] },
      },
    },
    services: [svc('s1', { namespaceLabels: { team: 'x' } })],
    want: 'b:198.51.100.0',
  },
  {
    name: 'serviceSelectors must match the Service labels',
    pools: {
      a: { addresses: ['192.0.2.0/28'] },
      b: {
        addresses: ['198.51.100.0/28'],
        serviceAllocation: { serviceSelectors: [{ matchLabels: { tier: 'gold' } }] },
      },
    },
    services: [svc('s1', { labels: { tier: 'silver' } })],
    want: 'a:192.0.2.0',
  },
  {
    name: 'requested IP inside a pool, auto-assign off or not',
    pools: { a: { addresses: ['192.0.2.0/28'], autoAssign: false } },
    services: [svc('s1', { requestedIPs: [ip('192.0.2.7')] })],
    want: 'a:192.0.2.7',
  },
  {
    name: 'requested IP outside every pool',
    pools: { a: { addresses: ['192.0.2.0/28'] } },
    services: [svc('s1', { requestedIPs: [ip('203.0.113.7')] })],
    want: /203\.0\.113\.7 is not in any pool/,
  },
  {
    name: 'requested IP used by a Service that does not share',
    pools: { a: { addresses: ['192.0.2.0/28'] } },
    services: [
      svc('s1'),
      svc('s2', {
        requestedIPs: [ip('192.0.2.0')],
        sharingKey: 'k',
        ports: [{ protocol: 'TCP', port: 443 }],
      }),
    ],
    want: /192\.0\.2\.0 is already used by default\/s1/,
  },
  {
    name: 'requested IP of the wrong family',
    pools: { a: { addresses: ['2001:db8::/120'] } },
    services: [svc('s1', { requestedIPs: [ip('2001:db8::5')] })],
    want: /wrong family: 2001:db8::5 is IPv6 but the Service takes IPv4/,
  },
  {
    name: 'requested IP outside the requested pool',
    pools: { a: { addresses: ['192.0.2.0/28'] }, b: { addresses: ['198.51.100.0/28'] } },
    services: [svc('s1', { requestedIPs: [ip('192.0.2.3')], requestedPool: 'b' })],
    want: /192\.0\.2\.3 is in pool "a", not the requested pool "b"/,
  },
  {
    name: 'requested .0 in an avoidBuggyIPs pool',
    pools: { a: { addresses: ['192.0.2.0/24'], avoidBuggyIPs: true } },
    services: [svc('s1', { requestedIPs: [ip('192.0.2.0')] })],
    want: /avoidBuggyIPs excludes/,
  },
  {
    name: 'sharing: same key, different ports, same address',
    pools: { a: { addresses: ['192.0.2.0/28'] } },
    services: [
      svc('s1', { sharingKey: 'k' }),
      svc('s2', { sharingKey: 'k', ports: [{ protocol: 'UDP', port: 80 }] }),
    ],
    want: 'a:192.0.2.0',
  },
  {
    name: 'sharing: an overlapping port takes a new address',
    pools: { a: { addresses: ['192.0.2.0/28'] } },
    services: [svc('s1', { sharingKey: 'k' }), svc('s2', { sharingKey: 'k' })],
    want: 'a:192.0.2.1',
  },
  {
    name: 'sharing: an overlapping port on a requested address fails',
    pools: { a: { addresses: ['192.0.2.0/28'] } },
    services: [
      svc('s1', { sharingKey: 'k' }),
      svc('s2', { sharingKey: 'k', requestedIPs: [ip('192.0.2.0')] }),
    ],
    want: /port TCP\/80 is already used by default\/s1/,
  },
  {
    name: 'sharing: different keys do not share',
    pools: { a: { addresses: ['192.0.2.0/28'] } },
    services: [
      svc('s1', { sharingKey: 'k' }),
      svc('s2', {
        sharingKey: 'j',
        requestedIPs: [ip('192.0.2.0')],
        ports: [{ protocol: 'TCP', port: 443 }],
      }),
    ],
    want: /sharing key "k", not "j"/,
  },
  {
    name: 'sharing: Local with the same selector shares',
    pools: { a: { addresses: ['192.0.2.0/28'] } },
    services: [
      svc('s1', { sharingKey: 'k', ...local, selector: { app: 'x' } }),
      svc('s2', {
        sharingKey: 'k',
        ...local,
        selector: { app: 'x' },
        ports: [{ protocol: 'TCP', port: 443 }],
      }),
    ],
    want: 'a:192.0.2.0',
  },
  {
    name: 'sharing: Local with different selectors does not',
    pools: { a: { addresses: ['192.0.2.0/28'] } },
    services: [
      svc('s1', { sharingKey: 'k', ...local, selector: { app: 'x' } }),
      svc('s2', {
        sharingKey: 'k',
        ...local,
        selector: { app: 'y' },
        ports: [{ protocol: 'TCP', port: 443 }],
      }),
    ],
    want: 'a:192.0.2.1',
  },
  {
    name: 'sharing: Cluster and Local do not share',
    pools: { a: { addresses: ['192.0.2.0/28'] } },
    services: [
      svc('s1', { sharingKey: 'k', selector: { app: 'x' } }),
      svc('s2', {
        sharingKey: 'k',
        ...local,
        selector: { app: 'x' },
        ports: [{ protocol: 'TCP', port: 443 }],
        requestedIPs: [ip('192.0.2.0')],
      }),
    ],
    want: /externalTrafficPolicy Cluster, or both on Local with the same selector/,
  },
  {
    name: 'sharing packs onto the lowest compatible shared address first',
    pools: { a: { addresses: ['192.0.2.0/28'] } },
    services: [
      svc('s1', { sharingKey: 'k' }),
      svc('s2', { sharingKey: 'k' }), // port clash: 192.0.2.1
      svc('s3', { sharingKey: 'k', ports: [{ protocol: 'TCP', port: 443 }] }), // joins .0
      svc('s4', { sharingKey: 'k', ports: [{ protocol: 'TCP', port: 443 }] }), // .0 has 443 now: joins .1
    ],
    want: 'a:192.0.2.1',
  },
  {
    name: 'SingleStack takes the first of ipFamilies',
    pools: { a: { addresses: ['192.0.2.0/28', '2001:db8::/120'] } },
    services: [svc('s1', { ipFamilies: [6, 4] })],
    want: 'a:2001:db8::',
  },
  {
    name: 'PreferDualStack takes both from one pool, in ipFamilies order',
    pools: { a: { addresses: ['192.0.2.0/28', '2001:db8::/120'] } },
    services: [svc('s1', { ipFamilies: [6, 4], ipFamilyPolicy: 'PreferDualStack' })],
    want: 'a:2001:db8::,a:192.0.2.0',
  },
  {
    name: 'PreferDualStack prefers a pool that can give both',
    pools: { a: { addresses: ['192.0.2.0/28'] }, b: { addresses: ['198.51.100.0/28', '2001:db8::/120'] } },
    services: [svc('s1', { ipFamilies: [4, 6], ipFamilyPolicy: 'PreferDualStack' })],
    want: 'b:198.51.100.0,b:2001:db8::',
  },
  {
    name: 'PreferDualStack settles for one family',
    pools: { a: { addresses: ['192.0.2.0/28'] }, b: { addresses: ['2001:db8::/120'] } },
    services: [svc('s1', { ipFamilies: [4, 6], ipFamilyPolicy: 'PreferDualStack' })],
    want: 'a:192.0.2.0',
  },
  {
    name: 'RequireDualStack takes both from the same pool',
    pools: { a: { addresses: ['192.0.2.0/28'] }, b: { addresses: ['198.51.100.0/28', '2001:db8::/120'] } },
    services: [svc('s1', { ipFamilies: [4, 6], ipFamilyPolicy: 'RequireDualStack' })],
    want: 'b:198.51.100.0,b:2001:db8::',
  },
  {
    name: 'RequireDualStack fails without a dual-stack pool',
    pools: { a: { addresses: ['192.0.2.0/28'] }, b: { addresses: ['2001:db8::/120'] } },
    services: [svc('s1', { ipFamilies: [4, 6], ipFamilyPolicy: 'RequireDualStack' })],
    want: /no free IPv4 and IPv6 address/,
  },
  {
    name: 'RequireDualStack with one requested address fails',
    pools: { a: { addresses: ['192.0.2.0/28', '2001:db8::/120'] } },
    services: [
      svc('s1', { ipFamilies: [4, 6], ipFamilyPolicy: 'RequireDualStack', requestedIPs: [ip('192.0.2.3')] }),
    ],
    want: /RequireDualStack needs one IPv4 and one IPv6 address/,
  },
  {
    name: 'dual-stack requested addresses',
    pools: { a: { addresses: ['192.0.2.0/28', '2001:db8::/120'] } },
    services: [
      svc('s1', {
        ipFamilies: [4, 6],
        ipFamilyPolicy: 'RequireDualStack',
        requestedIPs: [ip('2001:db8::9'), ip('192.0.2.3')],
      }),
    ],
    want: 'a:192.0.2.3,a:2001:db8::9',
  },
  {
    name: 'a far address in a /64 and the lowest free still works',
    pools: { a: { addresses: ['2001:db8::/64'] } },
    services: [
      svc('s1', { ipFamilies: [6], requestedIPs: [ip('2001:db8::ffff:ffff:ffff:fffe')] }),
      svc('s2', { ipFamilies: [6] }),
    ],
    want: 'a:2001:db8::',
  },
];

function run(config: PoolConfig, services: ServiceRequest[]) {
  const allocator = new Allocator(config);
  return { allocator, results: services.map((s) => allocator.assign(s)) };
}

for (const c of cases) {
  test(`allocate: ${c.name}`, () => {
    const { results } = run(poolsConfig(c.pools), c.services);
    const last = shown(results.at(-1)!);
    if (typeof c.want === 'string') assert.equal(last, c.want);
    else assert.match(last, c.want);
  });
}

test('assign is idempotent and keeps an address while the request still fits', () => {
  const allocator = new Allocator(poolsConfig({ a: { addresses: ['192.0.2.0/28'] } }));
  assert.equal(shown(allocator.assign(svc('s1'))), 'a:192.0.2.0');
  assert.equal(shown(allocator.assign(svc('s2'))), 'a:192.0.2.1');
  allocator.release('default/s1');
  assert.equal(shown(allocator.assign(svc('s2'))), 'a:192.0.2.1');
  assert.equal(shown(allocator.assign(svc('s3'))), 'a:192.0.2.0');
});

test('a changed request moves the Service', () => {
  const allocator = new Allocator(
    poolsConfig({ a: { addresses: ['192.0.2.0/28'] }, b: { addresses: ['198.51.100.0/28'] } }),
  );
  assert.equal(shown(allocator.assign(svc('s1'))), 'a:192.0.2.0');
  assert.equal(shown(allocator.assign(svc('s1', { requestedPool: 'b' }))), 'b:198.51.100.0');
  assert.equal(shown(allocator.assign(svc('s1', { requestedIPs: [ip('192.0.2.9')] }))), 'a:192.0.2.9');
  assert.equal(shown(allocator.assign(svc('s2'))), 'a:192.0.2.0');
  // A failed change leaves the Service with nothing: it is pending until it can be served.
  assert.match(shown(allocator.assign(svc('s1', { requestedIPs: [ip('203.0.113.1')] }))), /not in any pool/);
  assert.equal(allocator.assignmentOf('default/s1'), undefined);
});

test('setConfig evicts Services whose addresses left every pool, keeps and re-homes the rest', () => {
  const allocator = new Allocator(
    poolsConfig({ a: { addresses: ['192.0.2.0/28'] }, b: { addresses: ['198.51.100.0/28'] } }),
  );
  allocator.assign(svc('s1'));
  allocator.assign(svc('s2', { requestedPool: 'b' }));
  allocator.assign(svc('s3', { requestedIPs: [ip('192.0.2.9')] }));
  const evicted = allocator.setConfig(
    poolsConfig({ renamed: { addresses: ['192.0.2.0/29'] }, b: { addresses: ['203.0.113.0/28'] } }),
  );
  assert.deepEqual(evicted, ['default/s2', 'default/s3']);
  assert.equal(shown({ ok: true, ips: allocator.assignmentOf('default/s1')! }), 'renamed:192.0.2.0');
  assert.equal(allocator.assignmentOf('default/s2'), undefined);
  assert.equal(shown(allocator.assign(svc('s2', { requestedPool: 'b' }))), 'b:203.0.113.0');
  assert.equal(shown(allocator.assign(svc('s4', { requestedPool: 'renamed' }))), 'renamed:192.0.2.1');
});

test('setConfig turning on avoidBuggyIPs evicts holders of .0 and .255', () => {
  const allocator = new Allocator(poolsConfig({ a: { addresses: ['192.0.2.0/24'] } }));
  allocator.assign(svc('s1'));
  allocator.assign(svc('s2'));
  assert.deepEqual(
    allocator.setConfig(poolsConfig({ a: { addresses: ['192.0.2.0/24'], avoidBuggyIPs: true } })),
    ['default/s1'],
  );
  assert.equal(shown(allocator.assign(svc('s1'))), 'a:192.0.2.2');
});

test('setConfig evicts a Service whose named pool no longer holds its address', () => {
  const allocator = new Allocator(poolsConfig({ a: { addresses: ['192.0.2.0/28'] } }));
  allocator.assign(svc('s1', { requestedPool: 'a' }));
  assert.deepEqual(allocator.setConfig(poolsConfig({ renamed: { addresses: ['192.0.2.0/28'] } })), [
    'default/s1',
  ]);
});

test('rebuild: the older of two conflicting claims keeps the address', () => {
  const allocator = new Allocator(poolsConfig({ a: { addresses: ['192.0.2.0/28'] } }));
  const rejected = allocator.rebuild([
    { request: svc('old'), ips: [ip('192.0.2.5')] },
    { request: svc('new'), ips: [ip('192.0.2.5')] },
    { request: svc('gone'), ips: [ip('203.0.113.5')] },
    { request: svc('pending'), ips: [] },
  ]);
  assert.deepEqual(
    rejected.map((r) => [r.key, r.conflictsWith]),
    [
      ['default/new', 'default/old'],
      ['default/gone', undefined],
    ],
  );
  assert.match(rejected[1]!.reason, /not in any pool/);
  assert.equal(shown({ ok: true, ips: allocator.assignmentOf('default/old')! }), 'a:192.0.2.5');
  // Restored addresses are taken before anything new is handed out.
  assert.equal(shown(allocator.assign(svc('new'))), 'a:192.0.2.0');
});

test('rebuild: valid sharing is restored for every sharer', () => {
  const allocator = new Allocator(poolsConfig({ a: { addresses: ['192.0.2.0/28'] } }));
  const rejected = allocator.rebuild([
    { request: svc('s1', { sharingKey: 'k' }), ips: [ip('192.0.2.3')] },
    {
      request: svc('s2', { sharingKey: 'k', ports: [{ protocol: 'UDP', port: 53 }] }),
      ips: [ip('192.0.2.3')],
    },
  ]);
  assert.deepEqual(rejected, []);
  assert.equal(allocator.usage()[0]!.inUse, 1);
});

test('rebuild: a status that no longer matches the requested address is rejected', () => {
  const allocator = new Allocator(poolsConfig({ a: { addresses: ['192.0.2.0/28'] } }));
  const rejected = allocator.rebuild([
    { request: svc('s1', { requestedIPs: [ip('192.0.2.9')] }), ips: [ip('192.0.2.3')] },
  ]);
  assert.match(rejected[0]!.reason, /status 192\.0\.2\.3 differs from the requested 192\.0\.2\.9/);
});

test('usage per pool and family counts shared addresses once and skips buggy ones', () => {
  const allocator = new Allocator(
    poolsConfig({
      a: { addresses: ['192.0.2.0/24', '2001:db8::/120'], avoidBuggyIPs: true },
      b: { addresses: ['198.51.100.0/30'] },
    }),
  );
  allocator.assign(svc('s1', { sharingKey: 'k' }));
  allocator.assign(svc('s2', { sharingKey: 'k', ports: [{ protocol: 'TCP', port: 81 }] }));
  allocator.assign(svc('s3', { ipFamilies: [6] }));
  assert.deepEqual(allocator.usage(), [
    { pool: 'a', family: 4, total: 254n, inUse: 1, available: 253n },
    { pool: 'a', family: 6, total: 256n, inUse: 1, available: 255n },
    { pool: 'b', family: 4, total: 4n, inUse: 0, available: 4n },
  ]);
});

test('release frees the address only when its last sharer leaves', () => {
  const allocator = new Allocator(poolsConfig({ a: { addresses: ['192.0.2.0/30'] } }));
  allocator.assign(svc('s1', { sharingKey: 'k' }));
  allocator.assign(svc('s2', { sharingKey: 'k', ports: [{ protocol: 'TCP', port: 81 }] }));
  assert.equal(allocator.release('default/s1'), true);
  assert.equal(allocator.release('default/s1'), false);
  assert.equal(shown(allocator.assign(svc('s3'))), 'a:192.0.2.1');
  allocator.release('default/s2');
  assert.equal(shown(allocator.assign(svc('s4'))), 'a:192.0.2.0');
});

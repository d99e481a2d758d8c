import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { formatIP, type IP } from '../../../common/ip-address.ts';
import type { PoolConfig } from '../../../common/pool-config/model.ts';
import { isBuggyIPv4 } from '../../../controller/allocator/address-slots.ts';
import { Allocator } from '../../../controller/allocator/allocator.ts';
import { backendKey, type ServiceRequest } from '../../../controller/allocator/service-request.ts';
import { ip, poolsConfig, svc } from './helpers.ts';

const config = poolsConfig({
  a: { addresses: ['192.0.2.0/29', '2001:db8::/126'] },
  b: { addresses: ['198.51.100.254-198.51.101.1'], avoidBuggyIPs: true },
  c: { addresses: ['203.0.113.0/30'], autoAssign: false },
});

const names = ['s0', 's1', 's2', 's3', 's4', 's5', 's6', 's7', 's8', 's9'];
const candidateIPs = [
  '192.0.2.3',
  '198.51.100.255',
  '198.51.101.1',
  '203.0.113.2',
  '2001:db8::2',
  '192.0.2.200',
];

const requestArb = fc
  .record({
    name: fc.constantFrom(...names),
    sharingKey: fc.constantFrom(undefined, 'k', 'j'),
    port: fc.constantFrom(80, 81),
    local: fc.boolean(),
    app: fc.constantFrom('x', 'y'),
    families: fc.constantFrom<[4 | 6, ...(4 | 6)[]]>([4], [6], [4, 6], [6, 4]),
    policy: fc.constantFrom('SingleStack' as const, 'PreferDualStack' as const, 'RequireDualStack' as const),
    requested: fc.option(fc.constantFrom(...candidateIPs), { freq: 4 }),
    pool: fc.option(fc.constantFrom('a', 'b', 'c', 'missing'), { freq: 4 }),
  })
  .map(
    (r): ServiceRequest =>
      svc(r.name, {
        ...(r.sharingKey ? { sharingKey: r.sharingKey } : {}),
        ports: [{ protocol: 'TCP', port: r.port }],
        externalTrafficPolicy: r.local ? 'Local' : 'Cluster',
        selector: { app: r.app },
        ipFamilies: r.families,
        ipFamilyPolicy: r.families.length === 1 && r.policy === 'RequireDualStack' ? 'SingleStack' : r.policy,
        requestedIPs: r.requested ? [ip(r.requested)] : [],
        ...(r.pool ? { requestedPool: r.pool } : {}),
      }),
  );

type Op = { kind: 'assign'; request: ServiceRequest } | { kind: 'release'; name: string };
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: requestArb.map((request) => ({ kind: 'assign' as const, request })) },
  { weight: 1, arbitrary: fc.constantFrom(...names).map((name) => ({ kind: 'release' as const, name })) },
);

/** Runs ops, checking after each that every held address is legal; returns who holds what. */
function runChecked(
  allocator: Allocator,
  poolConfig: PoolConfig,
  ops: readonly Op[],
): Map<string, ServiceRequest> {
  const holders = new Map<string, ServiceRequest>();
  for (const op of ops) {
    if (op.kind === 'release') {
      allocator.release(`default/${op.name}`);
      holders.delete(`default/${op.name}`);
    } else {
      const result = allocator.assign(op.request);
      if (result.ok) holders.set(op.request.key, op.request);
      else {
        holders.delete(op.request.key);
        assert.equal(allocator.assignmentOf(op.request.key), undefined, 'a failed Service holds nothing');
      }
    }
    checkInvariants(allocator, poolConfig, holders);
  }
  return holders;
}

function checkInvariants(
  allocator: Allocator,
  poolConfig: PoolConfig,
  holders: Map<string, ServiceRequest>,
): void {
  const byAddress = new Map<string, ServiceRequest[]>();
  for (const [key, request] of holders) {
    for (const { ip: address, pool: poolName } of allocator.assignmentOf(key)!) {
      const pool = poolConfig.pools.find((p) => p.name === poolName)!;
      assert.ok(
        pool.ranges.some(
          (r) => r.family === address.family && r.first <= address.value && address.value <= r.last,
        ),
        `${formatIP(address)} inside pool ${poolName}`,
      );
      assert.ok(!(pool.avoidBuggyIPs && isBuggyIPv4(address.family, address.value)));
      const k = formatIP(address);
      byAddress.set(k, [...(byAddress.get(k) ?? []), request]);
    }
  }
  for (const [address, sharers] of byAddress) {
    for (let i = 0; i < sharers.length; i++) {
      for (let j = i + 1; j < sharers.length; j++) {
        const [x, y] = [sharers[i]!, sharers[j]!];
        const why = `${address} held by ${x.key} and ${y.key}`;
        assert.ok(x.sharingKey && x.sharingKey === y.sharingKey, why);
        assert.equal(backendKey(x), backendKey(y), why);
        assert.ok(
          !x.ports.some((p) => y.ports.some((q) => p.port === q.port && p.protocol === q.protocol)),
          why,
        );
      }
    }
  }
  const inUse = allocator.usage().reduce((sum, u) => sum + u.inUse, 0);
  assert.equal(inUse, byAddress.size);
}

test('random operations never give one address to two Services that may not share, nor one outside its pool', () => {
  fc.assert(
    fc.property(fc.array(opArb, { maxLength: 60 }), (ops) => {
      runChecked(new Allocator(config), config, ops);
    }),
    { numRuns: 300 },
  );
});

test('releasing every Service returns every pool to full', () => {
  fc.assert(
    fc.property(fc.array(opArb, { maxLength: 60 }), (ops) => {
      const allocator = new Allocator(config);
      const holders = runChecked(allocator, config, ops);
      for (const key of holders.keys()) allocator.release(key);
      for (const usage of allocator.usage()) {
        assert.equal(usage.inUse, 0);
        assert.equal(usage.available, usage.total);
      }
    }),
    { numRuns: 100 },
  );
});

test('rebuilding from the Services statuses reproduces the same assignments', () => {
  fc.assert(
    fc.property(fc.array(opArb, { maxLength: 60 }), fc.boolean(), (ops, reverse) => {
      const allocator = new Allocator(config);
      const holders = runChecked(allocator, config, ops);
      const entries = [...holders.values()].map((request) => ({
        request,
        ips: allocator.assignmentOf(request.key)!.map((a) => a.ip),
      }));
      if (reverse) entries.reverse();
      const rebuilt = new Allocator(config);
      assert.deepEqual(rebuilt.rebuild(entries), []);
      for (const { request } of entries) {
        assert.deepEqual(rebuilt.assignmentOf(request.key), allocator.assignmentOf(request.key));
      }
      assert.deepEqual(rebuilt.usage(), allocator.usage());
    }),
    { numRuns: 100 },
  );
});

test('plain Services get exactly what a lowest-free reference model gives', () => {
  const reference = (pool: bigint[], used: Set<bigint>) => pool.find((v) => !used.has(v));
  fc.assert(
    fc.property(
      fc.boolean(),
      fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 40 })), { maxLength: 200 }),
      (avoidBuggyIPs, ops) => {
        const poolConfig = poolsConfig({ p: { addresses: ['192.0.2.250-192.0.3.20'], avoidBuggyIPs } });
        const addresses: bigint[] = [];
        for (let v = 0xc00002fan; v <= 0xc0000314n; v++)
          if (!(avoidBuggyIPs && isBuggyIPv4(4, v))) addresses.push(v);
        const allocator = new Allocator(poolConfig);
        const model = new Map<string, bigint>();
        for (const [assign, n] of ops) {
          const key = `default/s${n}`;
          if (!assign) {
            assert.equal(allocator.release(key), model.delete(key));
            continue;
          }
          const result = allocator.assign(svc(`s${n}`));
          const expected = model.get(key) ?? reference(addresses, new Set(model.values()));
          if (expected === undefined) {
            assert.ok(!result.ok);
          } else {
            assert.ok(result.ok);
            assert.equal((result.ips[0]!.ip as IP).value, expected);
            model.set(key, expected);
          }
        }
      },
    ),
    { numRuns: 200 },
  );
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { V1Service } from '@kubernetes/client-node';
import { parseIP } from '../../../common/ip-address.ts';
import { type Outcome, planService } from '../../../controller/service-plan.ts';

function service(ips: string[], pool?: string): V1Service {
  return {
    metadata: {
      name: 'web',
      namespace: 'shop',
      ...(pool ? { annotations: { 'metallb.io/ip-allocated-from-pool': pool } } : {}),
    },
    spec: { type: 'LoadBalancer' },
    status: { loadBalancer: { ingress: ips.map((ip) => ({ ip })) } },
  };
}
const assigned = (...ips: string[]): Outcome => ({
  kind: 'assigned',
  ips: ips.map((ip) => ({ ip: parseIP(ip)!, pool: 'default' })),
});

test('plans: status, annotation and Events for each situation', () => {
  const cases: {
    name: string;
    svc: V1Service;
    outcome: Outcome;
    ingress?: string[];
    pool?: string | null;
    events: string[];
  }[] = [
    {
      name: 'new assignment',
      svc: service([]),
      outcome: assigned('192.0.2.1'),
      ingress: ['192.0.2.1'],
      pool: 'default',
      events: ['IPAllocated Assigned IP ["192.0.2.1"]'],
    },
    {
      name: 'already in place',
      svc: service(['192.0.2.1'], 'default'),
      outcome: assigned('192.0.2.1'),
      events: [],
    },
    {
      name: 'same address written differently',
      svc: service(['2001:db8:0::1'], 'default'),
      outcome: assigned('2001:db8::1'),
      events: [],
    },
    {
      name: 'address changed',
      svc: service(['192.0.2.1'], 'default'),
      outcome: assigned('192.0.2.2'),
      ingress: ['192.0.2.2'],
      events: ['ClearAssignment', 'IPAllocated Assigned IP ["192.0.2.2"]'],
    },
    {
      name: 'failure while pending',
      svc: service([]),
      outcome: { kind: 'failed', reason: 'no free address' },
      events: ['AllocationFailed Failed to allocate IP for "shop/web": no free address'],
    },
    {
      name: 'failure clears what it had',
      svc: service(['192.0.2.1'], 'default'),
      outcome: { kind: 'failed', reason: '192.0.2.1 is not in any pool' },
      ingress: [],
      pool: null,
      events: [
        'ClearAssignment',
        'AllocationFailed Failed to allocate IP for "shop/web": 192.0.2.1 is not in any pool',
      ],
    },
    {
      name: 'no longer LoadBalancer',
      svc: service(['192.0.2.1'], 'default'),
      outcome: { kind: 'released', reason: 'not LoadBalancer', ips: ['192.0.2.1'] },
      ingress: [],
      pool: null,
      events: ['ClearAssignment'],
    },
    {
      // kube-apiserver empties the status when the type changes; the allocator still held the address.
      name: 'no longer LoadBalancer, status already emptied by the API server',
      svc: service([], 'default'),
      outcome: { kind: 'released', reason: 'not LoadBalancer', ips: ['192.0.2.1'] },
      pool: null,
      events: ['ClearAssignment'],
    },
    {
      name: 'released with nothing held',
      svc: service([]),
      outcome: { kind: 'released', reason: 'x', ips: [] },
      events: [],
    },
  ];
  for (const c of cases) {
    const plan = planService(c.svc, c.outcome);
    assert.deepEqual(
      plan.ingress?.map((i) => i.ip),
      c.ingress,
      `${c.name}: ingress`,
    );
    assert.equal(plan.pool, c.pool, `${c.name}: pool`);
    assert.deepEqual(
      plan.events.map((e) => (e.reason === 'ClearAssignment' ? e.reason : `${e.reason} ${e.message}`)),
      c.events,
      `${c.name}: events`,
    );
  }
});

test('a ClearAssignment Event carries the given reason and the old addresses', () => {
  const plan = planService(service(['192.0.2.1']), assigned('192.0.2.9'), 'conflicts with shop/older');
  const clear = plan.events.find((e) => e.reason === 'ClearAssignment')!;
  assert.match(clear.message, /192\.0\.2\.1/);
  assert.match(clear.message, /conflicts with shop\/older/);
  assert.equal(
    plan.events.find((e) => e.reason === 'AllocationFailed'),
    undefined,
  );
  assert.equal(plan.events.filter((e) => e.type === 'Warning').length, 0);
});

test("status lists the IPv4 address first, whatever the Service's primary family", () => {
  const ipv6First: Outcome = {
    kind: 'assigned',
    ips: [
      { ip: parseIP('2001:db8::1')!, pool: 'default' },
      { ip: parseIP('192.0.2.1')!, pool: 'default' },
    ],
  };
  assert.deepEqual(planService(service([]), ipv6First).ingress, [{ ip: '192.0.2.1' }, { ip: '2001:db8::1' }]);
});

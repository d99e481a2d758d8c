import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { parseIP } from '../../../common/ip-address.ts';
import type { KObject } from '../../../lab/apiserver/object-model.ts';
import {
  allocationsOf,
  prepareService,
  ServiceAllocationIndex,
} from '../../../lab/apiserver/service-defaults.ts';

const none = { clusterIPs: new Set<string>(), nodePorts: new Set<number>() };
const service = (spec: Record<string, unknown>, name = 'svc'): KObject => ({
  metadata: { name, namespace: 'default' },
  spec: structuredClone(spec),
});
// biome-ignore lint/suspicious/noExplicitAny: specs are inspected loosely in assertions
const specOf = (s: KObject) => s.spec as Record<string, any>;

test('ClusterIP defaults', () => {
  const svc = service({ ports: [{ port: 80 }] });
  assert.deepEqual(prepareService(svc, undefined, none), []);
  assert.deepEqual(specOf(svc), {
    type: 'ClusterIP',
    sessionAffinity: 'None',
    internalTrafficPolicy: 'Cluster',
    ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }],
    ipFamilyPolicy: 'SingleStack',
    ipFamilies: ['IPv4'],
    clusterIPs: ['10.96.0.1'],
    clusterIP: '10.96.0.1',
  });
});

const invalid: { name: string; spec: Record<string, unknown>; field: string }[] = [
  { name: 'port 0', spec: { ports: [{ port: 0 }] }, field: 'spec.ports[0].port' },
  { name: 'port too large', spec: { ports: [{ port: 65536 }] }, field: 'spec.ports[0].port' },
  {
    name: 'bad protocol',
    spec: { ports: [{ port: 80, protocol: 'ICMP' }] },
    field: 'spec.ports[0].protocol',
  },
  { name: 'no ports', spec: {}, field: 'spec.ports' },
  {
    name: 'unnamed second port',
    spec: { ports: [{ port: 80, name: 'a' }, { port: 81 }] },
    field: 'spec.ports[1].name',
  },
  {
    name: 'duplicate port names',
    spec: {
      ports: [
        { port: 80, name: 'a' },
        { port: 81, name: 'a' },
      ],
    },
    field: 'spec.ports[1].name',
  },
  {
    name: 'nodePort on ClusterIP',
    spec: { ports: [{ port: 80, nodePort: 30001 }] },
    field: 'spec.ports[0].nodePort',
  },
  {
    name: 'nodePort out of range',
    spec: { type: 'NodePort', ports: [{ port: 80, nodePort: 80 }] },
    field: 'spec.ports[0].nodePort',
  },
  { name: 'bad type', spec: { type: 'Magic', ports: [{ port: 80 }] }, field: 'spec.type' },
  {
    name: 'bad cluster IP',
    spec: { clusterIP: '10.96.0.300', ports: [{ port: 80 }] },
    field: 'spec.clusterIPs[0]',
  },
  {
    name: 'cluster IP out of range',
    spec: { clusterIP: '192.0.2.1', ports: [{ port: 80 }] },
    field: 'spec.clusterIPs[0]',
  },
  { name: 'bad family', spec: { ipFamilies: ['IPv5'], ports: [{ port: 80 }] }, field: 'spec.ipFamilies[0]' },
  {
    name: 'two families single stack',
    spec: { ipFamilies: ['IPv4', 'IPv6'], ipFamilyPolicy: 'SingleStack', ports: [{ port: 80 }] },
    field: 'spec.ipFamilies',
  },
  {
    name: 'bad loadBalancerIP',
    spec: { type: 'LoadBalancer', loadBalancerIP: 'nope', ports: [{ port: 80 }] },
    field: 'spec.loadBalancerIP',
  },
  {
    name: 'externalTrafficPolicy on ClusterIP',
    spec: { externalTrafficPolicy: 'Local', ports: [{ port: 80 }] },
    field: 'spec.externalTrafficPolicy',
  },
];

for (const c of invalid) {
  test(`invalid: ${c.name} names ${c.field}`, () => {
    const causes = prepareService(service(c.spec), undefined, none);
    assert.ok(
      causes.some((x) => x.field === c.field),
      JSON.stringify(causes),
    );
  });
}

test('LoadBalancer gets node ports and keeps them on update by port name', () => {
  const created = service({
    type: 'LoadBalancer',
    ports: [
      { port: 80, name: 'http' },
      { port: 443, name: 'https' },
    ],
  });
  assert.deepEqual(
    prepareService(created, undefined, { clusterIPs: new Set(), nodePorts: new Set([30000]) }),
    [],
  );
  assert.deepEqual(
    specOf(created).ports.map((p: { nodePort: number }) => p.nodePort),
    [30001, 30002],
  );
  assert.equal(specOf(created).allocateLoadBalancerNodePorts, true);
  assert.equal(specOf(created).externalTrafficPolicy, 'Cluster');
  const update = service({
    type: 'LoadBalancer',
    ports: [
      { port: 8443, name: 'https' },
      { port: 80, name: 'http' },
    ],
  });
  assert.deepEqual(prepareService(update, created, none), []);
  assert.deepEqual(
    specOf(update).ports.map((p: { nodePort: number }) => p.nodePort),
    [30002, 30001],
  );
  assert.equal(specOf(update).clusterIP, specOf(created).clusterIP);
});

test('changing the cluster IP is refused as immutable', () => {
  const created = service({ ports: [{ port: 80 }] });
  prepareService(created, undefined, none);
  const causes = prepareService(service({ clusterIP: '10.96.0.99', ports: [{ port: 80 }] }), created, none);
  assert.match(causes[0]?.message ?? '', /immutable/);
});

test('switching to ClusterIP drops the node ports the server allocated', () => {
  const lb = service({ type: 'LoadBalancer', ports: [{ port: 80 }] });
  prepareService(lb, undefined, none);
  const back = service({ ...specOf(lb), type: 'ClusterIP' });
  assert.deepEqual(prepareService(back, lb, none), []);
  assert.equal(specOf(back).ports[0].nodePort, undefined);
  assert.equal(specOf(back).externalTrafficPolicy, undefined);
});

test('Local traffic policy on a LoadBalancer gets a health check node port', () => {
  const lb = service({ type: 'LoadBalancer', externalTrafficPolicy: 'Local', ports: [{ port: 80 }] });
  assert.deepEqual(prepareService(lb, undefined, none), []);
  assert.ok(specOf(lb).healthCheckNodePort >= 30000);
  assert.notEqual(specOf(lb).healthCheckNodePort, specOf(lb).ports[0].nodePort);
});

test('headless and ExternalName services get no cluster IP', () => {
  const headless = service({ clusterIP: 'None', selector: { app: 'x' } });
  assert.deepEqual(prepareService(headless, undefined, none), []);
  assert.deepEqual(specOf(headless).clusterIPs, ['None']);
  const external = service({ type: 'ExternalName', externalName: 'example.com' });
  assert.deepEqual(prepareService(external, undefined, none), []);
  assert.equal(specOf(external).clusterIP, undefined);
});

test('property: allocations never collide and stay in the service ranges', () => {
  fc.assert(
    fc.property(
      fc.array(fc.constantFrom('SingleStack', 'PreferDualStack', 'RequireDualStack'), { maxLength: 30 }),
      (policies) => {
        const stored: KObject[] = [];
        for (const [i, policy] of policies.entries()) {
          const svc = service({ type: 'NodePort', ipFamilyPolicy: policy, ports: [{ port: 80 }] }, `s${i}`);
          assert.deepEqual(prepareService(svc, undefined, allocationsOf(stored)), []);
          stored.push(svc);
        }
        const ips = stored.flatMap((s) => specOf(s).clusterIPs as string[]);
        const ports = stored.map((s) => specOf(s).ports[0].nodePort as number);
        assert.equal(new Set(ips).size, ips.length);
        assert.equal(new Set(ports).size, ports.length);
        for (const ip of ips) {
          const parsed = parseIP(ip)!;
          assert.ok(parsed.family === 4 ? ip.startsWith('10.96.') : ip.startsWith('fd00:10:96::'), ip);
        }
      },
    ),
    { numRuns: 50 },
  );
});

test('the allocation index reuses a deleted cluster IP, and an update gives nothing away', () => {
  const index = new ServiceAllocationIndex();
  const create = (name: string) => {
    const svc = service({ ports: [{ port: 80 }] }, name);
    assert.deepEqual(prepareService(svc, undefined, index.heldByOthers(`default/${name}`)), []);
    index.add(svc);
    return svc;
  };
  const a = create('a');
  const b = create('b');
  assert.deepEqual([specOf(a).clusterIP, specOf(b).clusterIP], ['10.96.0.1', '10.96.0.2']);
  // An update is a remove and an add of the same object: its IP stays taken.
  index.remove(b);
  index.add(b);
  assert.equal(specOf(create('c')).clusterIP, '10.96.0.3');
  index.remove(a);
  assert.equal(specOf(create('d')).clusterIP, '10.96.0.1');
  assert.equal(specOf(create('e')).clusterIP, '10.96.0.4');
});

// Server-side Tables for kubectl get: column definitions, cells per kind, ages, and the row object
// includeObject asks for.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildTable } from '../../../../lab/apiserver/tables/build-table.ts';
import { humanDuration } from '../../../../lab/apiserver/tables/human-duration.ts';

const now = new Date('2026-01-10T12:00:00Z');
const created = (secondsAgo: number): string =>
  new Date(now.getTime() - secondsAgo * 1000).toISOString().replace(/\.\d+Z$/, 'Z');

interface Table {
  kind: string;
  apiVersion: string;
  metadata: { resourceVersion: string };
  columnDefinitions: { name: string; type: string; format: string; description: string; priority: number }[];
  rows: { cells: unknown[]; object?: unknown }[];
}

function table(
  kind: string,
  objects: unknown[],
  extra: Partial<Parameters<typeof buildTable>[0]> = {},
): Table {
  return buildTable({
    kind,
    objects,
    includeObject: 'Metadata',
    resourceVersion: '42',
    now,
    ...extra,
  }) as Table;
}

/** Columns kubectl shows without -o wide, upper-cased as it prints them, paired with the cells. */
function shown(t: Table, row = 0): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  t.columnDefinitions.forEach((c, i) => {
    if (c.priority === 0) result[c.name.toUpperCase()] = t.rows[row]?.cells[i];
  });
  return result;
}

describe('humanDuration (apimachinery duration.HumanDuration)', () => {
  const table: [number, string][] = [
    [-5, '<invalid>'],
    [-1, '0s'],
    [0, '0s'],
    [5, '5s'],
    [119, '119s'],
    [120, '2m'],
    [192, '3m12s'],
    [599, '9m59s'],
    [600, '10m'],
    [179 * 60 + 59, '179m'],
    [3 * 3600, '3h'],
    [5 * 3600 + 4 * 60, '5h4m'],
    [8 * 3600, '8h'],
    [47 * 3600, '47h'],
    [48 * 3600, '2d'],
    [51 * 3600, '2d3h'],
    [8 * 86400, '8d'],
    [729 * 86400, '729d'],
    [730 * 86400, '2y'],
    [(3 * 365 + 2) * 86400, '3y2d'],
    [9 * 365 * 86400, '9y'],
  ];
  for (const [seconds, expected] of table) {
    test(`${seconds}s → ${expected}`, () => assert.equal(humanDuration(seconds * 1000), expected));
  }
});

describe('buildTable', () => {
  const service = (spec: unknown, status: unknown = {}) => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'web', namespace: 'default', uid: 'u1', creationTimestamp: created(192) },
    spec,
    status,
  });
  const lbSpec = {
    type: 'LoadBalancer',
    clusterIP: '10.96.0.10',
    clusterIPs: ['10.96.0.10'],
    selector: { tier: 'front', app: 'web' },
    ports: [
      { port: 80, protocol: 'TCP', nodePort: 31234 },
      { port: 443, protocol: 'TCP', nodePort: 31235 },
    ],
  };

  test('a Table envelope with the resourceVersion and PartialObjectMetadata rows', () => {
    const t = table('Service', [service(lbSpec)]);
    assert.equal(t.kind, 'Table');
    assert.equal(t.apiVersion, 'meta.k8s.io/v1');
    assert.equal(t.metadata.resourceVersion, '42');
    assert.deepEqual(t.rows[0]?.object, {
      kind: 'PartialObjectMetadata',
      apiVersion: 'meta.k8s.io/v1',
      metadata: service(lbSpec).metadata,
    });
    for (const row of t.rows) assert.equal(row.cells.length, t.columnDefinitions.length);
  });

  test('includeObject Object carries the object, None nothing', () => {
    assert.deepEqual(
      table('Service', [service(lbSpec)], { includeObject: 'Object' }).rows[0]?.object,
      service(lbSpec),
    );
    assert.equal(
      'object' in (table('Service', [service(lbSpec)], { includeObject: 'None' }).rows[0] ?? {}),
      false,
    );
  });

  test('Service columns as kubectl shows them, SELECTOR at priority 1', () => {
    const t = table('Service', [service(lbSpec)]);
    assert.deepEqual(
      t.columnDefinitions.map((c) => [c.name, c.priority]),
      [
        ['Name', 0],
        ['Type', 0],
        ['Cluster-IP', 0],
        ['External-IP', 0],
        ['Port(s)', 0],
        ['Age', 0],
        ['Selector', 1],
      ],
    );
    assert.equal(t.columnDefinitions[0]?.format, 'name');
    assert.deepEqual(t.rows[0]?.cells, [
      'web',
      'LoadBalancer',
      '10.96.0.10',
      '<pending>',
      '80:31234/TCP,443:31235/TCP',
      '3m12s',
      'app=web,tier=front',
    ]);
  });

  const externalIPs: [string, unknown, unknown, string][] = [
    [
      'LoadBalancer with an ingress IP',
      lbSpec,
      { loadBalancer: { ingress: [{ ip: '192.0.2.10' }] } },
      '192.0.2.10',
    ],
    [
      'LoadBalancer with two ingress points',
      lbSpec,
      { loadBalancer: { ingress: [{ ip: '192.0.2.1' }, { hostname: 'a.io' }] } },
      '192.0.2.1,a.io',
    ],
    [
      'LoadBalancer with a long ingress list (truncated)',
      lbSpec,
      { loadBalancer: { ingress: [{ ip: '192.0.2.100' }, { ip: '2001:db8::100' }] } },
      '192.0.2.100,2...',
    ],
    [
      'LoadBalancer plus spec.externalIPs',
      { ...lbSpec, externalIPs: ['203.0.113.5'] },
      { loadBalancer: { ingress: [{ ip: '192.0.2.10' }] } },
      '192.0.2.10,203.0.113.5',
    ],
    [
      'ClusterIP',
      { type: 'ClusterIP', clusterIP: '10.96.0.1', ports: [{ port: 80, protocol: 'UDP' }] },
      {},
      '<none>',
    ],
    ['NodePort with externalIPs', { type: 'NodePort', externalIPs: ['203.0.113.5'] }, {}, '203.0.113.5'],
    ['ExternalName', { type: 'ExternalName', externalName: 'example.org' }, {}, 'example.org'],
  ];
  for (const [name, spec, status, expected] of externalIPs) {
    test(`EXTERNAL-IP of ${name}: ${expected}`, () =>
      assert.equal(shown(table('Service', [service(spec, status)]))['EXTERNAL-IP'], expected));
  }

  test('PORT(S) without nodePort and CLUSTER-IP/SELECTOR when absent', () => {
    const t = table('Service', [
      service({ type: 'ClusterIP', ports: [{ port: 53, protocol: 'UDP' }, { port: 80 }] }),
    ]);
    assert.deepEqual(t.rows[0]?.cells.slice(2), ['<none>', '<none>', '53/UDP,80/TCP', '3m12s', '<none>']);
  });

  const kinds: [string, unknown, Record<string, unknown>][] = [
    [
      'Event (core/v1)',
      {
        metadata: { name: 'web.1', creationTimestamp: created(60) },
        type: 'Normal',
        reason: 'IPAllocated',
        message: 'Assigned IP 192.0.2.10 ',
        involvedObject: { kind: 'Service', name: 'web', namespace: 'default', uid: 'u1' },
        firstTimestamp: created(60),
        lastTimestamp: created(5),
        count: 2,
      },
      {
        'LAST SEEN': '5s',
        TYPE: 'Normal',
        REASON: 'IPAllocated',
        OBJECT: 'service/web',
        MESSAGE: 'Assigned IP 192.0.2.10',
      },
    ],
    [
      'Event (events.k8s.io/v1 shape)',
      {
        apiVersion: 'events.k8s.io/v1',
        metadata: { name: 'web.2', creationTimestamp: created(60) },
        type: 'Warning',
        reason: 'AllocationFailed',
        note: 'no available IPs',
        regarding: { kind: 'Service', name: 'web' },
        eventTime: '2026-01-10T11:58:00.000000Z',
      },
      {
        'LAST SEEN': '2m',
        TYPE: 'Warning',
        REASON: 'AllocationFailed',
        OBJECT: 'service/web',
        MESSAGE: 'no available IPs',
      },
    ],
    [
      'Pod',
      {
        metadata: { name: 'p', creationTimestamp: created(30) },
        spec: { containers: [{ name: 'a' }, { name: 'b' }] },
        status: {
          phase: 'Running',
          containerStatuses: [
            { ready: true, restartCount: 1 },
            { ready: false, restartCount: 2 },
          ],
        },
      },
      { NAME: 'p', READY: '1/2', STATUS: 'Running', RESTARTS: 3, AGE: '30s' },
    ],
    [
      'Node',
      {
        metadata: {
          name: 'n1',
          creationTimestamp: created(3 * 86400),
          labels: { 'node-role.kubernetes.io/control-plane': '' },
        },
        spec: { unschedulable: true },
        status: { conditions: [{ type: 'Ready', status: 'True' }], nodeInfo: { kubeletVersion: 'v1.32.0' } },
      },
      {
        NAME: 'n1',
        STATUS: 'Ready,SchedulingDisabled',
        ROLES: 'control-plane',
        AGE: '3d',
        VERSION: 'v1.32.0',
      },
    ],
    [
      'Namespace',
      { metadata: { name: 'default', creationTimestamp: created(10) }, status: { phase: 'Active' } },
      { NAME: 'default', STATUS: 'Active', AGE: '10s' },
    ],
    [
      'ConfigMap',
      {
        metadata: { name: 'config', creationTimestamp: created(10) },
        data: { a: '1', b: '2' },
        binaryData: { c: 'AA==' },
      },
      { NAME: 'config', DATA: 3, AGE: '10s' },
    ],
    [
      'Secret',
      {
        metadata: { name: 'memberlist', creationTimestamp: created(10) },
        type: 'Opaque',
        data: { secretkey: 'eA==' },
      },
      { NAME: 'memberlist', TYPE: 'Opaque', DATA: 1, AGE: '10s' },
    ],
    [
      'Deployment',
      {
        metadata: { name: 'controller', creationTimestamp: created(10) },
        spec: { replicas: 2 },
        status: { readyReplicas: 1, updatedReplicas: 2, availableReplicas: 1 },
      },
      { NAME: 'controller', READY: '1/2', 'UP-TO-DATE': 2, AVAILABLE: 1, AGE: '10s' },
    ],
    [
      'DaemonSet',
      {
        metadata: { name: 'speaker', creationTimestamp: created(10) },
        spec: { template: { spec: { nodeSelector: { 'kubernetes.io/os': 'linux' } } } },
        status: {
          desiredNumberScheduled: 3,
          currentNumberScheduled: 3,
          numberReady: 2,
          updatedNumberScheduled: 3,
          numberAvailable: 2,
        },
      },
      {
        NAME: 'speaker',
        DESIRED: 3,
        CURRENT: 3,
        READY: 2,
        'UP-TO-DATE': 3,
        AVAILABLE: 2,
        'NODE SELECTOR': 'kubernetes.io/os=linux',
        AGE: '10s',
      },
    ],
    [
      'EndpointSlice',
      {
        metadata: { name: 'web-abc', creationTimestamp: created(10) },
        addressType: 'IPv4',
        ports: [{ port: 8080 }, { name: 'metrics' }],
        endpoints: [
          { addresses: ['192.0.2.1'] },
          { addresses: ['192.0.2.2', '192.0.2.3'] },
          { addresses: ['192.0.2.4'] },
        ],
      },
      {
        NAME: 'web-abc',
        ADDRESSTYPE: 'IPv4',
        PORTS: '8080,metrics',
        ENDPOINTS: '192.0.2.1,192.0.2.2,192.0.2.3 + 1 more...',
        AGE: '10s',
      },
    ],
    [
      'Endpoints',
      {
        metadata: { name: 'web', creationTimestamp: created(10) },
        subsets: [{ addresses: [{ ip: '192.0.2.1' }, { ip: '192.0.2.2' }], ports: [{ port: 8080 }] }],
      },
      { NAME: 'web', ENDPOINTS: '192.0.2.1:8080,192.0.2.2:8080', AGE: '10s' },
    ],
    [
      'Endpoints without subsets',
      { metadata: { name: 'web', creationTimestamp: created(10) } },
      { NAME: 'web', ENDPOINTS: '<none>', AGE: '10s' },
    ],
    [
      'Lease',
      { metadata: { name: 'metallb', creationTimestamp: created(10) }, spec: { holderIdentity: 'node-1' } },
      { NAME: 'metallb', HOLDER: 'node-1', AGE: '10s' },
    ],
    [
      'CustomResourceDefinition',
      { metadata: { name: 'ipaddresspools.metallb.io', creationTimestamp: '2026-01-10T11:00:00Z' } },
      { NAME: 'ipaddresspools.metallb.io', 'CREATED AT': '2026-01-10T11:00:00Z' },
    ],
    ['Role (any other kind)', { metadata: { name: 'r' } }, { NAME: 'r', AGE: '<unknown>' }],
  ];
  for (const [name, object, expected] of kinds) {
    test(`${name} columns and cells`, () => {
      const kind = name.split(' ')[0] as string;
      const t = table(kind, [object]);
      assert.deepEqual(shown(t), expected);
      assert.equal(t.rows[0]?.cells.length, t.columnDefinitions.length);
    });
  }

  test('custom resources: NAME plus printer columns, arrays as JSON, dates as ages, typed cells', () => {
    const pool = {
      metadata: { name: 'pool-a', creationTimestamp: created(70) },
      spec: { addresses: ['192.0.2.0/28', '2001:db8::/124'], autoAssign: true, priority: 3 },
      status: { assignedIPv4: 2 },
    };
    const t = table('IPAddressPool', [pool], {
      printerColumns: [
        { name: 'Auto Assign', type: 'boolean', jsonPath: '.spec.autoAssign' },
        { name: 'Addresses', type: 'string', jsonPath: '.spec.addresses' },
        { name: 'Assigned IPv4', type: 'integer', jsonPath: '.status.assignedIPv4' },
        { name: 'Missing', type: 'string', jsonPath: '.status.nothing' },
        { name: 'Created', type: 'date', jsonPath: '.metadata.creationTimestamp', priority: 1 },
        { name: 'First', type: 'string', jsonPath: '.spec.addresses[0]' },
      ],
    });
    assert.deepEqual(
      t.columnDefinitions.map((c) => c.name),
      ['Name', 'Auto Assign', 'Addresses', 'Assigned IPv4', 'Missing', 'Created', 'First'],
    );
    assert.deepEqual(t.rows[0]?.cells, [
      'pool-a',
      true,
      '["192.0.2.0/28","2001:db8::/124"]',
      2,
      null,
      '70s',
      '192.0.2.0/28',
    ]);
    assert.equal(t.columnDefinitions[5]?.priority, 1);
  });

  test('custom resources of a CRD without printer columns get NAME and AGE', () => {
    const t = table('Widget', [{ metadata: { name: 'w', creationTimestamp: created(3) } }], {
      printerColumns: [],
    });
    assert.deepEqual(shown(t), { NAME: 'w', AGE: '3s' });
  });
});

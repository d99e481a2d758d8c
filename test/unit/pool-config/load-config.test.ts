import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { formatIP } from '../../../common/ip-address.ts';
import { rangeSize } from '../../../common/pool-config/address-range.ts';
import { type ConfigInputs, loadPoolConfig } from '../../../common/pool-config/load-config.ts';
import { legacyAdvertisementName } from '../../../common/pool-config/model.ts';
import { type ConfigProblem, formatProblem } from '../../../common/pool-config/problems.ts';

const ns = 'baremetal-lb-system';

function pool(name: string, spec: Record<string, unknown>, labels?: Record<string, string>) {
  return {
    object: {
      apiVersion: 'metallb.io/v1beta1',
      kind: 'IPAddressPool',
      metadata: { name, namespace: ns, ...(labels ? { labels } : {}) },
      spec,
    },
  };
}

function advertisement(name: string, spec: Record<string, unknown>) {
  return {
    object: {
      apiVersion: 'metallb.io/v1beta1',
      kind: 'L2Advertisement',
      metadata: { name, namespace: ns },
      spec,
    },
  };
}

function configMap(config: string): ConfigInputs['configMap'] {
  return { namespace: ns, name: 'config', config };
}

function problemsOf(inputs: ConfigInputs): readonly ConfigProblem[] {
  const result = loadPoolConfig(inputs);
  return result.ok ? result.warnings : result.problems;
}

interface Expected {
  severity: 'error' | 'warning';
  source: string;
  pool?: string;
  field: string;
  message: RegExp;
}

const legacySource = `ConfigMap ${ns}/config`;
const cases: [string, ConfigInputs, Expected[]][] = [
  [
    'bad CIDR in the ConfigMap',
    { configMap: configMap('address-pools:\n- {name: a, protocol: layer2, addresses: [192.0.2.0/40]}') },
    [
      {
        severity: 'error',
        source: legacySource,
        pool: 'a',
        field: 'address-pools[0].addresses[0]',
        message: /prefix length "40"/,
      },
    ],
  ],
  [
    'bad CIDR in a resource',
    { objects: [pool('prod', { addresses: ['192.0.2.0/24', '300.0.0.0/8'] })] },
    [
      {
        severity: 'error',
        source: `IPAddressPool ${ns}/prod`,
        pool: 'prod',
        field: 'spec.addresses[1]',
        message: /"300.0.0.0" is not an IP address/,
      },
    ],
  ],
  [
    'host bits set: accepted as the network, warned',
    { objects: [pool('prod', { addresses: ['192.0.2.9/24'] })] },
    [
      {
        severity: 'warning',
        source: `IPAddressPool ${ns}/prod`,
        pool: 'prod',
        field: 'spec.addresses[0]',
        message: /192\.0\.2\.0\/24/,
      },
    ],
  ],
  [
    'reversed range',
    { objects: [pool('prod', { addresses: ['192.0.2.9-192.0.2.1'] })] },
    [
      {
        severity: 'error',
        source: `IPAddressPool ${ns}/prod`,
        pool: 'prod',
        field: 'spec.addresses[0]',
        message: /after its end/,
      },
    ],
  ],
  [
    'range mixing families',
    { objects: [pool('prod', { addresses: ['192.0.2.1-2001:db8::1'] })] },
    [
      {
        severity: 'error',
        source: `IPAddressPool ${ns}/prod`,
        pool: 'prod',
        field: 'spec.addresses[0]',
        message: /mixes IPv4 and IPv6/,
      },
    ],
  ],
  [
    'malformed range',
    { objects: [pool('prod', { addresses: ['192.0.2.1-x'] })] },
    [
      {
        severity: 'error',
        source: `IPAddressPool ${ns}/prod`,
        pool: 'prod',
        field: 'spec.addresses[0]',
        message: /range end "x"/,
      },
    ],
  ],
  [
    'overlap within one pool',
    { objects: [pool('prod', { addresses: ['192.0.2.0/28', '192.0.2.8-192.0.2.20'] })] },
    [
      {
        severity: 'error',
        source: `IPAddressPool ${ns}/prod`,
        pool: 'prod',
        field: 'spec.addresses[1]',
        message: /overlaps 192\.0\.2\.0\/28 at spec\.addresses\[0\] in the same pool/,
      },
    ],
  ],
  [
    'overlap across pools',
    { objects: [pool('a', { addresses: ['192.0.2.0/24'] }), pool('b', { addresses: ['192.0.2.128/25'] })] },
    [
      {
        severity: 'error',
        source: `IPAddressPool ${ns}/b`,
        pool: 'b',
        field: 'spec.addresses[0]',
        message: /pool "a"/,
      },
    ],
  ],
  [
    'overlap across ConfigMap and resources',
    {
      configMap: configMap('address-pools:\n- {name: old, protocol: layer2, addresses: ["2001:db8::/120"]}'),
      objects: [pool('new', { addresses: ['2001:db8::80-2001:db8::1ff'] })],
    },
    [
      {
        severity: 'error',
        source: `IPAddressPool ${ns}/new`,
        pool: 'new',
        field: 'spec.addresses[0]',
        message: /ConfigMap/,
      },
    ],
  ],
  [
    'duplicate names across ConfigMap and resources',
    {
      configMap: configMap('address-pools:\n- {name: prod, protocol: layer2, addresses: [192.0.2.0/28]}'),
      objects: [pool('prod', { addresses: ['198.51.100.0/28'] })],
    },
    [
      {
        severity: 'error',
        source: `IPAddressPool ${ns}/prod`,
        pool: 'prod',
        field: 'metadata.name',
        message: /already used by ConfigMap/,
      },
    ],
  ],
  [
    'duplicate names within the ConfigMap',
    {
      configMap: configMap(
        'address-pools:\n- {name: a, protocol: layer2, addresses: [192.0.2.0/28]}\n- {name: a, protocol: layer2, addresses: [192.0.2.16/28]}',
      ),
    },
    [{ severity: 'error', source: legacySource, pool: 'a', field: 'name', message: /already used/ }],
  ],
  [
    'unknown ConfigMap field with a suggestion',
    {
      configMap: configMap(
        'address-pools:\n- {name: a, protocol: layer2, autoassign: false, addresses: [192.0.2.0/28]}',
      ),
    },
    [
      {
        severity: 'error',
        source: legacySource,
        pool: 'a',
        field: 'address-pools[0].autoassign',
        message: /did you mean "auto-assign"/,
      },
    ],
  ],
  [
    'unknown top-level ConfigMap field',
    { configMap: configMap('adress-pools: []') },
    [
      {
        severity: 'error',
        source: legacySource,
        field: 'adress-pools',
        message: /did you mean "address-pools"/,
      },
    ],
  ],
  [
    'unknown resource spec field with a suggestion',
    { objects: [pool('a', { addresses: ['192.0.2.0/28'], autoassign: false })] },
    [
      {
        severity: 'error',
        source: `IPAddressPool ${ns}/a`,
        pool: 'a',
        field: 'spec.autoassign',
        message: /did you mean "autoAssign"/,
      },
    ],
  ],
  [
    'unknown serviceAllocation field',
    { objects: [pool('a', { addresses: ['192.0.2.0/28'], serviceAllocation: { namespace: ['x'] } })] },
    [
      {
        severity: 'error',
        source: `IPAddressPool ${ns}/a`,
        pool: 'a',
        field: 'spec.serviceAllocation.namespace',
        message: /did you mean "namespaces"/,
      },
    ],
  ],
  [
    'empty pool',
    { objects: [pool('a', { addresses: [] })] },
    [
      {
        severity: 'error',
        source: `IPAddressPool ${ns}/a`,
        pool: 'a',
        field: 'spec.addresses',
        message: /no addresses/,
      },
    ],
  ],
  [
    'pool without addresses in the ConfigMap',
    { configMap: configMap('address-pools:\n- {name: a, protocol: layer2}') },
    [
      {
        severity: 'error',
        source: legacySource,
        pool: 'a',
        field: 'address-pools[0].addresses',
        message: /no addresses/,
      },
    ],
  ],
  [
    'wrong types',
    { objects: [pool('a', { addresses: '192.0.2.0/28', autoAssign: 'yes', avoidBuggyIPs: 1 })] },
    [
      {
        severity: 'error',
        source: `IPAddressPool ${ns}/a`,
        pool: 'a',
        field: 'spec.addresses',
        message: /must be a list/,
      },
      {
        severity: 'error',
        source: `IPAddressPool ${ns}/a`,
        pool: 'a',
        field: 'spec.autoAssign',
        message: /true or false/,
      },
      {
        severity: 'error',
        source: `IPAddressPool ${ns}/a`,
        pool: 'a',
        field: 'spec.avoidBuggyIPs',
        message: /true or false/,
      },
    ],
  ],
  [
    'wrong types in the ConfigMap',
    {
      configMap: configMap(
        'address-pools:\n- {name: a, protocol: layer2, addresses: [42], auto-assign: "no"}',
      ),
    },
    [
      {
        severity: 'error',
        source: legacySource,
        pool: 'a',
        field: 'address-pools[0].addresses[0]',
        message: /must be a string/,
      },
      {
        severity: 'error',
        source: legacySource,
        pool: 'a',
        field: 'address-pools[0].auto-assign',
        message: /true or false/,
      },
    ],
  ],
  [
    'invalid priority',
    { objects: [pool('a', { addresses: ['192.0.2.0/28'], serviceAllocation: { priority: -1 } })] },
    [
      {
        severity: 'error',
        source: `IPAddressPool ${ns}/a`,
        pool: 'a',
        field: 'spec.serviceAllocation.priority',
        message: /whole number/,
      },
    ],
  ],
  [
    'invalid selector operator',
    {
      objects: [
        pool('a', {
          addresses: ['192.0.2.0/28'],
          serviceAllocation: {
            serviceSelectors: [{ matchExpressions: [{ key: 'k', operator: 'Gt', values: ['1'] }] }],
          },
        }),
      ],
    },
    [
      {
        severity: 'error',
        source: `IPAddressPool ${ns}/a`,
        pool: 'a',
        field: 'spec.serviceAllocation.serviceSelectors[0]',
        message: /operator "Gt"/,
      },
    ],
  ],
  [
    'selector with a misspelt field',
    { objects: [advertisement('l2', { nodeSelectors: [{ matchLabel: { a: 'b' } }] })] },
    [
      {
        severity: 'error',
        source: `L2Advertisement ${ns}/l2`,
        field: 'spec.nodeSelectors[0].matchLabel',
        message: /did you mean "matchLabels"/,
      },
    ],
  ],
  [
    'L2Advertisement naming an unknown pool',
    {
      objects: [
        pool('a', { addresses: ['192.0.2.0/28'] }),
        advertisement('l2', { ipAddressPools: ['a', 'b'] }),
      ],
    },
    [
      {
        severity: 'warning',
        source: `L2Advertisement ${ns}/l2`,
        field: 'spec.ipAddressPools[1]',
        message: /no pool has this name/,
      },
    ],
  ],
  [
    'bgp pool and peers: warnings, not errors',
    {
      configMap: configMap(
        'peers: [{peer-address: 192.0.2.1}]\naddress-pools:\n- {name: b, protocol: bgp, addresses: [203.0.113.0/24]}',
      ),
    },
    [
      { severity: 'warning', source: legacySource, field: 'peers', message: /BGP is not supported/ },
      {
        severity: 'warning',
        source: legacySource,
        pool: 'b',
        field: 'address-pools[0].protocol',
        message: /left unused/,
      },
    ],
  ],
  [
    'unknown protocol',
    { configMap: configMap('address-pools:\n- {name: a, protocol: layer3, addresses: [192.0.2.0/28]}') },
    [
      {
        severity: 'error',
        source: legacySource,
        pool: 'a',
        field: 'address-pools[0].protocol',
        message: /must be "layer2"/,
      },
    ],
  ],
  [
    'invalid YAML',
    { configMap: configMap('address-pools: [') },
    [{ severity: 'error', source: legacySource, field: 'data.config', message: /not valid YAML/ }],
  ],
  [
    'BGP resources are warned about',
    {
      objects: [
        {
          object: {
            apiVersion: 'metallb.io/v1beta2',
            kind: 'BGPPeer',
            metadata: { name: 'p', namespace: ns },
            spec: {},
          },
        },
      ],
    },
    [{ severity: 'warning', source: `BGPPeer ${ns}/p`, field: 'kind', message: /not supported/ }],
  ],
  [
    'wrong apiVersion',
    {
      objects: [
        {
          object: {
            apiVersion: 'metallb.io/v1alpha1',
            kind: 'IPAddressPool',
            metadata: { name: 'p' },
            spec: {},
          },
        },
      ],
    },
    [{ severity: 'error', source: 'IPAddressPool p', field: 'apiVersion', message: /metallb\.io\/v1beta1/ }],
  ],
  [
    'origin prefixes the source',
    { objects: [{ ...pool('a', { addresses: [] }), origin: 'pools.yaml#3' }] },
    [
      {
        severity: 'error',
        source: `pools.yaml#3 IPAddressPool ${ns}/a`,
        pool: 'a',
        field: 'spec.addresses',
        message: /no addresses/,
      },
    ],
  ],
];

for (const [name, inputs, expected] of cases) {
  test(`config check: ${name}`, () => {
    const problems = problemsOf(inputs);
    assert.deepEqual(
      problems.map((p) => ({ severity: p.severity, source: p.source, pool: p.pool, field: p.field })),
      expected.map((e) => ({ severity: e.severity, source: e.source, pool: e.pool, field: e.field })),
      problems.map(formatProblem).join('\n'),
    );
    problems.forEach((p, i) => {
      assert.match(p.message, expected[i]!.message);
    });
    const result = loadPoolConfig(inputs);
    assert.equal(
      result.ok,
      expected.every((e) => e.severity === 'warning'),
    );
  });
}

test('all problems are reported at once, each on one line naming source, pool, field and value', () => {
  const result = loadPoolConfig({
    configMap: configMap(
      'address-pools:\n- {name: a, protocol: layer2, addresses: [192.0.2.0/33, 192.0.2.5]}',
    ),
    objects: [pool('b', { addresses: ['x'] })],
  });
  assert.ok(!result.ok);
  const lines = result.problems.map(formatProblem);
  assert.equal(lines.length, 3);
  assert.equal(
    lines[0],
    `error: ConfigMap ${ns}/config pool "a": address-pools[0].addresses[0]="192.0.2.0/33": prefix length "33" is not a number from 0 to 32`,
  );
  assert.ok(lines.every((l) => !l.includes('\n')));
});

test('a valid config: defaults, sorting, labels, serviceAllocation and advertisements', () => {
  const result = loadPoolConfig({
    configMap: configMap(
      'address-pools:\n- name: legacy\n  protocol: layer2\n  addresses: [198.51.100.10-198.51.100.20, 192.0.2.240/28]\n  avoid-buggy-ips: true\n',
    ),
    objects: [
      pool('zeta', { addresses: ['2001:db8::/120'], autoAssign: false }, { tier: 'gold' }),
      pool('alpha', {
        addresses: ['203.0.113.0/24'],
        serviceAllocation: {
          priority: 5,
          namespaces: ['web'],
          namespaceSelectors: [{ matchLabels: { team: 'a' } }],
          serviceSelectors: [{ matchExpressions: [{ key: 'app', operator: 'In', values: ['x'] }] }],
        },
      }),
      advertisement('all', {}),
      advertisement('gold', {
        ipAddressPoolSelectors: [{ matchLabels: { tier: 'gold' } }],
        interfaces: ['eth1'],
      }),
      advertisement('named', {
        ipAddressPools: ['alpha'],
        nodeSelectors: [{ matchLabels: { role: 'edge' } }],
      }),
    ],
  });
  assert.ok(result.ok, result.ok ? '' : result.problems.map(formatProblem).join('\n'));
  const { config } = result;
  assert.deepEqual(
    config.pools.map((p) => [p.name, p.kind, p.autoAssign, p.avoidBuggyIPs]),
    [
      ['alpha', 'IPAddressPool', true, false],
      ['legacy', 'ConfigMap', true, true],
      ['zeta', 'IPAddressPool', false, false],
    ],
  );
  const legacy = config.pools[1]!;
  assert.deepEqual(
    legacy.ranges.map((r) => `${formatIP({ family: r.family, value: r.first })}/${rangeSize(r)}`),
    ['192.0.2.240/16', '198.51.100.10/11'],
  );
  const allocation = config.pools[0]!.serviceAllocation!;
  assert.equal(allocation.priority, 5);
  assert.deepEqual(allocation.namespaces, ['web']);
  assert.deepEqual(allocation.namespaceSelectors, [[{ key: 'team', operator: 'In', values: ['a'] }]]);
  assert.deepEqual(allocation.serviceSelectors, [[{ key: 'app', operator: 'In', values: ['x'] }]]);
  assert.deepEqual(config.pools[2]!.labels, { tier: 'gold' });
  assert.deepEqual(
    config.l2Advertisements.map((a) => [a.name, a.pools, a.interfaces, a.nodeSelectors.length]),
    [
      ['all', ['alpha', 'legacy', 'zeta'], [], 0],
      [legacyAdvertisementName, ['legacy'], [], 0],
      ['gold', ['zeta'], ['eth1'], 0],
      ['named', ['alpha'], [], 1],
    ],
  );
  assert.ok(Object.isFrozen(config) && Object.isFrozen(config.pools[0]!.ranges));
});

test('an absent or empty ConfigMap contributes nothing', () => {
  for (const config of [undefined, '', '# nothing\n']) {
    const result = loadPoolConfig({ configMap: { namespace: ns, name: 'config', config } });
    assert.ok(result.ok);
    assert.deepEqual(result.config.pools, []);
    assert.deepEqual(result.config.l2Advertisements, []);
  }
});

test('any list of disjoint ranges parses to ranges whose sizes add up', () => {
  // Disjoint IPv4 blocks: pick distinct /24s, write each as a CIDR or as a dash range inside it.
  const entry = fc.record({
    block: fc.integer({ min: 0, max: 255 }),
    start: fc.integer({ min: 0, max: 255 }),
    length: fc.integer({ min: 1, max: 256 }),
    cidr: fc.boolean(),
  });
  fc.assert(
    fc.property(
      fc.uniqueArray(entry, { selector: (e) => e.block, minLength: 1, maxLength: 12 }),
      (entries) => {
        let expected = 0n;
        const addresses = entries.map(({ block, start, length, cidr }) => {
          const prefix = `10.${block}.0`;
          if (cidr) {
            expected += 256n;
            return `${prefix}.0/24`;
          }
          const last = Math.min(255, start + length - 1);
          expected += BigInt(last - start + 1);
          return `${prefix}.${start}-${prefix}.${last}`;
        });
        const result = loadPoolConfig({ objects: [pool('p', { addresses })] });
        assert.ok(result.ok);
        const total = result.config.pools[0]!.ranges.reduce((sum, r) => sum + rangeSize(r), 0n);
        assert.equal(total, expected);
      },
    ),
  );
});

test('any two pools sharing an address are rejected as overlapping', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 1000 }),
      fc.integer({ min: 0, max: 1000 }),
      fc.integer({ min: 0, max: 1000 }),
      fc.integer({ min: 0, max: 1000 }),
      (a1, a2, b1, b2) => {
        const ip = (n: number) => formatIP({ family: 4, value: 0x0a000000n + BigInt(n) });
        const [aLo, aHi] = [Math.min(a1, a2), Math.max(a1, a2)];
        const [bLo, bHi] = [Math.min(b1, b2), Math.max(b1, b2)];
        const result = loadPoolConfig({
          objects: [
            pool('a', { addresses: [`${ip(aLo)}-${ip(aHi)}`] }),
            pool('b', { addresses: [`${ip(bLo)}-${ip(bHi)}`] }),
          ],
        });
        assert.equal(result.ok, aHi < bLo || bHi < aLo);
      },
    ),
  );
});

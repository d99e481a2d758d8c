// The repeats MetalLB refuses, refused here too with the field and value named: a namespace listed
// twice, a selector or an expression given twice (values in any order), a value repeated inside an
// expression, one pool named twice by an L2Advertisement, and bgp-advertisements on a layer2 pool.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type ConfigInputs, loadPoolConfig } from '../../../common/pool-config/load-config.ts';
import { formatProblem } from '../../../common/pool-config/problems.ts';

const ns = 'baremetal-lb-system';
const object = (kind: string, name: string, spec: unknown) => ({
  object: { apiVersion: 'metallb.io/v1beta1', kind, metadata: { name, namespace: ns }, spec },
});
const pool = (spec: Record<string, unknown> = {}) =>
  object('IPAddressPool', 'web', { addresses: ['192.0.2.0/28'], ...spec });
const advertisement = (spec: Record<string, unknown>) => object('L2Advertisement', 'web', spec);

const sel = (labels: Record<string, string>) => ({ matchLabels: labels });
const expr = (key: string, values: string[], operator = 'In') => ({
  matchExpressions: [{ key, operator, values }],
});

const cases: [string, ConfigInputs, RegExp | undefined][] = [
  [
    'a namespace listed twice',
    { objects: [pool({ serviceAllocation: { namespaces: ['a', 'b', 'a'] } })] },
    /spec\.serviceAllocation\.namespaces\[2\]="a": repeats spec\.serviceAllocation\.namespaces\[0\]/,
  ],
  [
    'two identical namespaceSelectors',
    {
      objects: [
        pool({ serviceAllocation: { namespaceSelectors: [sel({ team: 'x' }), sel({ team: 'x' })] } }),
      ],
    },
    /namespaceSelectors\[1\]=.*repeats .*namespaceSelectors\[0\]/,
  ],
  [
    'a repeated value inside an expression',
    { objects: [pool({ serviceAllocation: { serviceSelectors: [expr('tier', ['web', 'api', 'web'])] } })] },
    /matchExpressions\[0\]\.values\[2\]="web": repeats/,
  ],
  [
    'two expressions equal once their values are sorted',
    {
      objects: [
        pool({
          serviceAllocation: {
            serviceSelectors: [
              {
                matchExpressions: [
                  { key: 'tier', operator: 'In', values: ['a', 'b'] },
                  { key: 'tier', operator: 'In', values: ['b', 'a'] },
                ],
              },
            ],
          },
        }),
      ],
    },
    /serviceSelectors\[0\]\.matchExpressions\[1\]=.*repeats .*matchExpressions\[0\]/,
  ],
  [
    'two selectors equal once their values are sorted',
    {
      objects: [
        pool(),
        advertisement({
          ipAddressPools: ['web'],
          nodeSelectors: [expr('zone', ['a', 'b']), expr('zone', ['b', 'a'])],
        }),
      ],
    },
    /spec\.nodeSelectors\[1\]=.*repeats spec\.nodeSelectors\[0\]/,
  ],
  [
    'matchLabels and the same matchExpression are one selector',
    {
      objects: [
        pool(),
        advertisement({ ipAddressPoolSelectors: [sel({ env: 'prod' }), expr('env', ['prod'])] }),
      ],
    },
    /spec\.ipAddressPoolSelectors\[1\]=.*repeats/,
  ],
  [
    'an L2Advertisement naming one pool twice',
    { objects: [pool(), advertisement({ ipAddressPools: ['web', 'web'] })] },
    /spec\.ipAddressPools\[1\]="web": repeats spec\.ipAddressPools\[0\]/,
  ],
  [
    'a layer2 pool with bgp-advertisements',
    {
      configMap: {
        namespace: ns,
        name: 'config',
        config:
          'address-pools:\n- name: l2\n  protocol: layer2\n  addresses: [192.0.2.0/28]\n  bgp-advertisements: [{aggregation-length: 32}]\n',
      },
    },
    /error: .*address-pools\[0\]\.bgp-advertisements=.*only a bgp pool may have bgp-advertisements/,
  ],
  [
    'different selectors and distinct values are fine',
    {
      objects: [
        pool({
          serviceAllocation: {
            namespaces: ['a', 'b'],
            namespaceSelectors: [sel({ team: 'x' }), sel({ team: 'y' })],
          },
        }),
        advertisement({
          ipAddressPools: ['web'],
          nodeSelectors: [expr('zone', ['a', 'b']), expr('zone', ['a'])],
        }),
      ],
    },
    undefined,
  ],
];

for (const [name, inputs, expected] of cases) {
  test(name, () => {
    const result = loadPoolConfig(inputs);
    if (expected === undefined) {
      assert.ok(result.ok, result.ok ? '' : result.problems.map(formatProblem).join('\n'));
      return;
    }
    assert.ok(!result.ok, 'refused');
    const errors = result.problems.filter((p) => p.severity === 'error').map(formatProblem);
    assert.ok(
      errors.some((e) => expected.test(e)),
      `an error matching ${expected}, got:\n${errors.join('\n')}`,
    );
  });
}

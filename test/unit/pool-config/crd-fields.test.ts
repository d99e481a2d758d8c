// The shipped CRDs decide which fields exist: the config reader must know exactly the fields their
// schemas accept, or an object the API server took (an L2Advertisement with serviceSelectors, say)
// is refused as unknown and freezes every later config change. This fails when the two drift.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { parse as parseYaml } from 'yaml';
import {
  advertisementSpecFields,
  allocationFields,
  poolSpecFields,
  preferenceFields,
} from '../../../common/pool-config/crd-source.ts';
import { loadPoolConfig } from '../../../common/pool-config/load-config.ts';
import { formatProblem } from '../../../common/pool-config/problems.ts';
import { expressionFields, selectorFields } from '../../../common/pool-config/selectors.ts';
import { manifestsDir } from '../manifests/manifest-files.ts';

// biome-ignore lint/suspicious/noExplicitAny: a JSON schema walked by path
type Schema = Record<string, any>;

function specSchema(file: string): Schema {
  const crd = parseYaml(readFileSync(path.join(manifestsDir, 'crds', file), 'utf8'));
  return crd.spec.versions.find((v: Schema) => v.name === 'v1beta1').schema.openAPIV3Schema.properties.spec;
}

const fields = (schema: Schema) => Object.keys(schema.properties ?? {}).sort();
const sorted = (list: readonly string[]) => [...list].sort();

const pool = specSchema('metallb.io_ipaddresspools.yaml');
const advertisement = specSchema('metallb.io_l2advertisements.yaml');

const cases: [string, Schema, readonly string[]][] = [
  ['IPAddressPool spec', pool, poolSpecFields],
  ['IPAddressPool spec.serviceAllocation', pool.properties.serviceAllocation, allocationFields],
  ['L2Advertisement spec', advertisement, advertisementSpecFields],
  [
    'L2Advertisement spec.preferredNodeSelectors[]',
    advertisement.properties.preferredNodeSelectors.items,
    preferenceFields,
  ],
];
const selectorSchemas: [string, Schema][] = [
  [
    'serviceAllocation.namespaceSelectors[]',
    pool.properties.serviceAllocation.properties.namespaceSelectors.items,
  ],
  [
    'serviceAllocation.serviceSelectors[]',
    pool.properties.serviceAllocation.properties.serviceSelectors.items,
  ],
  ['ipAddressPoolSelectors[]', advertisement.properties.ipAddressPoolSelectors.items],
  ['nodeSelectors[]', advertisement.properties.nodeSelectors.items],
  ['serviceSelectors[]', advertisement.properties.serviceSelectors.items],
  [
    'preferredNodeSelectors[].preference',
    advertisement.properties.preferredNodeSelectors.items.properties.preference,
  ],
];

for (const [name, schema, known] of cases) {
  test(`${name}: the reader knows exactly the CRD's fields`, () => {
    assert.deepEqual(sorted(known), fields(schema));
  });
}

for (const [name, schema] of selectorSchemas) {
  test(`${name}: a label selector with the fields the reader knows`, () => {
    assert.deepEqual(sorted(selectorFields), fields(schema));
    assert.deepEqual(sorted(expressionFields), fields(schema.properties.matchExpressions.items));
  });
}

test('serviceSelectors and preferredNodeSelectors are read, and a weight outside 1–100 is refused', () => {
  const objects = (preferred: unknown) => [
    {
      object: {
        apiVersion: 'metallb.io/v1beta1',
        kind: 'IPAddressPool',
        metadata: { name: 'web', namespace: 'x' },
        spec: { addresses: ['192.0.2.0/28'] },
      },
    },
    {
      object: {
        apiVersion: 'metallb.io/v1beta1',
        kind: 'L2Advertisement',
        metadata: { name: 'web', namespace: 'x' },
        spec: {
          ipAddressPools: ['web'],
          serviceSelectors: [{ matchLabels: { tier: 'web' } }],
          preferredNodeSelectors: preferred,
        },
      },
    },
  ];
  const ok = loadPoolConfig({
    objects: objects([{ weight: 40, preference: { matchLabels: { zone: 'a' } } }]),
  });
  assert.ok(ok.ok);
  const [adv] = ok.config.l2Advertisements;
  assert.equal(adv?.serviceSelectors.length, 1);
  assert.deepEqual(
    adv?.preferredNodeSelectors.map((p) => [
      p.weight,
      p.preference.map((r) => `${r.key} ${r.operator} ${r.values}`),
    ]),
    [[40, ['zone In a']]],
  );
  for (const weight of [0, 101, 2.5, '50']) {
    const refused = loadPoolConfig({ objects: objects([{ weight, preference: {} }]) });
    assert.ok(!refused.ok, `weight ${weight}`);
    assert.match(
      refused.problems.map(formatProblem).join('\n'),
      /spec\.preferredNodeSelectors\[0\]\.weight=.*from 1 to 100/,
    );
  }
});

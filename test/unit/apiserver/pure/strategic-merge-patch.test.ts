// Strategic merge patch against the patches kubectl actually sends: client-side apply's 3-way
// patches (computed from the last-applied annotation) and hand-written `kubectl patch` bodies.
// biome-ignore-all lint/suspicious/noExplicitAny: the checks walk patched JSON whose shape each case knows

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { jsonMergePatch } from '../../../../lab/apiserver/patch/json-merge-patch.ts';
import { PatchError } from '../../../../lab/apiserver/patch/patch-error.ts';
import { strategicMergePatch } from '../../../../lab/apiserver/patch/strategic-merge-patch.ts';

const liveService = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: {
    name: 'web',
    namespace: 'default',
    labels: { app: 'web', tier: 'front' },
    finalizers: ['a', 'b'],
  },
  spec: {
    type: 'LoadBalancer',
    clusterIP: '10.96.0.10',
    selector: { app: 'web' },
    ports: [
      { name: 'http', port: 80, protocol: 'TCP', targetPort: 8080, nodePort: 31000 },
      { name: 'https', port: 443, protocol: 'TCP', targetPort: 8443, nodePort: 31001 },
    ],
  },
};

const liveDeployment = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'app', namespace: 'default' },
  spec: {
    replicas: 2,
    strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
    template: {
      metadata: { labels: { app: 'app' } },
      spec: {
        containers: [
          {
            name: 'app',
            image: 'app:1',
            env: [
              { name: 'MODE', value: 'slow' },
              { name: 'LEVEL', value: '3' },
            ],
            ports: [{ containerPort: 8080, protocol: 'TCP' }],
            volumeMounts: [{ name: 'data', mountPath: '/data' }],
          },
          { name: 'sidecar', image: 'proxy:1' },
        ],
        tolerations: [{ key: 'a', operator: 'Exists' }],
        imagePullSecrets: [{ name: 'reg1' }],
        volumes: [{ name: 'data', emptyDir: {} }],
      },
    },
  },
};

type Case = { name: string; kind: string; original: unknown; patch: unknown; check: (result: any) => void };

const cases: Case[] = [
  {
    name: 'apply removing a Service port deletes it by merge key and keeps the allocated nodePort of the other',
    kind: 'Service',
    original: liveService,
    patch: { spec: { '$setElementOrder/ports': [{ port: 80 }], ports: [{ $patch: 'delete', port: 443 }] } },
    check: (r) =>
      assert.deepEqual(r.spec.ports, [
        { name: 'http', port: 80, protocol: 'TCP', targetPort: 8080, nodePort: 31000 },
      ]),
  },
  {
    name: 'apply adding a Service port appends it in the order $setElementOrder gives',
    kind: 'Service',
    original: liveService,
    patch: {
      spec: {
        '$setElementOrder/ports': [{ port: 80 }, { port: 8443 }, { port: 443 }],
        ports: [{ name: 'alt', port: 8443, targetPort: 8443 }],
      },
    },
    check: (r) =>
      assert.deepEqual(
        r.spec.ports.map((p: any) => p.port),
        [80, 8443, 443],
      ),
  },
  {
    name: 'apply changing a Service port field merges into the element',
    kind: 'Service',
    original: liveService,
    patch: {
      spec: {
        '$setElementOrder/ports': [{ port: 80 }, { port: 443 }],
        ports: [{ port: 80, targetPort: 9090 }],
      },
    },
    check: (r) => {
      assert.equal(r.spec.ports[0].targetPort, 9090);
      assert.equal(r.spec.ports[0].nodePort, 31000);
      assert.equal(r.spec.ports[1].port, 443);
    },
  },
  {
    name: 'apply changing one env value keeps the other variables, containers and fields',
    kind: 'Deployment',
    original: liveDeployment,
    patch: {
      spec: {
        template: {
          spec: {
            '$setElementOrder/containers': [{ name: 'app' }, { name: 'sidecar' }],
            containers: [
              {
                '$setElementOrder/env': [{ name: 'MODE' }, { name: 'LEVEL' }],
                env: [{ name: 'MODE', value: 'fast' }],
                name: 'app',
              },
            ],
          },
        },
      },
    },
    check: (r) => {
      const [app, sidecar] = r.spec.template.spec.containers;
      assert.deepEqual(app.env, [
        { name: 'MODE', value: 'fast' },
        { name: 'LEVEL', value: '3' },
      ]);
      assert.equal(app.image, 'app:1');
      assert.deepEqual(sidecar, { name: 'sidecar', image: 'proxy:1' });
    },
  },
  {
    name: 'apply removing an env variable and adding a container port',
    kind: 'Deployment',
    original: liveDeployment,
    patch: {
      spec: {
        template: {
          spec: {
            containers: [
              {
                name: 'app',
                env: [{ $patch: 'delete', name: 'LEVEL' }],
                '$setElementOrder/ports': [{ containerPort: 8080 }, { containerPort: 9090 }],
                ports: [{ containerPort: 9090 }],
              },
            ],
          },
        },
      },
    },
    check: (r) => {
      const app = r.spec.template.spec.containers[0];
      assert.deepEqual(app.env, [{ name: 'MODE', value: 'slow' }]);
      assert.deepEqual(app.ports, [{ containerPort: 8080, protocol: 'TCP' }, { containerPort: 9090 }]);
    },
  },
  {
    name: 'a container without the merge key in the patch is a PatchError',
    kind: 'Deployment',
    original: liveDeployment,
    patch: { spec: { template: { spec: { containers: [{ image: 'x' }] } } } },
    check: () => assert.fail('expected an error'),
  },
  {
    // apimachinery's mergeSortedSlice puts patch items the server never had before server-only ones.
    name: 'a new container follows the patch order and a server-only one goes after the patch items',
    kind: 'Deployment',
    original: liveDeployment,
    patch: {
      spec: {
        template: {
          spec: {
            '$setElementOrder/containers': [{ name: 'app' }, { name: 'extra' }],
            containers: [{ name: 'extra', image: 'extra:1' }],
          },
        },
      },
    },
    check: (r) =>
      assert.deepEqual(
        r.spec.template.spec.containers.map((c: any) => c.name),
        ['app', 'extra', 'sidecar'],
      ),
  },
  {
    name: 'volumeMounts merge by mountPath',
    kind: 'Deployment',
    original: liveDeployment,
    patch: {
      spec: {
        template: {
          spec: { containers: [{ name: 'app', volumeMounts: [{ mountPath: '/data', readOnly: true }] }] },
        },
      },
    },
    check: (r) =>
      assert.deepEqual(r.spec.template.spec.containers[0].volumeMounts, [
        { name: 'data', mountPath: '/data', readOnly: true },
      ]),
  },
  {
    name: 'tolerations are atomic: the patch list replaces the live one',
    kind: 'Deployment',
    original: liveDeployment,
    patch: { spec: { template: { spec: { tolerations: [{ key: 'b', operator: 'Exists' }] } } } },
    check: (r) => assert.deepEqual(r.spec.template.spec.tolerations, [{ key: 'b', operator: 'Exists' }]),
  },
  {
    name: 'imagePullSecrets merge by name (new items first, as the real server orders them)',
    kind: 'Deployment',
    original: liveDeployment,
    patch: { spec: { template: { spec: { imagePullSecrets: [{ name: 'reg2' }] } } } },
    check: (r) =>
      assert.deepEqual(r.spec.template.spec.imagePullSecrets, [{ name: 'reg2' }, { name: 'reg1' }]),
  },
  {
    name: '$retainKeys clears the other strategy fields (RollingUpdate → Recreate)',
    kind: 'Deployment',
    original: liveDeployment,
    patch: { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate', rollingUpdate: null } } },
    check: (r) => assert.deepEqual(r.spec.strategy, { type: 'Recreate' }),
  },
  {
    name: 'a field outside $retainKeys is a PatchError',
    kind: 'Deployment',
    original: liveDeployment,
    patch: { spec: { strategy: { $retainKeys: ['type'], rollingUpdate: { maxSurge: 1 } } } },
    check: () => assert.fail('expected an error'),
  },
  {
    name: 'labels: add one, change one, delete one with null',
    kind: 'Service',
    original: liveService,
    patch: { metadata: { labels: { app: 'web2', tier: null, new: 'yes' } } },
    check: (r) => assert.deepEqual(r.metadata.labels, { app: 'web2', new: 'yes' }),
  },
  {
    name: 'annotations: adding to an object without any',
    kind: 'Service',
    original: liveService,
    patch: { metadata: { annotations: { note: 'x' } } },
    check: (r) => assert.deepEqual(r.metadata.annotations, { note: 'x' }),
  },
  {
    name: 'finalizers: apply changing [a,b] to [a,c] deletes b and orders the set',
    kind: 'Service',
    original: liveService,
    patch: {
      metadata: {
        '$deleteFromPrimitiveList/finalizers': ['b'],
        '$setElementOrder/finalizers': ['a', 'c'],
        finalizers: ['c'],
      },
    },
    check: (r) => assert.deepEqual(r.metadata.finalizers, ['a', 'c']),
  },
  {
    name: 'finalizers: a plain patch adds to the set without duplicates',
    kind: 'Pod',
    original: liveService,
    patch: { metadata: { finalizers: ['b', 'z'] } },
    check: (r) => assert.deepEqual(r.metadata.finalizers, ['a', 'b', 'z']),
  },
  {
    name: 'ownerReferences merge by uid',
    kind: 'ConfigMap',
    original: { metadata: { ownerReferences: [{ uid: '1', name: 'x' }] } },
    patch: { metadata: { ownerReferences: [{ uid: '2', name: 'y' }] } },
    check: (r) =>
      assert.deepEqual(
        r.metadata.ownerReferences.map((o: any) => o.uid),
        ['2', '1'],
      ),
  },
  {
    name: '$patch: replace on a map replaces it whole',
    kind: 'Service',
    original: liveService,
    patch: { spec: { selector: { $patch: 'replace', app: 'new' } } },
    check: (r) => assert.deepEqual(r.spec.selector, { app: 'new' }),
  },
  {
    name: '$patch: replace inside a merging list replaces the list',
    kind: 'Service',
    original: liveService,
    patch: { spec: { ports: [{ $patch: 'replace' }, { port: 90 }] } },
    check: (r) => assert.deepEqual(r.spec.ports, [{ port: 90 }]),
  },
  {
    name: '$patch: delete on a map empties it',
    kind: 'Deployment',
    original: liveDeployment,
    patch: { spec: { template: { metadata: { $patch: 'delete' } } } },
    check: (r) => assert.deepEqual(r.spec.template.metadata, {}),
  },
  {
    name: '$setElementOrder alone reorders the live list',
    kind: 'Service',
    original: liveService,
    patch: { spec: { '$setElementOrder/ports': [{ port: 443 }, { port: 80 }] } },
    check: (r) =>
      assert.deepEqual(
        r.spec.ports.map((p: any) => p.port),
        [443, 80],
      ),
  },
  {
    name: 'Endpoints subsets are atomic',
    kind: 'Endpoints',
    original: { subsets: [{ addresses: [{ ip: '192.0.2.1' }] }] },
    patch: { subsets: [{ addresses: [{ ip: '192.0.2.2' }] }] },
    check: (r) => assert.deepEqual(r.subsets, [{ addresses: [{ ip: '192.0.2.2' }] }]),
  },
  {
    name: 'Service status conditions merge by type',
    kind: 'Service',
    original: {
      status: {
        conditions: [
          { type: 'A', status: 'True' },
          { type: 'B', status: 'True' },
        ],
      },
    },
    patch: { status: { conditions: [{ type: 'B', status: 'False' }] } },
    check: (r) =>
      assert.deepEqual(r.status.conditions, [
        { type: 'A', status: 'True' },
        { type: 'B', status: 'False' },
      ]),
  },
  {
    name: 'directives inside a value new to the object are stripped',
    kind: 'Service',
    original: { spec: {} },
    patch: { spec: { '$setElementOrder/ports': [{ port: 80 }], ports: [{ port: 80 }] } },
    check: (r) => assert.deepEqual(r.spec, { ports: [{ port: 80 }] }),
  },
  {
    name: 'unknown kinds replace lists (JSON merge patch semantics)',
    kind: 'IPAddressPool',
    original: { spec: { addresses: ['192.0.2.0/28'], autoAssign: true } },
    patch: { spec: { addresses: ['198.51.100.0/28'] } },
    check: (r) => assert.deepEqual(r.spec, { addresses: ['198.51.100.0/28'], autoAssign: true }),
  },
];

describe('strategicMergePatch', () => {
  for (const c of cases) {
    test(c.name, () => {
      const before = structuredClone(c.original);
      const patchBefore = structuredClone(c.patch);
      if (c.name.includes('PatchError')) {
        assert.throws(() => strategicMergePatch(c.original, c.patch, c.kind), PatchError);
      } else {
        c.check(strategicMergePatch(c.original, c.patch, c.kind));
      }
      assert.deepEqual(c.original, before, 'the original is not mutated');
      assert.deepEqual(c.patch, patchBefore, 'the patch is not mutated');
    });
  }

  test('a patch that is not an object is a PatchError', () => {
    assert.throws(() => strategicMergePatch({}, [1], 'Service'), PatchError);
  });

  test('without lists or directives it equals JSON merge patch, for any kind', () => {
    const key = fc.constantFrom('a', 'b', 'c', 'spec', 'metadata');
    const leaf = fc.oneof(fc.string(), fc.integer(), fc.boolean());
    const tree = fc.letrec((tie) => ({
      node: fc.oneof({ depthSize: 'small' }, leaf, fc.dictionary(key, tie('node'), { maxKeys: 3 })),
    })).node;
    const patchTree = fc.letrec((tie) => ({
      node: fc.oneof(
        { depthSize: 'small' },
        leaf,
        fc.constant(null),
        fc.dictionary(key, tie('node'), { maxKeys: 3 }),
      ),
    })).node;
    fc.assert(
      fc.property(
        fc.dictionary(key, tree),
        fc.dictionary(key, patchTree),
        fc.constantFrom('Service', 'Deployment', 'ConfigMap', 'Widget'),
        (original, patch, kind) => {
          assert.deepEqual(strategicMergePatch(original, patch, kind), jsonMergePatch(original, patch));
        },
      ),
    );
  });
});

// The manifests as a cluster operator applies them, with the real kubectl against the lab API
// server: apply -k and apply -f on a fresh server, idempotent re-apply, the examples, and the CRDs'
// validation and defaulting of MetalLB objects.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { stringify as toYaml } from 'yaml';
import { backend } from '../../kube-cluster.ts';
import {
  examplesDir,
  kustomizeResources,
  manifestsDir,
  repoRoot,
  systemNamespace,
} from '../../unit/manifests/manifest-files.ts';
import { type KubectlLab, parseColumns, startKubectlLab } from '../apiserver/kubectl-harness.ts';

// biome-ignore lint/suspicious/noExplicitAny: tests read the fields they need from kubectl's JSON
type Json = Record<string, any>;

const metallbPool = {
  apiVersion: 'metallb.io/v1beta1',
  kind: 'IPAddressPool',
  metadata: { name: 'x', namespace: systemNamespace },
  spec: { addresses: ['203.0.113.240/29'] },
};

const examples = ['pool-configmap.yaml', 'pool-crs.yaml', 'ingress-nginx-service.yaml', 'shared-ip.yaml'].map(
  (f) => path.join(examplesDir, f),
);

/** kubectl apply's "kind/name verb" lines. */
function applyLines(output: string): string[] {
  return output.trim().split('\n').filter(Boolean);
}

function assertAllUnchanged(output: string, what: string): void {
  const lines = applyLines(output);
  assert.ok(lines.length > 0, `${what}: kubectl printed nothing`);
  for (const line of lines) assert.match(line, / unchanged$/, `${what}: ${line}`);
}

let lab: KubectlLab;
before(async () => {
  lab = await startKubectlLab();
});
after(() => lab.close());

test('apply -k creates every object, then re-applying changes none', async () => {
  const created = applyLines(await lab.kubectl(['apply', '-k', manifestsDir]));
  assert.equal(created.length, 18, created.join('\n'));
  for (const line of created) assert.match(line, / created$/);
  assertAllUnchanged(await lab.kubectl(['apply', '-k', manifestsDir]), 'second apply -k');
  const rendered = await lab.kubectl(['kustomize', manifestsDir]);
  const dryRun = await lab.kubectl(['apply', '--dry-run=server', '-f', '-'], rendered);
  assertAllUnchanged(dryRun.replaceAll(' (server dry run)', ''), 'server dry run');
});

test('with no controller running, the webhook (failurePolicy Fail) refuses pool writes until it is deleted', async () => {
  const pool = {
    ...JSON.parse(JSON.stringify(metallbPool)),
    metadata: { name: 'while-down', namespace: systemNamespace },
  };
  const attempt = await lab.run(['apply', '-f', '-'], JSON.stringify(pool));
  if (backend === 'real') {
    assert.notEqual(attempt.code, 0, 'kube-apiserver cannot reach the webhook, so it refuses');
    assert.match(attempt.stderr, /failed calling webhook "ipaddresspools\.baremetal-lb\.io"/);
  } else {
    assert.equal(attempt.code, 0, 'the embedded server calls no webhooks');
  }
  // What the webhook's manifest tells an operator to do to edit pools with no controller running.
  await lab.kubectl(['delete', 'validatingwebhookconfiguration', 'baremetal-lb-webhook-configuration']);
  assert.equal((await lab.run(['apply', '-f', '-'], JSON.stringify(pool))).code, 0);
  await lab.kubectl(['delete', 'ipaddresspool', '-n', systemNamespace, 'while-down']);
});

test('the objects the server stored are the ones the files describe', async () => {
  const deployment: Json = JSON.parse(
    await lab.kubectl(['get', 'deployment', '-n', systemNamespace, 'controller', '-o', 'json']),
  );
  assert.equal(deployment.spec.replicas, 2);
  const daemonSet: Json = JSON.parse(
    await lab.kubectl(['get', 'daemonset', '-n', systemNamespace, 'speaker', '-o', 'json']),
  );
  assert.deepEqual(daemonSet.spec.template.spec.containers[0].securityContext.capabilities.add, ['NET_RAW']);
  const crds = parseColumns(await lab.kubectl(['get', 'crd']));
  assert.deepEqual(crds.map((r) => r.NAME).sort(), [
    'ipaddresspools.metallb.io',
    'l2advertisements.metallb.io',
    'servicel2statuses.metallb.io',
  ]);
});

test('the documented memberlist Secret command makes the Secret the speaker reads', async () => {
  const secret = randomBytes(128).toString('base64');
  // The documented command as it stands: kubectl create sends the Secret as protobuf.
  await lab.kubectl([
    'create',
    'secret',
    'generic',
    '-n',
    systemNamespace,
    'baremetal-lb-memberlist',
    `--from-literal=secretkey=${secret}`,
  ]);
  const stored: Json = JSON.parse(
    await lab.kubectl(['get', 'secret', '-n', systemNamespace, 'baremetal-lb-memberlist', '-o', 'json']),
  );
  assert.equal(Buffer.from(stored.data.secretkey, 'base64').toString(), secret);
});

test('the examples apply after the CRDs, and re-applying them changes nothing', async () => {
  for (const file of examples) {
    const name = path.basename(file);
    for (const line of applyLines(await lab.kubectl(['apply', '-f', file])))
      assert.match(line, / (created|configured|unchanged)$/, `${name}: ${line}`);
    assertAllUnchanged(await lab.kubectl(['apply', '-f', file]), name);
  }
  const pools = parseColumns(await lab.kubectl(['get', 'ipaddresspools', '-n', systemNamespace]));
  assert.deepEqual(pools, [
    {
      NAME: 'default',
      'AUTO ASSIGN': 'true',
      'AVOID BUGGY IPS': 'false',
      ADDRESSES: '["192.0.2.240/28","2001:db8::f0-2001:db8::ff"]',
    },
  ]);
});

// From MetalLB's documentation (configuration/_advanced_ipaddresspool_configuration, usage), as is.
const metallbDocsObjects = `apiVersion: v1
kind: Namespace
metadata:
  name: metallb-system
---
apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata:
  name: first-pool
  namespace: metallb-system
spec:
  addresses:
  - 192.168.10.0/24
  - 192.168.9.1-192.168.9.5
  - fc00:f853:0ccd:e799::/124
---
apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata:
  name: ip-pool-blue
  namespace: metallb-system
spec:
  addresses:
    - 192.168.20.0/24
  autoAssign: false
  avoidBuggyIPs: true
  serviceAllocation:
    priority: 50
    namespaces:
      - namespace-a
      - namespace-b
    namespaceSelectors:
      - matchLabels:
          foo: bar
    serviceSelectors:
      - matchExpressions:
          - {key: app, operator: In, values: [bar]}
---
apiVersion: metallb.io/v1beta1
kind: L2Advertisement
metadata:
  name: example
  namespace: metallb-system
spec:
  ipAddressPools:
  - first-pool
  ipAddressPoolSelectors:
  - matchLabels:
      zone: east
  nodeSelectors:
  - matchLabels:
      kubernetes.io/hostname: NodeA
  interfaces:
  - eth3
`;

test("MetalLB's documented objects apply unchanged and get MetalLB's defaults", async () => {
  await lab.kubectl(['apply', '-f', '-'], metallbDocsObjects);
  assertAllUnchanged(await lab.kubectl(['apply', '-f', '-'], metallbDocsObjects), 'MetalLB objects');
  const first: Json = JSON.parse(
    await lab.kubectl(['get', 'ipaddresspool', '-n', 'metallb-system', 'first-pool', '-o', 'json']),
  );
  assert.deepEqual(first.spec, {
    addresses: ['192.168.10.0/24', '192.168.9.1-192.168.9.5', 'fc00:f853:0ccd:e799::/124'],
    autoAssign: true,
    avoidBuggyIPs: false,
  });
  const blue: Json = JSON.parse(
    await lab.kubectl(['get', 'ipaddresspool', '-n', 'metallb-system', 'ip-pool-blue', '-o', 'json']),
  );
  assert.deepEqual(blue.spec.serviceAllocation.serviceSelectors, [
    { matchExpressions: [{ key: 'app', operator: 'In', values: ['bar'] }] },
  ]);
  const advertisement: Json = JSON.parse(
    await lab.kubectl(['get', 'l2advertisement', '-n', 'metallb-system', 'example', '-o', 'json']),
  );
  assert.deepEqual(advertisement.spec.interfaces, ['eth3']);
});

test('the pool status subresource takes the int64 counts the controller writes', async () => {
  const status = { assignedIPv4: 1, assignedIPv6: 0, availableIPv4: 15, availableIPv6: 16 };
  await lab.kubectl([
    'patch',
    'ipaddresspool',
    '-n',
    systemNamespace,
    'default',
    '--subresource=status',
    '--type=merge',
    '-p',
    JSON.stringify({ status }),
  ]);
  const pool: Json = JSON.parse(
    await lab.kubectl(['get', 'ipaddresspool', '-n', systemNamespace, 'default', '-o', 'json']),
  );
  assert.deepEqual(pool.status, status);
});

const invalidPools: [string, Json, RegExp][] = [
  ['autoAssign is a string', { addresses: ['192.0.2.0/28'], autoAssign: 'yes' }, /spec\.autoAssign/],
  ['addresses is missing', { autoAssign: true }, /spec\.addresses/],
  ['addresses is not a list', { addresses: '192.0.2.0/28' }, /spec\.addresses/],
  [
    'priority is not an integer',
    { addresses: ['192.0.2.0/28'], serviceAllocation: { priority: 'high' } },
    /priority/,
  ],
  [
    'a selector requirement has no operator',
    {
      addresses: ['192.0.2.0/28'],
      serviceAllocation: { serviceSelectors: [{ matchExpressions: [{ key: 'a' }] }] },
    },
    /operator/,
  ],
];

for (const [what, spec, field] of invalidPools) {
  test(`an IPAddressPool is refused with 422 when ${what}`, async () => {
    const body = {
      apiVersion: 'metallb.io/v1beta1',
      kind: 'IPAddressPool',
      metadata: { name: 'bad', namespace: systemNamespace },
      spec,
    };
    const response = await lab.cluster.request({
      method: 'POST',
      path: `/apis/metallb.io/v1beta1/namespaces/${systemNamespace}/ipaddresspools`,
      body: JSON.stringify(body),
    });
    const status: Json = JSON.parse(response.body);
    assert.equal(response.status, 422, response.body);
    assert.equal(status.reason, 'Invalid');
    assert.match(status.message, field);
    const viaKubectl = await lab.run(['apply', '-f', '-'], JSON.stringify(body));
    assert.notEqual(viaKubectl.code, 0, 'kubectl apply fails too');
  });
}

test('apply -f of each file in kustomization order works on a fresh server', async (t) => {
  const fresh = await startKubectlLab();
  t.after(() => fresh.close());
  for (const file of kustomizeResources()) {
    const lines = applyLines(await fresh.kubectl(['apply', '-f', file]));
    assert.ok(lines.length > 0, file);
    for (const line of lines)
      assert.match(line, / created$/, `${path.relative(manifestsDir, file)}: ${line}`);
  }
  assertAllUnchanged(await fresh.kubectl(['apply', '-f', path.join(manifestsDir, 'crds')]), 'crds/ folder');
  assertAllUnchanged(await fresh.kubectl(['apply', '-k', manifestsDir]), 'apply -k after apply -f');
});

test("the metallb-system overlay installs beside MetalLB's objects and changes none of them", async (t) => {
  const fresh = await startKubectlLab();
  t.after(() => fresh.close());
  const ns = 'metallb-system';
  await fresh.kubectl(['apply', '-f', path.join(manifestsDir, 'crds')]);
  await fresh.kubectl(['create', 'namespace', ns]);
  const metallbObjects = [
    {
      apiVersion: 'metallb.io/v1beta1',
      kind: 'IPAddressPool',
      metadata: { name: 'prod', namespace: ns },
      spec: { addresses: ['192.0.2.0/28'] },
    },
    {
      apiVersion: 'metallb.io/v1beta1',
      kind: 'L2Advertisement',
      metadata: { name: 'prod', namespace: ns },
      spec: { ipAddressPools: ['prod'] },
    },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'controller', namespace: ns } },
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'memberlist', namespace: ns },
      stringData: { secretkey: 'k'.repeat(64) },
    },
  ];
  // A stream of YAML documents, not a kind: List (kubectl checks a List against OpenAPI v2).
  await fresh.kubectl(['apply', '-f', '-'], metallbObjects.map((o) => toYaml(o)).join('---\n'));
  const versions = async () => {
    const refs = [
      'ipaddresspool/prod',
      'l2advertisement/prod',
      'serviceaccount/controller',
      'secret/memberlist',
    ];
    const out = await fresh.kubectl([
      'get',
      '-n',
      ns,
      ...refs,
      '-o',
      'jsonpath={range .items[*]}{.kind}/{.metadata.resourceVersion} {end}',
    ]);
    const crds = await fresh.kubectl([
      'get',
      'crd',
      '-o',
      'jsonpath={range .items[*]}{.metadata.resourceVersion} {end}',
    ]);
    return `${out} ${crds}`;
  };
  const before = await versions();
  const created = applyLines(await fresh.kubectl(['apply', '-k', path.join(repoRoot, 'overlays', ns)]));
  assert.ok(created.length > 0);
  for (const line of created) assert.match(line, /^\S+\/baremetal-lb-\S+ created$/, line);
  assert.equal(await versions(), before, "MetalLB's pools, CRDs, ServiceAccount and Secret are untouched");
  const speaker: Json = JSON.parse(
    await fresh.kubectl(['get', 'daemonset', '-n', ns, 'baremetal-lb-speaker', '-o', 'json']),
  );
  const secretRef = speaker.spec.template.spec.containers[0].env.find((e: Json) => e.valueFrom?.secretKeyRef)
    ?.valueFrom.secretKeyRef;
  assert.equal(secretRef.name, 'memberlist', "the speakers reuse MetalLB's memberlist Secret");
  assert.ok(
    speaker.spec.template.spec.containers[0].args.includes('--namespace=$(NAMESPACE)'),
    'the pools are read where the Pods run',
  );
  const binding: Json = JSON.parse(
    await fresh.kubectl(['get', 'clusterrolebinding', 'baremetal-lb-speaker', '-o', 'json']),
  );
  assert.deepEqual(binding.subjects, [
    { kind: 'ServiceAccount', name: 'baremetal-lb-speaker', namespace: ns },
  ]);
});

test("a Secret's type cannot change: 422 field is immutable, as kube-apiserver says", async () => {
  const secret = (type: string) =>
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'typed', namespace: 'default' },
      type,
      stringData: { a: 'b' },
    });
  await lab.kubectl(['apply', '-f', '-'], secret('Opaque'));
  const changed = await lab.run(['replace', '-f', '-'], secret('example.com/other'));
  assert.notEqual(changed.code, 0);
  assert.match(changed.stderr, /type: Invalid value: "example\.com\/other": field is immutable/);
  await lab.kubectl(['delete', 'secret', '-n', 'default', 'typed']);
});

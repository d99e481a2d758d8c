// The real kubectl against the lab API server for custom resources: apply a CRD, wait for it to
// be Established, apply custom resources (defaulted and validated by the CRD schema), get them
// with the CRD's printer columns, wait on a JSONPath, and merge-patch them.

import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { type KubectlLab, parseColumns, startKubectlLab } from './kubectl-harness.ts';

let lab: KubectlLab;
before(async () => {
  lab = await startKubectlLab();
  const crd = await lab.writeFile('crd.yaml', poolCrd);
  await lab.kubectl(['apply', '-f', crd]);
});
after(() => lab.close());

const poolCrd = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: ipaddresspools.metallb.io
spec:
  group: metallb.io
  names:
    kind: IPAddressPool
    listKind: IPAddressPoolList
    plural: ipaddresspools
    singular: ipaddresspool
  scope: Namespaced
  versions:
    - name: v1beta1
      served: true
      storage: true
      additionalPrinterColumns:
        - name: Auto Assign
          type: boolean
          jsonPath: .spec.autoAssign
        - name: Avoid Buggy IPs
          type: boolean
          jsonPath: .spec.avoidBuggyIPs
        - name: Addresses
          type: string
          jsonPath: .spec.addresses
      subresources:
        status: {}
      schema:
        openAPIV3Schema:
          type: object
          properties:
            apiVersion:
              type: string
            kind:
              type: string
            metadata:
              type: object
            spec:
              type: object
              required: [addresses]
              properties:
                addresses:
                  type: array
                  items:
                    type: string
                autoAssign:
                  type: boolean
                  default: true
                avoidBuggyIPs:
                  type: boolean
                  default: false
            status:
              type: object
              properties:
                assignedIPv4:
                  type: integer
`;

const pool = (name: string, addresses: string[], extra = '') => `apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata:
  name: ${name}
spec:
  addresses:
${addresses.map((a) => `    - ${a}`).join('\n')}
${extra}`;

test('wait --for=condition=Established returns once the CRD is served, and get crd shows CREATED AT', async () => {
  const out = await lab.kubectl([
    'wait',
    '--for=condition=Established',
    'crd/ipaddresspools.metallb.io',
    '--timeout=10s',
  ]);
  assert.match(out, /ipaddresspools.metallb.io condition met/);
  const [row] = parseColumns(await lab.kubectl(['get', 'crd']));
  assert.equal(row?.NAME, 'ipaddresspools.metallb.io');
  assert.match(row?.['CREATED AT'] ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
});

test('apply of custom resources, then get shows the printer columns with schema defaults', async () => {
  const file = await lab.writeFile(
    'pools.yaml',
    `${pool('first', ['192.0.2.0/28', '2001:db8::/124'])}---\n${pool('second', ['198.51.100.0/28'], '  autoAssign: false\n')}`,
  );
  const applied = await lab.kubectl(['apply', '-f', file]);
  assert.match(applied, /ipaddresspool.metallb.io\/first created/);
  const output = await lab.kubectl(['get', 'ipaddresspools']);
  assert.match(output.split('\n')[0] ?? '', /^NAME\s+AUTO ASSIGN\s+AVOID BUGGY IPS\s+ADDRESSES$/);
  const rows = parseColumns(output);
  assert.deepEqual(rows, [
    {
      NAME: 'first',
      'AUTO ASSIGN': 'true',
      'AVOID BUGGY IPS': 'false',
      ADDRESSES: '["192.0.2.0/28","2001:db8::/124"]',
    },
    { NAME: 'second', 'AUTO ASSIGN': 'false', 'AVOID BUGGY IPS': 'false', ADDRESSES: '["198.51.100.0/28"]' },
  ]);
});

test('re-apply of a changed custom resource merges it (custom resources take merge patches)', async () => {
  await lab.kubectl(['apply', '-f', '-'], pool('changing', ['192.0.2.64/28']));
  await lab.kubectl(['apply', '-f', '-'], pool('changing', ['192.0.2.80/28'], '  avoidBuggyIPs: true\n'));
  const spec = JSON.parse(await lab.kubectl(['get', 'ipaddresspool', 'changing', '-o', 'json'])).spec;
  assert.deepEqual(spec, { addresses: ['192.0.2.80/28'], autoAssign: true, avoidBuggyIPs: true });
});

test('wait --for=jsonpath waits for a status value set later', async () => {
  await lab.kubectl(['apply', '-f', '-'], pool('waited', ['203.0.113.0/28']));
  const waiting = lab.run([
    'wait',
    '--for=jsonpath={.status.assignedIPv4}=2',
    'ipaddresspool/waited',
    '--timeout=15s',
  ]);
  await lab.kubectl([
    'patch',
    'ipaddresspool',
    'waited',
    '--subresource=status',
    '--type=merge',
    '-p',
    '{"status":{"assignedIPv4":2}}',
  ]);
  const result = await waiting;
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /ipaddresspool.metallb.io\/waited condition met/);
});

test('a custom resource violating the schema is refused with the field named', async () => {
  const result = await lab.run(
    ['apply', '-f', '-'],
    'apiVersion: metallb.io/v1beta1\nkind: IPAddressPool\nmetadata:\n  name: invalid\nspec:\n  autoAssign: "yes"\n',
  );
  assert.notEqual(result.code, 0);
  assert.match(result.stderr, /IPAddressPool.* "invalid" is invalid/);
  assert.match(result.stderr, /spec\.addresses: Required value/);
  assert.match(result.stderr, /spec\.autoAssign/);
});

test('a strategic merge patch of a custom resource is refused, as on a real server', async () => {
  await lab.kubectl(['apply', '-f', '-'], pool('strategic', ['192.0.2.96/28']));
  const result = await lab.run([
    'patch',
    'ipaddresspool',
    'strategic',
    '--type=strategic',
    '-p',
    '{"spec":{"autoAssign":false}}',
  ]);
  assert.notEqual(result.code, 0);
  assert.match(
    result.stderr,
    /application\/strategic-merge-patch\+json is not supported|accepted media types include: application\/json-patch\+json, application\/merge-patch\+json, application\/apply-patch\+yaml/,
  );
});

test('a misspelt field: refused under kubectl’s default strict validation, pruned with a warning otherwise', async () => {
  const typo = (name: string) => pool(name, ['192.0.2.112/28'], '  autoassign: false\n');
  const strict = await lab.run(['apply', '-f', '-'], typo('typo-strict'));
  assert.notEqual(strict.code, 0);
  assert.match(strict.stderr, /strict decoding error: unknown field "spec\.autoassign"/);
  const warned = await lab.run(['apply', '--validate=warn', '-f', '-'], typo('typo-warn'));
  assert.equal(warned.code, 0, warned.stderr);
  assert.match(warned.stderr, /Warning: unknown field "spec\.autoassign"/);
  const stored = JSON.parse(await lab.kubectl(['get', 'ipaddresspool', 'typo-warn', '-o', 'json']));
  assert.equal(stored.spec.autoassign, undefined, 'the unknown field is not stored');
  assert.equal(stored.spec.autoAssign, true, 'the real field keeps its default');
});

test("ServiceL2Status's node is set once and then immutable (its CEL rule self == oldSelf)", async () => {
  const crd = path.resolve(import.meta.dirname, '../../../manifests/crds/metallb.io_servicel2statuses.yaml');
  await lab.kubectl(['apply', '-f', crd]);
  await lab.kubectl([
    'wait',
    '--for=condition=Established',
    'crd/servicel2statuses.metallb.io',
    '--timeout=30s',
  ]);
  await lab.kubectl(
    ['apply', '-f', '-'],
    'apiVersion: metallb.io/v1beta1\nkind: ServiceL2Status\nmetadata:\n  name: l2-web\n  namespace: default\nspec: {}\n',
  );
  const patchStatus = (status: object) =>
    lab.run([
      'patch',
      'servicel2status',
      'l2-web',
      '--subresource=status',
      '--type=merge',
      '-p',
      JSON.stringify({ status }),
    ]);
  const setStatus = (node: string) =>
    patchStatus({ node, serviceName: 'web', serviceNamespace: 'default', interfaces: [{ name: 'eth0' }] });
  const first = await setStatus('node-1');
  assert.equal(first.code, 0, first.stderr);
  const columns = parseColumns(await lab.kubectl(['get', 'servicel2statuses']));
  assert.deepEqual(columns[0], {
    NAME: 'l2-web',
    'ALLOCATED NODE': 'node-1',
    'SERVICE NAME': 'web',
    'SERVICE NAMESPACE': 'default',
  });
  const moved = await setStatus('node-2');
  assert.notEqual(moved.code, 0);
  assert.match(
    moved.stderr,
    /ServiceL2Status.* "l2-web" is invalid: status\.node: Invalid value: "node-2": Value is immutable/,
  );
  const interfaces = await patchStatus({ interfaces: [{ name: 'eth1' }] });
  assert.equal(interfaces.code, 0, `the interfaces may change: ${interfaces.stderr}`);
});

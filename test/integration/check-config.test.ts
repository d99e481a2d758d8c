import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

const cli = join(import.meta.dirname, '..', '..', 'bin', 'baremetal-lb');
const dir = mkdtempSync(join(tmpdir(), 'check-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function checkConfig(...files: string[]) {
  const run = spawnSync(cli, ['check-config', ...files], { encoding: 'utf8', timeout: 30_000 });
  return { code: run.status, lines: run.stdout.trim().split('\n').filter(Boolean), stderr: run.stderr };
}

const configMap = `apiVersion: v1
kind: ConfigMap
metadata: {name: config, namespace: baremetal-lb-system}
data:
  config: |
    address-pools:
    - name: default
      protocol: layer2
      addresses: [192.0.2.240/28, "2001:db8::/120"]
    - name: edge
      protocol: bgp
      addresses: [203.0.113.0/24]
`;

const resources = `apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata: {name: prod, namespace: baremetal-lb-system}
spec:
  addresses: [198.51.100.10-198.51.100.20]
  avoidBuggyIPs: true
---
apiVersion: metallb.io/v1beta1
kind: L2Advertisement
metadata: {name: prod, namespace: baremetal-lb-system}
spec:
  ipAddressPools: [prod]
`;

test('a valid config across files exits 0 with warnings and a summary', () => {
  const run = checkConfig(file('cm.yaml', configMap), file('crs.yaml', resources));
  assert.equal(run.code, 0, run.stderr + run.lines.join('\n'));
  assert.deepEqual(run.lines, [
    `warning: ${dir}/cm.yaml#1 ConfigMap baremetal-lb-system/config pool "edge": address-pools[1].protocol="bgp": BGP is not supported; this pool is left unused`,
    'valid: 2 pool(s), 283 address(es) (default: 16 IPv4, 256 IPv6; prod: 11 IPv4); 2 L2Advertisement(s)',
  ]);
});

test('every problem is printed on its own line and the exit code is 1', () => {
  const bad = file(
    'bad.yaml',
    `apiVersion: v1
kind: List
items:
- apiVersion: metallb.io/v1beta1
  kind: IPAddressPool
  metadata: {name: dup, namespace: baremetal-lb-system}
  spec:
    addresses: [198.51.100.15/32, 192.0.2.300/24]
    autoassign: true
- apiVersion: metallb.io/v1beta1
  kind: IPAddressPool
  metadata: {name: dup, namespace: baremetal-lb-system}
  spec:
    addresses: [203.0.113.0/28]
`,
  );
  const run = checkConfig(file('crs.yaml', resources), bad);
  assert.equal(run.code, 1);
  const source = `${bad}#1.items[0] IPAddressPool baremetal-lb-system/dup pool "dup"`;
  assert.deepEqual(
    run.lines.sort(),
    [
      `error: ${bad}#1.items[1] IPAddressPool baremetal-lb-system/dup pool "dup": metadata.name="dup": pool name already used by ${bad}#1.items[0] IPAddressPool baremetal-lb-system/dup`,
      `error: ${source}: spec.addresses[0]="198.51.100.15/32": 198.51.100.15 overlaps 198.51.100.10-198.51.100.20 at spec.addresses[0] in pool "prod" (${dir}/crs.yaml#1 IPAddressPool baremetal-lb-system/prod)`,
      `error: ${source}: spec.addresses[1]="192.0.2.300/24": "192.0.2.300" is not an IP address`,
      `error: ${source}: spec.autoassign=true: unknown field "autoassign"; did you mean "autoAssign"?`,
    ].sort(),
  );
});

test('unreadable files and broken YAML are errors', () => {
  const broken = file('broken.yaml', 'kind: [\n');
  const run = checkConfig(broken, join(dir, 'missing.yaml'));
  assert.equal(run.code, 1);
  assert.equal(run.lines.length, 2);
  assert.match(run.lines[0]!, /broken\.yaml#1: document="\(YAML\)": not valid YAML: .*column 1$/);
  assert.match(run.lines[1]!, /missing\.yaml: file=".*missing\.yaml": cannot read: ENOENT/);
});

test('no files is a usage error', () => {
  const run = checkConfig();
  assert.equal(run.code, 2);
  assert.match(run.stderr, /usage: baremetal-lb check-config FILE/);
});

// The manifests against the real CLI: every flag the Pods pass is one the subcommand knows, and
// the example pool configs pass `baremetal-lb check-config`.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { baseDocuments, examplesDir, findObject, repoRoot } from '../../unit/manifests/manifest-files.ts';

const cli = path.join(repoRoot, 'bin', 'baremetal-lb');
const docs = baseDocuments();

function run(args: string[]) {
  const result = spawnSync(cli, args, { encoding: 'utf8', timeout: 30_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const workloads: [string, string][] = [
  ['Deployment', 'controller'],
  ['DaemonSet', 'speaker'],
];

for (const [kind, name] of workloads) {
  test(`every flag the ${name} Pod passes is one \`baremetal-lb ${name}\` accepts`, () => {
    const args: string[] = findObject(docs, kind, name).spec.template.spec.containers[0].args;
    const [subcommand, ...flags] = args;
    assert.equal(subcommand, name);
    const help = run([name, '--help']);
    assert.equal(help.code, 0, help.stderr);
    assert.ok(flags.length > 0);
    for (const flag of flags) {
      const flagName = /^(--[a-z-]+)=/.exec(flag)?.[1];
      assert.ok(flagName, `${flag} is written --name=value`);
      assert.match(help.stdout, new RegExp(`${flagName}\\b`), `${name} --help lists ${flagName}`);
    }
  });
}

for (const file of ['pool-configmap.yaml', 'pool-crs.yaml']) {
  test(`examples/${file} passes check-config`, () => {
    const result = run(['check-config', path.join(examplesDir, file)]);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(
      result.stdout,
      /^valid: 1 pool\(s\), 32 address\(es\) \(default: 16 IPv4, 16 IPv6\); 1 L2Advertisement/m,
    );
  });
}

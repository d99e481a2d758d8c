// The real kubectl with ServiceAccount tokens the lab API server issued: what RBAC allows works,
// the rest is refused with the real server's words, and tokens die with their ServiceAccount.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type ApiServer, startApiServer } from '../../../lab/apiserver/server.ts';

// kubectl sends bearer tokens only over HTTPS, so this lab serves TLS with a throwaway certificate.
let server: ApiServer;
let dir: string;
const run = promisify(execFile);

before(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'rbac-kubectl-'));
  const [key, cert] = [path.join(dir, 'key.pem'), path.join(dir, 'cert.pem')];
  await run('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    key,
    '-out',
    cert,
    '-days',
    '1',
    '-subj',
    '/CN=lab',
    '-addext',
    'subjectAltName=IP:127.0.0.1',
  ]);
  server = await startApiServer({ tls: { key: await fs.readFile(key), cert: await fs.readFile(cert) } });
  await server.writeKubeconfig(path.join(dir, 'kubeconfig'));
});
after(async () => {
  await server?.close();
  await fs.rm(dir, { recursive: true, force: true });
});

/** Runs the real kubectl against the lab; never throws, a non-zero code is part of the answer. */
async function kubectlResult(
  args: string[],
  stdin?: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      '/usr/bin/kubectl',
      ['--kubeconfig', path.join(dir, 'kubeconfig'), ...args],
      { env: { ...process.env, KUBECACHEDIR: path.join(dir, 'cache'), HOME: dir }, timeout: 20_000 },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') reject(error);
        else resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
      },
    );
    child.stdin?.end(stdin ?? '');
  });
}

async function kubectl(args: string[], stdin?: string): Promise<string> {
  const result = await kubectlResult(args, stdin);
  if (result.code !== 0) throw new Error(`kubectl ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
  return result.stdout;
}

const readerRbac = `
apiVersion: v1
kind: ServiceAccount
metadata: {name: reader, namespace: default}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: reader, namespace: default}
rules:
  - apiGroups: [""]
    resources: [configmaps]
    verbs: [get, list]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: reader, namespace: default}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: reader}
subjects:
  - {kind: ServiceAccount, name: reader}
`;

const asToken = (token: string, args: string[]) => kubectlResult(['--token', token, ...args]);

test('a ServiceAccount token: allowed requests work, others are Forbidden, forged tokens Unauthorized', async () => {
  await kubectl(['apply', '-f', '-'], readerRbac);
  await kubectl(['create', 'configmap', 'c1', '--from-literal=a=b', '--dry-run=client', '-o', 'yaml']).then(
    (y) => kubectl(['apply', '-f', '-'], y),
  );
  const token = (await kubectl(['create', 'token', 'reader'])).trim();
  assert.match(token, /^[\w-]+\.[\w-]+\.[\w-]+$/);

  const get = await asToken(token, ['get', 'configmap', 'c1', '-o', 'jsonpath={.data.a}']);
  assert.equal(get.code, 0, get.stderr);
  assert.equal(get.stdout, 'b');
  assert.equal((await asToken(token, ['get', 'configmaps'])).code, 0);

  const list = await asToken(token, ['get', 'secrets']);
  assert.notEqual(list.code, 0);
  assert.match(
    list.stderr,
    /Error from server \(Forbidden\): secrets is forbidden: User "system:serviceaccount:default:reader" cannot list resource "secrets" in API group "" in the namespace "default"/,
  );

  const watch = await asToken(token, ['get', 'configmaps', '--watch']);
  assert.notEqual(watch.code, 0);
  assert.match(watch.stderr, /cannot watch resource "configmaps" in API group "" in the namespace "default"/);

  const forged = await asToken(`${token.slice(0, -4)}AAAA`, ['get', 'configmap', 'c1']);
  assert.notEqual(forged.code, 0);
  assert.match(forged.stderr, /error: You must be logged in to the server \(Unauthorized\)/);

  const denied = server.denials.map((d) => `${d.user} ${d.verb} ${d.resource} ${d.namespace}`);
  assert.ok(denied.includes('system:serviceaccount:default:reader list secrets default'), denied.join('\n'));
  assert.ok(
    denied.includes('system:serviceaccount:default:reader watch configmaps default'),
    denied.join('\n'),
  );

  await kubectl(['delete', 'serviceaccount', 'reader']);
  const afterDelete = await asToken(token, ['get', 'configmap', 'c1']);
  assert.notEqual(afterDelete.code, 0);
  assert.match(afterDelete.stderr, /\(Unauthorized\)/);
});

test('the shipped RBAC: the controller may list Services cluster-wide but not delete them', async () => {
  await kubectl([
    'apply',
    '-f',
    fileURLToPath(new URL('../../../manifests/namespace.yaml', import.meta.url)),
  ]);
  await kubectl(['apply', '-f', fileURLToPath(new URL('../../../manifests/rbac/', import.meta.url))]);
  await kubectl([
    'create',
    'service',
    'loadbalancer',
    'web',
    '--tcp=80:80',
    '--dry-run=client',
    '-o',
    'yaml',
  ]).then((y) => kubectl(['apply', '-f', '-'], y));
  const token = (
    await kubectl(['create', 'token', 'controller', '-n', 'baremetal-lb-system', '--duration=8760h'])
  ).trim();

  const list = await asToken(token, ['get', 'services', '--all-namespaces', '-o', 'name']);
  assert.equal(list.code, 0, list.stderr);
  assert.match(list.stdout, /service\/web/);

  const remove = await asToken(token, ['delete', 'service', 'web', '-n', 'default']);
  assert.notEqual(remove.code, 0);
  assert.match(
    remove.stderr,
    /services "web" is forbidden: User "system:serviceaccount:baremetal-lb-system:controller" cannot delete resource "services" in API group "" in the namespace "default"/,
  );
  assert.equal((await kubectl(['get', 'service', 'web', '-o', 'name'])).trim(), 'service/web');

  const canI = async (...args: string[]) => {
    const r = await kubectlResult([
      'auth',
      'can-i',
      ...args,
      '--as=system:serviceaccount:baremetal-lb-system:controller',
    ]);
    return r.stdout.trim();
  };
  assert.equal(await canI('list', 'services', '--all-namespaces'), 'yes');
  assert.equal(await canI('update', 'services', '--subresource=status', '-n', 'default'), 'yes');
  assert.equal(await canI('delete', 'services', '-n', 'default'), 'no');
  assert.equal(
    await canI('get', 'leases.coordination.k8s.io/baremetal-lb-controller', '-n', 'baremetal-lb-system'),
    'yes',
  );
  assert.equal(await canI('get', 'leases.coordination.k8s.io/other', '-n', 'baremetal-lb-system'), 'no');

  const speaker = (await kubectl(['create', 'token', 'speaker', '-n', 'baremetal-lb-system'])).trim();
  const speakerNodes = await asToken(speaker, ['get', 'nodes']);
  assert.equal(speakerNodes.code, 0, speakerNodes.stderr);
  const speakerSecrets = await asToken(speaker, ['get', 'secrets', '-n', 'baremetal-lb-system']);
  assert.match(speakerSecrets.stderr, /\(Forbidden\)/);
});

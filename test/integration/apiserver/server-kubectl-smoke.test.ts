// The real kubectl against the lab API server: discovery, apply with default validation, and
// server-side Tables for get.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { type ApiServer, startApiServer } from '../../../lab/apiserver/server.ts';

const run = promisify(execFile);
let server: ApiServer;
let dir: string;
let kubeconfig: string;

before(async () => {
  server = await startApiServer();
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'apiserver-kubectl-'));
  kubeconfig = path.join(dir, 'kubeconfig');
  await server.writeKubeconfig(kubeconfig);
});
after(async () => {
  await server.close();
  await fs.rm(dir, { recursive: true, force: true });
});

async function kubectl(...args: string[]): Promise<string> {
  const { stdout } = await run('kubectl', ['--kubeconfig', kubeconfig, ...args], {
    env: { ...process.env, KUBECACHEDIR: path.join(dir, 'cache') },
  });
  return stdout;
}

test('kubectl get ns lists the namespaces that exist from the start', async () => {
  const out = await kubectl('get', 'ns');
  for (const name of ['default', 'kube-system', 'kube-public', 'kube-node-lease'])
    assert.match(out, new RegExp(`^${name}\\s`, 'm'));
});

test('kubectl apply -f creates, re-applies unchanged, then configures a ConfigMap', async () => {
  const file = path.join(dir, 'cm.yaml');
  const manifest = (value: string) =>
    `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: smoke\ndata:\n  key: "${value}"\n`;
  await fs.writeFile(file, manifest('1'));
  assert.match(await kubectl('apply', '-f', file), /configmap\/smoke created/);
  assert.match(await kubectl('apply', '-f', file), /configmap\/smoke unchanged/);
  await fs.writeFile(file, manifest('2'));
  assert.match(await kubectl('apply', '-f', file), /configmap\/smoke configured/);
  const list = JSON.parse(await kubectl('get', 'cm', '-o', 'json')) as {
    items: { metadata: { name: string }; data: Record<string, string> }[];
  };
  const smoke = list.items.find((i) => i.metadata.name === 'smoke');
  assert.deepEqual(smoke?.data, { key: '2' });
});

test('kubectl get svc shows the server-side Table columns', async () => {
  const file = path.join(dir, 'svc.yaml');
  await fs.writeFile(
    file,
    'apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  type: LoadBalancer\n  ports:\n  - port: 80\n',
  );
  await kubectl('apply', '-f', file);
  const out = await kubectl('get', 'svc', 'web');
  assert.match(out, /EXTERNAL-IP/);
  assert.match(out, /^web\s+LoadBalancer\s+10\.96\./m);
});

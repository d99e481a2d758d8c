import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { HttpMethod, RequestContext } from '@kubernetes/client-node';
import { loadKubeConfig } from '../../../common/kube/kubeconfig.ts';

const kubeconfig = (server: string) => `apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "${server}", insecure-skip-tls-verify: true}}]
users: [{name: u, user: {token: t}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
current-context: x
`;

test('requests share one connection pool (dispatcher) instead of one per request', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'kubeconfig-test-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'kubeconfig');
  writeFileSync(file, kubeconfig('https://127.0.0.1:6443'));
  const config = loadKubeConfig(file);
  const dispatchers = [];
  for (let i = 0; i < 3; i++) {
    const context = new RequestContext('https://127.0.0.1:6443/api', HttpMethod.GET);
    await config.applySecurityAuthentication(context);
    dispatchers.push(context.getDispatcher());
  }
  assert.ok(dispatchers[0] !== undefined);
  assert.equal(dispatchers[1], dispatchers[0]);
  assert.equal(dispatchers[2], dispatchers[0]);
});

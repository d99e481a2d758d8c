// `baremetal-lb apiserver` logs every 403 as one JSON line on stderr, and keeps its token signing
// key (mode 0600) in the data directory.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';

const entry = new URL('../../../bin/main.mjs', import.meta.url).pathname;

test('a refused request becomes a JSON "forbidden" line on stderr', async (t) => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'rbac-cli-'));
  t.after(() => fs.rm(dir, { recursive: true, force: true }));
  const child = spawn(process.execPath, [entry, 'apiserver', '--listen', '127.0.0.1:0', '--data-dir', dir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  t.after(async () => {
    if (child.exitCode === null) child.kill('SIGKILL');
    await exited;
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('\n')) resolve(out.trim());
    });
    child.on('exit', () => reject(new Error(`apiserver exited: ${stderr}`)));
  });
  const post = (p: string, body: unknown) =>
    fetch(`${url}${p}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  assert.equal(
    (await post('/api/v1/namespaces/default/serviceaccounts', { metadata: { name: 'bot' } })).status,
    201,
  );
  const issued = (await (await post('/api/v1/namespaces/default/serviceaccounts/bot/token', {})).json()) as {
    status: { token: string };
  };
  const refused = await fetch(`${url}/api/v1/namespaces/default/secrets`, {
    headers: { authorization: `Bearer ${issued.status.token}` },
  });
  assert.equal(refused.status, 403);
  await refused.body?.cancel();
  child.kill('SIGTERM');
  await exited;

  const lines = stderr.split('\n').filter((l) => l.startsWith('{'));
  const logged = lines
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((l) => l.msg === 'forbidden');
  assert.equal(logged.length, 1, stderr);
  assert.deepEqual(
    { ...logged[0], time: undefined },
    {
      level: 'warn',
      time: undefined,
      msg: 'forbidden',
      user: 'system:serviceaccount:default:bot',
      verb: 'list',
      apiGroup: '',
      resource: 'secrets',
      namespace: 'default',
      path: '/api/v1/namespaces/default/secrets',
      message:
        'secrets is forbidden: User "system:serviceaccount:default:bot" cannot list resource "secrets" in API group "" in the namespace "default"',
    },
  );
  assert.equal((await fs.stat(path.join(dir, 'service-account-signing.key'))).mode & 0o777, 0o600);
});

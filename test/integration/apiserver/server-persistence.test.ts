// --data-dir durability: everything acknowledged survives a clean restart and a kill -9, and the
// resourceVersion keeps growing across restarts.

import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { startApiServer } from '../../../lab/apiserver/server.ts';

const repo = path.resolve(import.meta.dirname, '../../..');

async function tempDir(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'apiserver-data-'));
  t.after(() => fs.rm(dir, { recursive: true, force: true }));
  return dir;
}

async function request(
  url: string,
  method: string,
  body?: unknown,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(url, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

const configMap = (name: string) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name },
  data: { name },
});
const rvOf = (object: Record<string, unknown>) =>
  Number((object.metadata as { resourceVersion: string }).resourceVersion);

test('objects and the resourceVersion counter survive close and restart', async (t) => {
  const dataDir = await tempDir(t);
  const first = await startApiServer({ dataDir });
  const created = await request(
    `${first.url}/api/v1/namespaces/default/configmaps`,
    'POST',
    configMap('kept'),
  );
  assert.equal(created.status, 201);
  await request(`${first.url}/api/v1/namespaces/default/configmaps`, 'POST', configMap('removed'));
  await request(`${first.url}/api/v1/namespaces/default/configmaps/removed`, 'DELETE');
  const lastRv = rvOf((await request(`${first.url}/api/v1/namespaces/default/configmaps`, 'GET')).json);
  await first.close();

  const second = await startApiServer({ dataDir });
  t.after(() => second.close());
  const list = await request(`${second.url}/api/v1/namespaces/default/configmaps`, 'GET');
  const items = list.json.items as { metadata: { name: string } }[];
  assert.deepEqual(
    items.map((i) => i.metadata.name),
    ['kept'],
  );
  const next = await request(
    `${second.url}/api/v1/namespaces/default/configmaps`,
    'POST',
    configMap('later'),
  );
  assert.ok(rvOf(next.json) > lastRv, `new resourceVersion ${rvOf(next.json)} must exceed ${lastRv}`);
});

test('custom resources are served again after a restart', async (t) => {
  const dataDir = await tempDir(t);
  const crd = {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'gadgets.lab.example.com' },
    spec: {
      group: 'lab.example.com',
      scope: 'Cluster',
      names: { plural: 'gadgets', kind: 'Gadget' },
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
        },
      ],
    },
  };
  const first = await startApiServer({ dataDir });
  assert.equal(
    (await request(`${first.url}/apis/apiextensions.k8s.io/v1/customresourcedefinitions`, 'POST', crd))
      .status,
    201,
  );
  const gadget = {
    apiVersion: 'lab.example.com/v1',
    kind: 'Gadget',
    metadata: { name: 'g1' },
    spec: { n: 1 },
  };
  assert.equal((await request(`${first.url}/apis/lab.example.com/v1/gadgets`, 'POST', gadget)).status, 201);
  await first.close();
  const second = await startApiServer({ dataDir });
  t.after(() => second.close());
  const read = await request(`${second.url}/apis/lab.example.com/v1/gadgets/g1`, 'GET');
  assert.equal(read.status, 200);
  assert.deepEqual(read.json.spec, { n: 1 });
});

function startChild(dataDir: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(
    path.join(repo, 'bin/baremetal-lb'),
    ['apiserver', '--listen', '127.0.0.1:0', '--data-dir', dataDir],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /^(http:\/\/\S+)$/m.exec(out);
      if (match) resolve({ child, url: match[1]! });
    });
    child.once('exit', (code) => reject(new Error(`apiserver exited early with ${code}`)));
  });
}

function killHard(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

test('every acknowledged write survives kill -9 of the CLI server', async (t) => {
  const dataDir = await tempDir(t);
  const first = await startChild(dataDir);
  t.after(() => killHard(first.child));
  let lastRv = 0;
  for (let i = 0; i < 50; i++) {
    const created = await request(
      `${first.url}/api/v1/namespaces/default/configmaps`,
      'POST',
      configMap(`cm-${i}`),
    );
    assert.equal(created.status, 201);
    lastRv = rvOf(created.json);
  }
  await killHard(first.child);

  const second = await startChild(dataDir);
  t.after(() => killHard(second.child));
  const list = await request(`${second.url}/api/v1/namespaces/default/configmaps`, 'GET');
  assert.equal((list.json.items as unknown[]).length, 50);
  const next = await request(
    `${second.url}/api/v1/namespaces/default/configmaps`,
    'POST',
    configMap('after-crash'),
  );
  assert.ok(rvOf(next.json) > lastRv);
});

test('the CLI stops cleanly with status 0 on SIGTERM', async (t) => {
  const dataDir = await tempDir(t);
  const { child } = await startChild(dataDir);
  t.after(() => killHard(child));
  const [code, signal] = await new Promise<[number | null, string | null]>((resolve) => {
    child.once('exit', (c, s) => resolve([c, s]));
    child.kill('SIGTERM');
  });
  assert.deepEqual([code, signal], [0, null]);
});

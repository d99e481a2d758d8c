// CustomResourceDefinitions: established at once, their resources served (discovery, schema
// validation and defaulting, status subresource), and removed with the CRD.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { type ApiServer, startApiServer } from '../../../lab/apiserver/server.ts';

// biome-ignore lint/suspicious/noExplicitAny: JSON answers are inspected loosely in assertions
type Loose = Record<string, any>;

const run = promisify(execFile);
let server: ApiServer;
let dir: string;
let kubeconfig: string;

const crd = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'widgets.lab.example.com' },
  spec: {
    group: 'lab.example.com',
    scope: 'Namespaced',
    names: { plural: 'widgets', singular: 'widget', kind: 'Widget', shortNames: ['wg'] },
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        subresources: { status: {} },
        additionalPrinterColumns: [{ name: 'Size', type: 'integer', jsonPath: '.spec.size' }],
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: {
              spec: {
                type: 'object',
                required: ['size'],
                properties: {
                  size: { type: 'integer', minimum: 1 },
                  color: { type: 'string', default: 'blue' },
                },
              },
              status: { type: 'object', properties: { ready: { type: 'boolean' } } },
            },
          },
        },
      },
    ],
  },
};

before(async () => {
  server = await startApiServer();
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'apiserver-crd-'));
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

async function send(method: string, urlPath: string, body?: unknown, contentType = 'application/json') {
  const res = await fetch(`${server.url}${urlPath}`, {
    method,
    headers: { 'content-type': contentType },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, json: (await res.json()) as Loose };
}

const widgets = '/apis/lab.example.com/v1/namespaces/default/widgets';

test('kubectl applies a CRD, waits for Established, then applies and lists its resources', async () => {
  const crdFile = path.join(dir, 'crd.json');
  await fs.writeFile(crdFile, JSON.stringify(crd));
  assert.match(await kubectl('apply', '-f', crdFile), /created/);
  await kubectl('wait', '--for=condition=Established', '--timeout=10s', 'crd/widgets.lab.example.com');
  const crFile = path.join(dir, 'widget.yaml');
  await fs.writeFile(
    crFile,
    'apiVersion: lab.example.com/v1\nkind: Widget\nmetadata:\n  name: first\nspec:\n  size: 3\n',
  );
  assert.match(await kubectl('apply', '-f', crFile), /widget.lab.example.com\/first created/);
  assert.match(await kubectl('apply', '-f', crFile), /unchanged/);
  const table = await kubectl('get', 'wg');
  assert.match(table, /SIZE/);
  assert.match(table, /^first\s+3\s/m);
});

test('discovery lists the custom resource with its status subresource', async () => {
  const list = await send('GET', '/apis/lab.example.com/v1');
  const names = (list.json.resources as { name: string }[]).map((r) => r.name);
  assert.deepEqual(names, ['widgets', 'widgets/status']);
  const groups = await send('GET', '/apis');
  assert.ok((groups.json.groups as { name: string }[]).some((g) => g.name === 'lab.example.com'));
});

test('schema defaults are applied and violations are 422 with the field', async () => {
  const created = await send('POST', widgets, {
    apiVersion: 'lab.example.com/v1',
    kind: 'Widget',
    metadata: { name: 'defaulted' },
    spec: { size: 1 },
  });
  assert.equal(created.status, 201);
  assert.equal(created.json.spec.color, 'blue');
  assert.equal(created.json.metadata.generation, 1);
  const bad = await send('POST', widgets, {
    apiVersion: 'lab.example.com/v1',
    kind: 'Widget',
    metadata: { name: 'bad' },
    spec: { size: 0 },
  });
  assert.equal(bad.status, 422);
  assert.ok((bad.json.details.causes as { field: string }[]).some((c) => c.field.includes('spec.size')));
});

test('status subresource: only /status writes status; spec changes bump generation', async () => {
  const viaMain = await send(
    'PATCH',
    `${widgets}/defaulted`,
    { status: { ready: true } },
    'application/merge-patch+json',
  );
  assert.equal(viaMain.json.status, undefined);
  const viaStatus = await send(
    'PATCH',
    `${widgets}/defaulted/status`,
    { status: { ready: true } },
    'application/merge-patch+json',
  );
  assert.deepEqual(viaStatus.json.status, { ready: true });
  assert.equal(viaStatus.json.metadata.generation, 1);
  const respec = await send(
    'PATCH',
    `${widgets}/defaulted`,
    { spec: { size: 2 } },
    'application/merge-patch+json',
  );
  assert.equal(respec.json.metadata.generation, 2);
  assert.deepEqual(respec.json.status, { ready: true });
});

test('deleting the CRD removes its resources and stops serving them', async () => {
  assert.equal(
    (await send('DELETE', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.lab.example.com'))
      .status,
    200,
  );
  assert.equal(
    (await send('GET', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.lab.example.com'))
      .status,
    404,
  );
  assert.equal((await send('GET', widgets)).status, 404);
  assert.equal(
    (await send('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd)).status,
    201,
  );
  assert.deepEqual((await send('GET', widgets)).json.items, []);
});

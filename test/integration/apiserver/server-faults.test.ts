// Injected faults and bad input: each answered with the right code and a Status body, and the
// server keeps serving afterwards.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type ApiServer, startApiServer } from '../../../lab/apiserver/server.ts';

let server: ApiServer;
before(async () => {
  server = await startApiServer();
});
after(() => server.close());

const configMaps = '/api/v1/namespaces/default/configmaps';

async function send(
  path: string,
  init: RequestInit = {},
): Promise<{ status: number; type: string | null; body: Record<string, unknown> }> {
  const res = await fetch(`${server.url}${path}`, init);
  return {
    status: res.status,
    type: res.headers.get('content-type'),
    body: (await res.json()) as Record<string, unknown>,
  };
}

const post = (path: string, body: string, contentType = 'application/json') =>
  send(path, { method: 'POST', headers: { 'content-type': contentType }, body });

function assertStatus(answer: Awaited<ReturnType<typeof send>>, code: number, reason: string): void {
  assert.equal(answer.status, code);
  assert.equal(answer.type, 'application/json');
  assert.equal(answer.body.kind, 'Status');
  assert.equal(answer.body.apiVersion, 'v1');
  assert.equal(answer.body.status, 'Failure');
  assert.equal(answer.body.code, code);
  assert.equal(answer.body.reason, reason);
  assert.equal(typeof answer.body.message, 'string');
}

async function stillServes(): Promise<void> {
  assert.equal((await send('/api/v1/namespaces/default')).status, 200);
}

const badInput: {
  name: string;
  path?: string;
  body: string;
  contentType?: string;
  code: number;
  reason: string;
}[] = [
  { name: 'malformed JSON', body: '{"metadata": {', code: 400, reason: 'BadRequest' },
  {
    name: 'malformed YAML',
    body: 'metadata: [unclosed',
    contentType: 'application/yaml',
    code: 400,
    reason: 'BadRequest',
  },
  {
    name: 'protobuf body',
    body: 'k8s\0',
    contentType: 'application/vnd.kubernetes.protobuf',
    code: 415,
    reason: 'UnsupportedMediaType',
  },
  {
    name: 'body over 3 MiB',
    body: JSON.stringify({ metadata: { name: 'big' }, data: { x: 'x'.repeat(3 * 1024 * 1024) } }),
    code: 413,
    reason: 'RequestEntityTooLarge',
  },
  {
    name: 'namespace differs from the URL',
    body: JSON.stringify({ metadata: { name: 'x', namespace: 'kube-system' } }),
    code: 400,
    reason: 'BadRequest',
  },
  {
    name: 'kind differs from the URL',
    body: JSON.stringify({ kind: 'Secret', metadata: { name: 'x' } }),
    code: 400,
    reason: 'BadRequest',
  },
  {
    name: 'name that is not DNS-1123',
    body: JSON.stringify({ metadata: { name: 'Not_Valid' } }),
    code: 422,
    reason: 'Invalid',
  },
  { name: 'missing name', body: JSON.stringify({ metadata: {} }), code: 422, reason: 'Invalid' },
  {
    name: 'unknown resource',
    path: '/api/v1/namespaces/default/widgets',
    body: '{}',
    code: 404,
    reason: 'NotFound',
  },
  { name: 'unknown group', path: '/apis/example.com/v1/things', body: '{}', code: 404, reason: 'NotFound' },
];

for (const c of badInput) {
  test(`bad input: ${c.name} → ${c.code} ${c.reason}`, async () => {
    assertStatus(await post(c.path ?? configMaps, c.body, c.contentType), c.code, c.reason);
    await stillServes();
  });
}

test('a YAML body is accepted', async () => {
  const answer = await post(
    configMaps,
    'metadata:\n  name: from-yaml\ndata:\n  a: "1"\n',
    'application/yaml',
  );
  assert.equal(answer.status, 201);
});

test('a patch with an unsupported media type is 415, a broken JSON patch 422', async () => {
  await post(configMaps, JSON.stringify({ metadata: { name: 'patched' } }));
  const apply = await send(`${configMaps}/patched`, {
    method: 'PATCH',
    headers: { 'content-type': 'application/apply-patch+yaml' },
    body: '{}',
  });
  assertStatus(apply, 415, 'UnsupportedMediaType');
  const broken = await send(`${configMaps}/patched`, {
    method: 'PATCH',
    headers: { 'content-type': 'application/json-patch+json' },
    body: JSON.stringify([{ op: 'remove', path: '/data/absent' }]),
  });
  assertStatus(broken, 422, 'Invalid');
  await stillServes();
});

test('failNext fails exactly the next n requests with the given code', async () => {
  server.faults.failNext(2, 500);
  assertStatus(await send('/api/v1/namespaces'), 500, 'InternalError');
  assertStatus(await send('/api/v1/namespaces'), 500, 'InternalError');
  assert.equal((await send('/api/v1/namespaces')).status, 200);
  server.faults.failNext(1, 409);
  assertStatus(await post(configMaps, JSON.stringify({ metadata: { name: 'conflicted' } })), 409, 'Conflict');
  assert.equal(
    (await send(`${configMaps}/conflicted`)).status,
    404,
    'a failed request must not have written',
  );
});

test('pause holds requests until resume, then answers them', async () => {
  server.faults.pause();
  let answered = false;
  const pending = send('/api/v1/namespaces').then((a) => {
    answered = true;
    return a;
  });
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(answered, false);
  server.faults.resume();
  assert.equal((await pending).status, 200);
});

test('unknown fields: 400 under fieldValidation=Strict, dropped otherwise', async () => {
  const typo = JSON.stringify({
    metadata: { name: 'typo' },
    spec: { port: 80, ports: [{ port: 80, nodeport: 1 }] },
  });
  const strict = await post('/api/v1/namespaces/default/services?fieldValidation=Strict', typo);
  assertStatus(strict, 400, 'BadRequest');
  assert.match(
    String(strict.body.message),
    /unknown field "spec.port", unknown field "spec.ports\[0\].nodeport"/,
  );
  const lenient = await post('/api/v1/namespaces/default/services', typo);
  assert.equal(lenient.status, 201);
  const spec = lenient.body.spec as Record<string, unknown>;
  assert.equal(spec.port, undefined);
  assert.deepEqual(Object.keys((spec.ports as object[])[0]!).sort(), ['port', 'protocol', 'targetPort']);
});

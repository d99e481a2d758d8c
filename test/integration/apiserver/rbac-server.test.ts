// Authentication and RBAC over plain HTTP: the 401 and 403 bodies, TokenRequest, the denial
// record, tokens across a restart, targeted faults, and client-node using a token.

import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { type ApiServer, type Denial, startApiServer } from '../../../lab/apiserver/server.ts';

let server: ApiServer;
const logged: Denial[] = [];
before(async () => {
  server = await startApiServer({ onDenial: (d) => logged.push(d) });
  await admin('POST', '/api/v1/namespaces/default/serviceaccounts', { metadata: { name: 'bot' } });
  await admin('POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles', {
    metadata: { name: 'svc' },
    rules: [{ apiGroups: [''], resources: ['services'], verbs: ['get'] }],
  });
  await admin('POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings', {
    metadata: { name: 'svc' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'svc' },
    subjects: [{ kind: 'ServiceAccount', name: 'bot' }],
  });
});
after(() => server.close());

async function send(method: string, path: string, body?: unknown, token?: string) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers,
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}
const admin = (method: string, path: string, body?: unknown) => send(method, path, body, 'lab-admin-token');

test('TokenRequest: 201 with the token and its expiry, 404 for a missing ServiceAccount, 422 below 10 minutes', async () => {
  const path = '/api/v1/namespaces/default/serviceaccounts/bot/token';
  const created = await admin('POST', path, {
    apiVersion: 'authentication.k8s.io/v1',
    kind: 'TokenRequest',
    spec: { expirationSeconds: 7200, audiences: ['https://kubernetes.default.svc.cluster.local', 'extra'] },
  });
  assert.equal(created.status, 201);
  assert.equal(created.body.kind, 'TokenRequest');
  const spec = created.body.spec as Record<string, unknown>;
  assert.deepEqual(spec.audiences, ['https://kubernetes.default.svc.cluster.local', 'extra']);
  const status = created.body.status as { token: string; expirationTimestamp: string };
  const issued = Date.parse((created.body.metadata as { creationTimestamp: string }).creationTimestamp);
  assert.equal(Date.parse(status.expirationTimestamp) - issued, 7200_000);
  assert.equal(
    (await send('GET', '/api/v1/namespaces/default/services', undefined, status.token)).status,
    403,
  );

  const missing = await admin('POST', '/api/v1/namespaces/default/serviceaccounts/nobody/token', {});
  assert.equal(missing.status, 404);
  assert.equal(missing.body.message, 'serviceaccounts "nobody" not found');
  const short = await admin('POST', path, { spec: { expirationSeconds: 60 } });
  assert.equal(short.status, 422);
  assert.match(
    String(short.body.message),
    /spec\.expirationSeconds: Invalid value: 60: may not specify a duration less than 10 minutes/,
  );
});

test('401 with a real Status for a token the server did not issue', async () => {
  const answer = await send('GET', '/api/v1/namespaces', undefined, 'made.up.token');
  assert.equal(answer.status, 401);
  assert.deepEqual(answer.body, {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: 'Unauthorized',
    reason: 'Unauthorized',
    code: 401,
  });
});

test('403 with the real message and details; a refused watch streams nothing; every refusal recorded', async () => {
  const token = server.issueToken('default', 'bot');
  const before = server.denials.length;
  assert.equal((await send('GET', '/api/v1/namespaces/default/services/none', undefined, token)).status, 404);
  assert.equal((await send('GET', '/version', undefined, token)).status, 200);

  const update = await send(
    'PUT',
    '/api/v1/namespaces/default/services/web/status',
    { metadata: { name: 'web' } },
    token,
  );
  assert.equal(update.status, 403);
  assert.equal(update.body.reason, 'Forbidden');
  assert.equal(update.body.code, 403);
  assert.equal(
    update.body.message,
    'services "web" is forbidden: User "system:serviceaccount:default:bot" cannot update resource "services/status" in API group "" in the namespace "default"',
  );
  assert.deepEqual(update.body.details, { name: 'web', group: '', kind: 'services' });

  const res = await fetch(`${server.url}/api/v1/services?watch=true`, {
    headers: { authorization: `Bearer ${token}` },
  });
  assert.equal(res.status, 403);
  assert.equal(res.headers.get('content-type'), 'application/json');
  assert.match(
    ((await res.json()) as { message: string }).message,
    /cannot watch resource "services" in API group "" at the cluster scope/,
  );

  const path = await send('GET', '/foo', undefined, token);
  assert.equal(
    path.body.message,
    'forbidden: User "system:serviceaccount:default:bot" cannot get path "/foo"',
  );

  const recorded = server.denials.slice(before);
  assert.deepEqual(
    recorded.map(({ verb, resource, subresource, namespace, name, path }) => ({
      verb,
      resource,
      subresource,
      namespace,
      name,
      path,
    })),
    [
      {
        verb: 'update',
        resource: 'services',
        subresource: 'status',
        namespace: 'default',
        name: 'web',
        path: '/api/v1/namespaces/default/services/web/status',
      },
      {
        verb: 'watch',
        resource: 'services',
        subresource: undefined,
        namespace: undefined,
        name: undefined,
        path: '/api/v1/services',
      },
      {
        verb: 'get',
        resource: '',
        subresource: undefined,
        namespace: undefined,
        name: undefined,
        path: '/foo',
      },
    ],
  );
  assert.equal(recorded[0]!.message, update.body.message);
  assert.deepEqual(logged.slice(-3), recorded);
});

test('RBAC changes apply to the next request', async () => {
  const token = server.issueToken('default', 'bot');
  const list = () => send('GET', '/api/v1/namespaces/default/configmaps', undefined, token);
  assert.equal((await list()).status, 403);
  await admin('POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles', {
    metadata: { name: 'cm' },
    rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['list'] }],
  });
  assert.equal((await list()).status, 403, 'a Role without a binding grants nothing');
  await admin('POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings', {
    metadata: { name: 'cm' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'cm' },
    subjects: [{ kind: 'ServiceAccount', name: 'bot', namespace: 'default' }],
  });
  assert.equal((await list()).status, 200);
  await admin('DELETE', '/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles/cm');
  const orphaned = await list();
  assert.equal(orphaned.status, 403);
  assert.match(String(orphaned.body.message), /: RBAC: role\.rbac\.authorization\.k8s\.io "cm" not found$/);
  await admin('DELETE', '/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings/cm');
});

test('client-node sends the token over HTTP and gets the 403', async () => {
  const kc = new KubeConfig();
  kc.loadFromString(server.kubeconfig());
  kc.users = [{ name: 'lab-admin', token: server.issueToken('default', 'bot') }];
  const core = kc.makeApiClient(CoreV1Api);
  await assert.rejects(core.listNamespacedService({ namespace: 'default' }), { code: 403 });
});

test('targeted faults fail only matching requests; the two-argument form fails any', async () => {
  const x = { metadata: { name: 'x' } };
  server.faults.failNext(1, 409, { method: 'put', path: /\/services\/[^/]+\/status$/ });
  assert.equal((await admin('GET', '/api/v1/namespaces/default')).status, 200);
  assert.equal((await admin('PUT', '/api/v1/namespaces/default/services/x', x)).status, 404);
  assert.equal((await admin('PUT', '/api/v1/namespaces/default/services/x/status', x)).status, 409);
  assert.equal((await admin('PUT', '/api/v1/namespaces/default/services/x/status', x)).status, 404);
  server.faults.failNext(1, 500, { path: '/api/v1/namespaces/kube-system' });
  assert.equal((await admin('GET', '/api/v1/namespaces/default')).status, 200);
  assert.equal((await admin('GET', '/api/v1/namespaces/kube-system?x=1')).status, 500);
  server.faults.failNext(1, 500);
  assert.equal((await admin('GET', '/version')).status, 500);
  assert.equal((await admin('GET', '/version')).status, 200);
});

test('with a data directory, tokens stay valid across a restart', async (t) => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'rbac-restart-'));
  t.after(() => fs.rm(dir, { recursive: true, force: true }));
  let first: ApiServer | undefined = await startApiServer({ dataDir: dir });
  t.after(() => first?.close());
  await fetch(`${first.url}/api/v1/namespaces/default/serviceaccounts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ metadata: { name: 'keeper' } }),
  });
  const token = first.issueToken('default', 'keeper');
  await first.close();
  first = undefined;
  const second = await startApiServer({ dataDir: dir });
  t.after(() => second.close());
  const get = (url: string) => fetch(url, { headers: { authorization: `Bearer ${token}` } });
  const answer = await get(`${second.url}/api/v1/namespaces/default/configmaps`);
  assert.equal(answer.status, 403, 'authenticated (not 401), then refused by RBAC');
  await answer.body?.cancel();
});

test('impersonation: the admin may, a ServiceAccount may not; SelfSubjectAccessReview answers for the asker', async () => {
  const token = server.issueToken('default', 'bot');
  const asBot = { 'impersonate-user': 'system:serviceaccount:default:bot' };
  const get = (headers: Record<string, string>) =>
    fetch(`${server.url}/api/v1/namespaces/default/services/none`, { headers }).then((r) => r.status);
  assert.equal(
    await get({ authorization: 'Bearer lab-admin-token', ...asBot }),
    404,
    'get allowed, no such Service',
  );
  const list = await fetch(`${server.url}/api/v1/namespaces/default/services`, { headers: asBot });
  assert.equal(list.status, 403);
  await list.body?.cancel();
  const escalate = await fetch(`${server.url}/api/v1/nodes`, {
    headers: {
      authorization: `Bearer ${token}`,
      'impersonate-user': 'lab-admin',
      'impersonate-group': 'system:masters',
    },
  });
  assert.equal(escalate.status, 403);
  assert.equal(
    ((await escalate.json()) as { message: string }).message,
    'users "lab-admin" is forbidden: User "system:serviceaccount:default:bot" cannot impersonate resource "users" in API group "" at the cluster scope',
  );
  assert.equal(await get({ 'impersonate-group': 'system:masters' }), 400);

  const review = (attributes: Record<string, string>) =>
    send(
      'POST',
      '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
      { spec: { resourceAttributes: attributes } },
      token,
    );
  const allowed = await review({ verb: 'get', resource: 'services', namespace: 'default', name: 'web' });
  assert.equal(allowed.status, 201);
  assert.deepEqual(allowed.body.status, { allowed: true });
  const denied = await review({ verb: 'list', resource: 'services', namespace: 'default' });
  assert.deepEqual(denied.body.status, { allowed: false });
});

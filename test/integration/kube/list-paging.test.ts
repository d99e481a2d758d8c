// Lists in chunks, against an API server (embedded, or the real one with BLB_KUBE=real): pages of at
// most `limit` objects in name order, a continue token while more remain, the count of what remains
// when nothing is selected, the first page's resourceVersion on every page, and the refusals of a
// continue token that is garbage or comes with a resourceVersion. Our own client reads every list
// this way (pages of 500); the embedded server used to ignore `limit`, so only the real one tested it.

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startTestCluster, type TestCluster } from '../../kube-cluster.ts';

interface ConfigMapList {
  metadata: { resourceVersion: string; continue?: string; remainingItemCount?: number };
  items: { metadata: { name: string } }[];
}

const namespace = 'paging';
const names = ['cm-a', 'cm-b', 'cm-c', 'cm-d', 'cm-e', 'cm-f', 'cm-g'];
let dir: string;
let cluster: TestCluster;

async function request(method: string, path: string, body?: unknown) {
  return cluster.request({ method, path, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
}

async function list(query: string): Promise<{ status: number; list: ConfigMapList; body: string }> {
  const { status, body } = await request('GET', `/api/v1/namespaces/${namespace}/configmaps?${query}`);
  return { status, list: JSON.parse(body) as ConfigMapList, body };
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'list-paging-'));
  cluster = await startTestCluster(dir);
  const created = await request('POST', '/api/v1/namespaces', { metadata: { name: namespace } });
  assert.equal(created.status, 201, created.body);
  // Created out of order: the pages must come in name order all the same.
  for (const name of [...names].reverse()) {
    const made = await request('POST', `/api/v1/namespaces/${namespace}/configmaps`, {
      metadata: { name, labels: { odd: String(names.indexOf(name) % 2 === 1) } },
    });
    assert.equal(made.status, 201, made.body);
  }
});

after(async () => {
  await cluster?.close();
  await rm(dir, { recursive: true, force: true });
});

/**
 * The namespace's ConfigMaps, listed whole: ours, and on the real cluster the kube-root-ca.crt that
 * kube-controller-manager puts in every namespace.
 */
async function allNames(): Promise<string[]> {
  const { status, list: whole, body } = await list('');
  assert.equal(status, 200, body);
  return whole.items.map((i) => i.metadata.name);
}

test('limit 3 gives pages of 3 in name order, each with the first page resourceVersion', async () => {
  const all = await allNames();
  assert.deepEqual(all, [...all].sort(), 'a whole list comes in name order too');
  assert.deepEqual(
    all.filter((n) => names.includes(n)),
    names,
  );
  const pages: ConfigMapList[] = [];
  let token: string | undefined;
  do {
    const {
      status,
      list: page,
      body,
    } = await list(`limit=3${token ? `&continue=${encodeURIComponent(token)}` : ''}`);
    assert.equal(status, 200, body);
    pages.push(page);
    token = page.metadata.continue;
  } while (token && pages.length < 5);
  const chunks = Array.from({ length: Math.ceil(all.length / 3) }, (_, i) => all.slice(3 * i, 3 * i + 3));
  assert.deepEqual(
    pages.map((p) => p.items.map((i) => i.metadata.name)),
    chunks,
  );
  assert.deepEqual(
    pages.map((p) => p.metadata.remainingItemCount),
    chunks.map((_, i) => (i === chunks.length - 1 ? undefined : all.length - 3 * (i + 1))),
  );
  assert.equal(new Set(pages.map((p) => p.metadata.resourceVersion)).size, 1);
});

test('without a limit, or with one that covers everything, there is one page and no continue token', async () => {
  const count = (await allNames()).length;
  for (const query of [`limit=${count}`, 'limit=500', 'limit=0']) {
    const { status, list: page } = await list(query);
    assert.equal(status, 200);
    assert.equal(page.items.length, count, query);
    assert.equal(page.metadata.continue, undefined, query);
  }
});

test('with a label selector the pages hold only what matches, and no count of what remains', async () => {
  const first = await list('limit=2&labelSelector=odd%3Dfalse');
  assert.equal(first.status, 200, first.body);
  assert.ok(first.list.metadata.continue, 'four match: a second page follows');
  assert.equal(first.list.metadata.remainingItemCount, undefined);
  const rest = await list(
    `labelSelector=odd%3Dfalse&continue=${encodeURIComponent(first.list.metadata.continue!)}`,
  );
  assert.equal(rest.status, 200, rest.body);
  const seen = [...first.list.items, ...rest.list.items].map((i) => i.metadata.name);
  assert.deepEqual(seen, ['cm-a', 'cm-c', 'cm-e', 'cm-g']);
});

test('a continue token that is garbage, or comes with a resourceVersion, is refused with 400', async () => {
  const garbage = await list('limit=3&continue=not-a-token');
  assert.equal(garbage.status, 400, garbage.body);
  const first = await list('limit=3');
  const token = encodeURIComponent(first.list.metadata.continue!);
  const withVersion = await list(
    `limit=3&continue=${token}&resourceVersion=${first.list.metadata.resourceVersion}`,
  );
  assert.equal(withVersion.status, 400, withVersion.body);
  assert.match(withVersion.body, /specifying resource version is not allowed when using continue/);
});

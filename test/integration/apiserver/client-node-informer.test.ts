// client-node informers (list + watch) against the lab API server: live events, resuming after
// dropped watches without loss, and relisting after 410 Expired so objects deleted meanwhile fire
// delete.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  CoreV1Api,
  type Informer,
  KubeConfig,
  makeInformer,
  type ObjectCache,
  type V1ConfigMap,
} from '@kubernetes/client-node';
import { type ApiServer, startApiServer } from '../../../lab/apiserver/server.ts';

interface Harness {
  server: ApiServer;
  core: CoreV1Api;
  informer: Informer<V1ConfigMap> & ObjectCache<V1ConfigMap>;
  seen: string[];
  errors: number;
  /** When false, errors are only counted and the test restarts the informer itself. */
  autoRestart: boolean;
}

async function setUp(
  t: { after: (fn: () => Promise<void>) => void },
  watchHistory?: number,
): Promise<Harness> {
  const server = await startApiServer(watchHistory === undefined ? {} : { watchHistory });
  const kc = new KubeConfig();
  kc.loadFromString(server.kubeconfig());
  const core = kc.makeApiClient(CoreV1Api);
  const informer = makeInformer(kc, '/api/v1/namespaces/default/configmaps', () =>
    core.listNamespacedConfigMap({ namespace: 'default' }),
  );
  const harness: Harness = { server, core, informer, seen: [], errors: 0, autoRestart: true };
  let stopped = false;
  informer.on('add', (o) => harness.seen.push(`add ${o.metadata?.name}`));
  informer.on('update', (o) => harness.seen.push(`update ${o.metadata?.name} ${JSON.stringify(o.data)}`));
  informer.on('delete', (o) => harness.seen.push(`delete ${o.metadata?.name}`));
  // client-node stops for good on a connection error: the application restarts it.
  informer.on('error', () => {
    if (stopped) return; // stop() aborts the watch, which reports an error too
    harness.errors++;
    if (harness.autoRestart) setTimeout(() => void informer.start(), 50);
  });
  t.after(async () => {
    stopped = true;
    await informer.stop();
    await server.close();
  });
  await informer.start();
  return harness;
}

async function waitFor(what: string, predicate: () => boolean): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!predicate()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const create = (core: CoreV1Api, name: string, data: Record<string, string> = {}) =>
  core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name }, data } });

test('informer sees add, update and delete', async (t) => {
  const h = await setUp(t);
  await create(h.core, 'one', { v: '1' });
  await waitFor('add', () => h.seen.includes('add one'));
  await h.core.replaceNamespacedConfigMap({
    name: 'one',
    namespace: 'default',
    body: { metadata: { name: 'one' }, data: { v: '2' } },
  });
  await waitFor('update', () => h.seen.includes('update one {"v":"2"}'));
  await h.core.deleteNamespacedConfigMap({ name: 'one', namespace: 'default' });
  await waitFor('delete', () => h.seen.includes('delete one'));
  assert.deepEqual(h.seen, ['add one', 'update one {"v":"2"}', 'delete one']);
});

test('after dropWatches the restarted informer resumes and misses nothing', async (t) => {
  const h = await setUp(t);
  await create(h.core, 'before');
  await waitFor('add before', () => h.seen.includes('add before'));
  h.server.faults.dropWatches();
  await waitFor('the informer error', () => h.errors === 1);
  await create(h.core, 'while-away');
  await h.core.deleteNamespacedConfigMap({ name: 'before', namespace: 'default' });
  await waitFor(
    'changes made while away',
    () => h.seen.includes('add while-away') && h.seen.includes('delete before'),
  );
  await create(h.core, 'after');
  await waitFor('add after', () => h.seen.includes('add after'));
  assert.deepEqual(
    h.informer.list('default').map((o) => o.metadata?.name),
    ['while-away', 'after'],
  );
});

test('a watch too old for the history gets 410, and the relist fires delete for what went away', async (t) => {
  const h = await setUp(t, 3);
  h.autoRestart = false;
  await create(h.core, 'doomed');
  await waitFor('add doomed', () => h.seen.includes('add doomed'));
  h.server.faults.dropWatches();
  await waitFor('the informer error', () => h.errors === 1);
  await h.core.deleteNamespacedConfigMap({ name: 'doomed', namespace: 'default' });
  for (let i = 0; i < 8; i++) await create(h.core, `filler-${i}`);
  await h.informer.start(); // resumes from a resourceVersion the 3-change history no longer holds
  await waitFor('delete doomed', () => h.seen.includes('delete doomed'));
  await waitFor('all fillers', () => h.informer.list('default').length === 8);
  assert.equal(h.errors, 1);
});

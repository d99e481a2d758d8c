// The shared Kubernetes runtime against an API server (embedded, or the real one with BLB_KUBE=real;
// one per file): informers that survive faults, Events that aggregate, Lease election with a fast
// hand-over, and the health endpoint.

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { CoordinationV1Api, CoreV1Api, KubeConfig, type V1ConfigMap } from '@kubernetes/client-node';
import { Registry } from 'prom-client';
import { fromKubeconfig } from '../../../common/kube/api-config.ts';
import { ApiConnection } from '../../../common/kube/api-connection.ts';
import { EventRecorder } from '../../../common/kube/event-recorder.ts';
import { LeaseElection } from '../../../common/kube/lease-election.ts';
import { ResilientInformer } from '../../../common/kube/resilient-informer.ts';
import { startHealthServer } from '../../../common/observability/health-server.ts';
import { createLogger } from '../../../common/observability/logger.ts';
import { startTestCluster, type TestCluster } from '../../kube-cluster.ts';

const logger = createLogger({ component: 'test', level: 'silent' });

async function waitFor(what: string, predicate: () => boolean | Promise<boolean>, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

let dir = '';
let cluster: TestCluster;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kube-runtime-'));
  cluster = await startTestCluster(dir);
});
after(async () => {
  await cluster?.close();
  await rm(dir, { recursive: true, force: true });
});

function lab() {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromString(cluster.kubeconfig);
  const connection = new ApiConnection(fromKubeconfig(cluster.kubeconfig, dir));
  return { faults: cluster.faults, kubeConfig, connection, core: kubeConfig.makeApiClient(CoreV1Api) };
}

test('an informer restarts after dropped watches and HTTP 500s and misses nothing', async (t) => {
  const { faults, connection, core } = lab();
  const informer = new ResilientInformer<V1ConfigMap>({
    name: 'configmaps',
    connection,
    path: '/api/v1/namespaces/default/configmaps',
    logger,
    backoff: { initialMs: 20, maxMs: 200 },
  });
  t.after(() => informer.stop());
  informer.start();
  await informer.whenSynced;
  assert.equal(informer.synced, true);
  const put = (name: string) =>
    core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name } } });
  await put('one');
  await waitFor('one', () => informer.get('one', 'default') !== undefined);

  faults.dropWatches();
  await put('two');
  await waitFor('two after dropped watches', () => informer.get('two', 'default') !== undefined);

  faults.dropWatches();
  faults.failNext(3, 500); // the re-watch and maybe a relist fail too
  await new Promise((r) => setTimeout(r, 50));
  faults.failNext(0, 500);
  await put('three');
  await core.deleteNamespacedConfigMap({ name: 'one', namespace: 'default' });
  await waitFor(
    'three and one deleted',
    () => informer.get('three', 'default') !== undefined && !informer.get('one', 'default'),
  );
});

test('a list that fails at first still syncs once the server answers', async (t) => {
  const { faults, connection } = lab();
  faults.failNext(2, 500);
  const informer = new ResilientInformer<V1ConfigMap>({
    name: 'configmaps',
    connection,
    path: '/api/v1/namespaces/default/configmaps',
    logger,
    backoff: { initialMs: 20, maxMs: 200 },
  });
  t.after(() => informer.stop());
  informer.start();
  await informer.whenSynced;
  assert.equal(informer.synced, true);
});

test('repeated Events aggregate into one with a count, visible by involvedObject.uid', async () => {
  const { core, connection } = lab();
  const svc = await core.createNamespacedService({
    namespace: 'default',
    body: { metadata: { name: 'web' }, spec: { type: 'LoadBalancer', ports: [{ port: 80 }] } },
  });
  const recorder = new EventRecorder({ connection, component: 'metallb-controller', logger });
  const subject = {
    kind: 'Service',
    apiVersion: 'v1',
    name: 'web',
    namespace: 'default',
    uid: svc.metadata!.uid!,
  };
  for (let i = 0; i < 3; i++)
    void recorder.record(subject, 'Normal', 'IPAllocated', 'Assigned IP ["192.0.2.1"]');
  void recorder.record(subject, 'Warning', 'AllocationFailed', 'no addresses');
  await recorder.flush();
  const events = await core.listNamespacedEvent({
    namespace: 'default',
    fieldSelector: `involvedObject.uid=${svc.metadata!.uid},involvedObject.name=web`,
  });
  const summary = events.items.map((e) => `${e.type} ${e.reason} ${e.count}`).sort();
  assert.deepEqual(summary, ['Normal IPAllocated 3', 'Warning AllocationFailed 1']);
});

test('an Event write that fails is logged, never thrown', async () => {
  const { faults, connection } = lab();
  faults.failNext(1, 500);
  const recorder = new EventRecorder({ connection, component: 'c', logger });
  await recorder.record({ kind: 'Service', name: 'x', namespace: 'default' }, 'Normal', 'R', 'm');
});

test('two candidates: exactly one leads; on release the other takes over at once', async (t) => {
  const { connection, kubeConfig } = lab();
  const leading = new Set<string>();
  const stopped: string[] = [];
  const timings = { leaseDurationMs: 30_000, renewDeadlineMs: 20_000, retryPeriodMs: 100 };
  const make = (identity: string) =>
    new LeaseElection({
      connection,
      namespace: 'default',
      name: 'test-lease',
      identity,
      timings,
      logger,
      onStartedLeading: () => leading.add(identity),
      onStoppedLeading: () => {
        leading.delete(identity);
        stopped.push(identity);
      },
    });
  const a = make('a');
  const b = make('b');
  t.after(async () => {
    await a.release();
    await b.release();
  });
  a.start();
  b.start();
  await waitFor('a leader', () => leading.size === 1);
  await new Promise((r) => setTimeout(r, 400)); // several rounds in which both compete
  assert.equal(leading.size, 1);
  const first = [...leading][0]!;
  const [winner, loser] = first === 'a' ? [a, b] : [b, a];
  assert.equal(loser.leader, first);
  await winner.release();
  assert.deepEqual(stopped, [first]);
  // The lease lasts 30 s: taking over within the wait below proves the release, not expiry.
  await waitFor('take-over', () => loser.isLeader, 5000);
  // read back through client-node, a client other than the one under test
  const coordination = kubeConfig.makeApiClient(CoordinationV1Api);
  const lease = await coordination.readNamespacedLease({ name: 'test-lease', namespace: 'default' });
  assert.notEqual(lease.spec?.holderIdentity, first);
  assert.equal(lease.spec?.leaseTransitions, 1);
});

test('health server: /healthz, /readyz following readiness, /metrics', async (t) => {
  const registry = new Registry();
  let ready = false;
  const server = await startHealthServer({
    address: '127.0.0.1:0',
    registry,
    readiness: () => ({ ready, detail: ready ? undefined : 'informers not synced' }),
  });
  t.after(() => server.close());
  const base = `http://${server.address}`;
  assert.equal((await fetch(`${base}/healthz`)).status, 200);
  const notReady = await fetch(`${base}/readyz`);
  assert.equal(notReady.status, 503);
  assert.match(await notReady.text(), /informers not synced/);
  ready = true;
  assert.equal((await fetch(`${base}/readyz`)).status, 200);
  const { createKubeClientMetrics } = await import('../../../common/kube/client-metrics.ts');
  createKubeClientMetrics(registry).configStale.set(1);
  assert.match(await (await fetch(`${base}/metrics`)).text(), /metallb_k8s_client_config_stale_bool 1/);
  assert.equal((await fetch(`${base}/nope`)).status, 404);
});

test('a successful relist starts the restart backoff over', async (t) => {
  const { faults, connection } = lab();
  const delays: number[] = [];
  const destination = {
    write(line: string) {
      const entry = JSON.parse(line) as { msg?: string; delayMs?: number };
      if (entry.msg === 'informer stopped; restarting' && entry.delayMs !== undefined)
        delays.push(entry.delayMs);
    },
  };
  const informer = new ResilientInformer<V1ConfigMap>({
    name: 'configmaps',
    connection,
    path: '/api/v1/namespaces/default/configmaps',
    logger: createLogger({ component: 'test', level: 'warn', destination }),
    backoff: { initialMs: 40, maxMs: 10_000 },
  });
  t.after(() => informer.stop());
  // An outage: the list keeps failing and the waits between restarts grow.
  faults.failNext(4, 500, { method: 'GET', path: '/api/v1/namespaces/default/configmaps' });
  informer.start();
  await informer.whenSynced;
  assert.ok(delays.length >= 4 && delays[3]! > delays[0]! * 4, `the waits grew: ${delays}`);
  // Back and listed: the next failure waits the initial time again, not the outage's last.
  const before = delays.length;
  faults.failNext(1, 500, { method: 'GET', path: '/api/v1/namespaces/default/configmaps' });
  faults.dropWatches();
  await waitFor('a restart after the dropped watch', () => delays.length > before);
  assert.ok(delays[before]! < 100, `after a successful list the wait starts over: ${delays.slice(before)}`);
});

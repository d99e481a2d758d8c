// The pool config source the controller and the speaker share, against an API server (embedded, or
// the real one with BLB_KUBE=real) without
// the metallb.io CRDs (their absence must read as "no such resources"): valid configs reach onValid,
// an invalid one is reported once per distinct set of problems and never replaces the last good one.

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { Registry } from 'prom-client';
import { fromKubeconfig } from '../../../common/kube/api-config.ts';
import { ApiConnection } from '../../../common/kube/api-connection.ts';
import { createKubeClientMetrics } from '../../../common/kube/client-metrics.ts';
import { poolConfigSource } from '../../../common/kube/pool-config-source.ts';
import { createLogger } from '../../../common/observability/logger.ts';
import type { PoolConfig } from '../../../common/pool-config/model.ts';
import type { ConfigProblem } from '../../../common/pool-config/problems.ts';
import { startTestCluster } from '../../kube-cluster.ts';

const logger = createLogger({ component: 'test', level: 'silent' });
const namespace = 'default';

async function waitFor(what: string, predicate: () => boolean, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const poolsYaml = (addresses: string) =>
  `address-pools:\n- name: default\n  protocol: layer2\n  addresses: ['${addresses}']\n`;

test('valid configs load, an invalid one keeps the last good one and is reported once', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'pool-config-source-'));
  const cluster = await startTestCluster(dir);
  t.after(async () => {
    await cluster.close();
    await rm(dir, { recursive: true, force: true });
  });
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromString(cluster.kubeconfig);
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const registry = new Registry();
  const clientMetrics = createKubeClientMetrics(registry);
  const loaded: PoolConfig[] = [];
  const reported: (readonly ConfigProblem[])[] = [];
  const source = poolConfigSource({
    connection: new ApiConnection(fromKubeconfig(cluster.kubeconfig, dir)),
    logger,
    namespace,
    configMapName: 'config',
    backoff: { initialMs: 20, maxMs: 200 },
    clientMetrics,
    onValid: (config) => loaded.push(config),
    onNewProblems: (problems) => reported.push(problems),
  });
  t.after(async () => {
    source.close();
    await Promise.all(source.informers.map((i) => i.stop()));
  });
  const stale = async () => (await clientMetrics.configStale.get()).values[0]?.value;
  const write = (config: string, note: string) =>
    core.replaceNamespacedConfigMap({
      name: 'config',
      namespace,
      body: { metadata: { name: 'config', namespace }, data: { config, note } },
    });

  await core.createNamespacedConfigMap({
    namespace,
    body: { metadata: { name: 'config', namespace }, data: { config: poolsYaml('192.0.2.10-192.0.2.20') } },
  });
  for (const i of source.informers) i.start();
  await waitFor('first config', () => loaded.length === 1);
  assert.deepEqual(
    loaded[0]?.pools.map((p) => p.name),
    ['default'],
  );
  assert.equal(await stale(), 0);

  await write(poolsYaml('192.0.2.300-192.0.2.301'), 'bad');
  await waitFor('problems reported', () => reported.length === 1);
  assert.match(reported[0]?.[0]?.value ?? '', /192\.0\.2\.300/);
  assert.equal(await stale(), 1);

  // The same problems again (another key changed): not reported twice, nothing loaded.
  await write(poolsYaml('192.0.2.300-192.0.2.301'), 'bad again');
  await waitFor(
    'the unchanged configmap seen',
    () => source.configMaps.get('config', namespace)?.data?.note === 'bad again',
  );
  await source.settled();
  assert.equal(reported.length, 1);
  source.reloadReportingProblems();
  await source.settled();
  assert.equal(reported.length, 2, 'a reload that asks for it reports the same problems again');
  assert.equal(loaded.length, 1);

  await write(poolsYaml('198.51.100.0/30'), 'fixed');
  await waitFor('fixed config', () => loaded.length === 2);
  assert.equal(await stale(), 0);
  assert.equal(reported.length, 2);

  source.close();
  await write(poolsYaml('203.0.113.0/30'), 'after close');
  await waitFor(
    'the last configmap seen',
    () => source.configMaps.get('config', namespace)?.data?.note === 'after close',
  );
  assert.equal(loaded.length, 2, 'a closed source loads nothing');
});

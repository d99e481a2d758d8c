// The controller's parts on their own: which Service events are news, and when an allocator exists.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { V1Service } from '@kubernetes/client-node';
import { createLogger } from '../../../common/observability/logger.ts';
import { AllocatorLifecycle } from '../../../controller/allocator-lifecycle.ts';
import { afterPlan } from '../../../controller/echo-filter.ts';
import { ServiceEchoes } from '../../../controller/service-echoes.ts';
import { poolsConfig } from '../allocator/helpers.ts';

const service = (
  extra: Partial<V1Service['spec']> = {},
  annotations: Record<string, string> = {},
): V1Service => ({
  metadata: { name: 'web', namespace: 'shop', annotations },
  spec: { type: 'LoadBalancer', ...extra },
});

test('ServiceEchoes: a first sight is news, the same again is not, and so is the echo of our own write', () => {
  const echoes = new ServiceEchoes();
  const created = service();
  assert.equal(echoes.isNews(created), true);
  assert.equal(echoes.isNews(created), false, 'a resync reads the same');
  const written = afterPlan(created, { ingress: [{ ip: '192.0.2.1' }], pool: 'default' });
  echoes.expect(written);
  assert.equal(echoes.isNews(written), false, 'the echo of our write');
  assert.equal(
    echoes.isNews(service({}, { 'example.com/note': 'x' })),
    true,
    'back to an older state is news',
  );
  const speakerOnly = { ...written, metadata: { ...written.metadata, annotations: { other: 'y' } } };
  assert.equal(echoes.isNews(speakerOnly), true);
  echoes.forget('shop/web');
  assert.equal(echoes.isNews(speakerOnly), true, 'forgotten: seen anew');
});

function lifecycle() {
  const calls: string[] = [];
  let synced = false;
  const part = new AllocatorLifecycle({
    logger: createLogger({ component: 'test', level: 'silent' }),
    lbClass: undefined,
    services: () => [],
    namespaceLabels: () => ({}),
    informersSynced: () => synced,
    reconciler: () => ({ clearing: (key: string) => void calls.push(`clear ${key}`) }),
    queue: () => ({
      start: () => void calls.push('start'),
      stop: () => void calls.push('stop'),
      idle: () => Promise.resolve(),
    }),
    enqueueAll: () => void calls.push('enqueueAll'),
    poolsChanged: () => void calls.push('poolsChanged'),
  });
  return { part, calls, sync: () => (synced = true) };
}

test('AllocatorLifecycle: an allocator only when leading, configured and synced; none after losing the lead', () => {
  const { part, calls, sync } = lifecycle();
  const config = poolsConfig({ web: { addresses: ['192.0.2.0/28'] } });
  part.startedLeading();
  part.applyConfig(config, 'a');
  assert.equal(part.allocator, undefined, 'informers not synced yet');
  sync();
  part.activateIfReady();
  assert.ok(part.allocator);
  assert.deepEqual(calls, ['start', 'enqueueAll', 'poolsChanged']);
  part.applyConfig(config, 'a');
  assert.equal(calls.length, 3, 'the same fingerprint changes nothing');
  part.stoppedLeading();
  assert.equal(part.allocator, undefined);
  assert.equal(calls.at(-1), 'stop');
  part.startedLeading();
  assert.ok(part.allocator, 'rebuilt on leading again');
  part.stop();
  assert.equal(part.allocator, undefined);
});

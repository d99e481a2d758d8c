// Where a config loads: small inputs on the calling thread, bigger ones in a worker, with the same
// result and fingerprint either way.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ConfigObject } from '../../../common/pool-config/crd-source.ts';
import type { ConfigInputs } from '../../../common/pool-config/load-config.ts';
import {
  fitsInThread,
  inThreadLimits,
  loadConfig,
  loadOffThread,
} from '../../../common/pool-config/load-off-thread.ts';

const namespace = 'baremetal-lb-system';

function pools(count: number): ConfigObject[] {
  return Array.from({ length: count }, (_, i) => ({
    object: {
      apiVersion: 'metallb.io/v1beta1',
      kind: 'IPAddressPool',
      metadata: { name: `pool-${i}`, namespace, uid: `uid-${i}` },
      spec: { addresses: [`198.51.100.${i % 256}/32`], autoAssign: i % 2 === 0 },
    },
  }));
}

const configMap = (bytes: number) => ({
  namespace,
  name: 'config',
  config: `address-pools:\n- name: cm\n  protocol: layer2\n  addresses: ['203.0.113.0/28']\n`.padEnd(
    bytes,
    '\n',
  ),
});

test('up to the limits a load stays on this thread; one object or byte more goes to a worker', () => {
  const cases: [string, ConfigInputs, boolean][] = [
    ['nothing', {}, true],
    ['objects at the limit', { objects: pools(inThreadLimits.objects) }, true],
    ['one object more', { objects: pools(inThreadLimits.objects + 1) }, false],
    ['a ConfigMap at the limit', { configMap: configMap(inThreadLimits.configMapBytes) }, true],
    ['one byte more', { configMap: configMap(inThreadLimits.configMapBytes + 1) }, false],
  ];
  for (const [name, inputs, expected] of cases) assert.equal(fitsInThread(inputs), expected, name);
});

test('a small config loads here to what a worker makes of it, fingerprint included, frozen alike', async () => {
  for (const inputs of [
    { objects: pools(3), configMap: configMap(200) },
    { objects: pools(2).slice(0, 1) },
  ]) {
    const here = await loadConfig(inputs);
    const there = await loadOffThread(inputs);
    assert.deepEqual(here, there);
    assert.ok(here.fingerprint.length > 0);
    assert.ok(here.result.ok && Object.isFrozen(here.result.config.pools[0]));
  }
});

test('a refused config carries the same problems and no fingerprint either way', async () => {
  const inputs: ConfigInputs = {
    objects: [{ object: { kind: 'IPAddressPool', apiVersion: 'metallb.io/v1beta1' } }],
  };
  const here = await loadConfig(inputs);
  assert.equal(here.result.ok, false);
  assert.deepEqual(here, await loadOffThread(inputs));
  assert.equal(here.fingerprint, '');
});

// The webhook's decision on tables: the config as it would be with the object written.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubernetesObject } from '@kubernetes/client-node';
import { loadOffThread } from '../../../common/pool-config/load-off-thread.ts';
import { type AdmissionTarget, admit, type ConfigState } from '../../../controller/webhook/admission.ts';

const ns = 'baremetal-lb-system';
const pool = (name: string, addresses: string[], extra: Record<string, unknown> = {}): KubernetesObject =>
  ({
    apiVersion: 'metallb.io/v1beta1',
    kind: 'IPAddressPool',
    metadata: { name, namespace: ns },
    spec: { addresses, ...extra },
  }) as KubernetesObject;

function state(overrides: Partial<ConfigState> = {}): ConfigState {
  return {
    namespace: ns,
    configMapName: 'config',
    configMap: undefined,
    objects: [pool('web', ['192.0.2.0/28'])],
    held: [],
    ...overrides,
  };
}

/** The decision as the webhook makes it, with the config loaded in a worker. */
const decide = (t: AdmissionTarget, s: ConfigState) => admit(t, s, loadOffThread);

const target = (
  object: KubernetesObject,
  kind: AdmissionTarget['kind'] = 'IPAddressPool',
): AdmissionTarget => ({
  kind,
  namespace: object.metadata?.namespace ?? ns,
  name: object.metadata?.name ?? '',
  object,
});

test('a pool the rules refuse is denied with the problems of that pool, in check-config words', async () => {
  const verdict = await decide(
    target(pool('dup', ['198.51.100.0/30'], { serviceAllocation: { namespaces: ['a', 'a'] } })),
    state(),
  );
  assert.equal(verdict.allowed, false);
  assert.match(
    verdict.allowed ? '' : verdict.message,
    /^error: IPAddressPool baremetal-lb-system\/dup pool "dup": spec\.serviceAllocation\.namespaces\[1\]="a": repeats/,
  );
});

test('a pool overlapping another is denied; an unrelated good one admitted', async () => {
  assert.equal((await decide(target(pool('more', ['192.0.2.8/29'])), state())).allowed, false);
  assert.equal((await decide(target(pool('more', ['198.51.100.0/30'])), state())).allowed, true);
});

test("another object's old mistake does not block this write", async () => {
  const broken = pool('broken', ['not an address']);
  assert.equal(
    (
      await decide(
        target(pool('more', ['198.51.100.0/30'])),
        state({ objects: [pool('web', ['192.0.2.0/28']), broken] }),
      )
    ).allowed,
    true,
  );
});

test('shrinking a pool past an address in use is denied, naming the Service', async () => {
  const verdict = await decide(
    target(pool('web', ['192.0.2.0/30'])),
    state({ held: [{ key: 'shop/web', ips: ['192.0.2.9'] }] }),
  );
  assert.equal(verdict.allowed, false);
  assert.match(
    verdict.allowed ? '' : verdict.message,
    /leaves addresses in use in no pool: shop\/web \(192\.0\.2\.9\)/,
  );
});

test('the pool ConfigMap is checked; other ConfigMaps and other namespaces pass untouched', async () => {
  const cm = (name: string, config: string, namespace = ns): KubernetesObject =>
    ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name, namespace },
      data: { config },
    }) as KubernetesObject;
  const bad = 'address-pools:\n- name: x\n  protocol: layer2\n  addresses: [192.0.2.300/32]\n';
  assert.equal((await decide(target(cm('config', bad), 'ConfigMap'), state({ objects: [] }))).allowed, false);
  assert.equal((await decide(target(cm('other', bad), 'ConfigMap'), state({ objects: [] }))).allowed, true);
  assert.equal(
    (await decide(target(pool('web', ['nonsense'], {}), 'IPAddressPool'), state({ namespace: 'elsewhere' })))
      .allowed,
    true,
  );
});

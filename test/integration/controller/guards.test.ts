// The controller's guards for addresses already handed out, driven with the real kubectl: a
// Service waiting on a full pool gets the address another Service frees, and no config edit takes
// addresses away from running Services (MetalLB refuses such a config too); retiring a pool works
// once its Services are gone.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Controller } from '../../../controller/controller.ts';
import {
  type ControllerLab,
  eventually,
  externalIP,
  metricValue,
  startLabWithController,
} from './controller-lab.ts';
import { ingressService, namespace, poolConfigMap } from './fixtures.ts';

let lab: ControllerLab;
let controller: Controller;
before(async () => {
  ({ lab, controller } = await startLabWithController(
    'guard',
    poolConfigMap([{ name: 'single', addresses: ['192.0.2.50/32'] }]),
  ));
});
after(async () => {
  if (process.env.DUMP_LOGS) console.log(lab.logs.map((l) => JSON.stringify(l)).join('\n'));
  await lab.close();
});

const assigned = (name: string) =>
  eventually(`${name} to get an address`, async () => {
    const ip = await externalIP(lab, name);
    return ip === '<pending>' ? undefined : ip;
  });

test('a Service pending on a full pool gets the address another Service frees', async (t) => {
  await lab.apply(ingressService('first'));
  assert.equal(await assigned('first'), '192.0.2.50');
  await lab.apply(ingressService('waiting'));
  await eventually('waiting to fail for want of an address', async () =>
    /AllocationFailed/.test(await lab.kubectl(['describe', 'svc', 'waiting'])),
  );
  const freed = Date.now();
  await lab.kubectl(['delete', 'svc', 'first']);
  assert.equal(await assigned('waiting'), '192.0.2.50');
  t.diagnostic(
    `the waiting Service had the freed address ${Date.now() - freed} ms after the delete (kubectl polls included)`,
  );
});

const stale = () => metricValue(controller, 'metallb_k8s_client_config_stale_bool');
/** Waits until the controller hands out addresses from exactly these pools (its per-pool metrics say so). */
const poolsInUse = (pools: string[]) =>
  eventually(`the config with pools ${pools.join(', ')}`, async () => {
    const text = await (await fetch(`http://${controller.metricsAddress}/metrics`)).text();
    const names = [...text.matchAll(/^metallb_allocator_addresses_total\{pool="([^"]+)"\}/gm)].map(
      (m) => m[1],
    );
    return names.sort().join() === [...pools].sort().join();
  });
const configMap = (config: string | undefined) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: config\n  namespace: ${namespace}\n${
    config === undefined ? 'data: {}\n' : `data:\n  config: |\n${config.replace(/^/gm, '    ')}\n`
  }`;

const strippingEdits: [string, () => Promise<unknown>][] = [
  ['an empty config', () => lab.kubectl(['replace', '-f', '-'], configMap(''))],
  ['address-pools: []', () => lab.kubectl(['replace', '-f', '-'], configMap('address-pools: []'))],
  ['no config key', () => lab.kubectl(['replace', '-f', '-'], configMap(undefined))],
  [
    'the pool turned BGP-only',
    () =>
      lab.kubectl(
        ['replace', '-f', '-'],
        configMap('address-pools:\n- name: single\n  protocol: bgp\n  addresses: [192.0.2.50/32]'),
      ),
  ],
  [
    'a range that no longer holds the address',
    () => lab.apply(poolConfigMap([{ name: 'single', addresses: ['192.0.2.60/32'] }])),
  ],
  ['the ConfigMap deleted', () => lab.kubectl(['delete', 'configmap', 'config', '-n', namespace])],
];

for (const [edit, apply] of strippingEdits) {
  test(`${edit}: refused, the address stays, a Warning Event names the Service`, async () => {
    await lab.apply(poolConfigMap([{ name: 'single', addresses: ['192.0.2.50/32'] }]));
    await eventually('the good config loaded', async () => (await stale()) === 0);
    await lab.kubectl(['delete', 'events', '-n', 'default', '--field-selector', 'reason=ConfigRefused']);
    await apply();
    await eventually('the stale-config metric at 1', async () => (await stale()) === 1);
    const describe = await eventually('a ConfigRefused Event on the Service', async () => {
      const out = await lab.kubectl(['describe', 'svc', 'waiting']);
      return /Warning\s+ConfigRefused\s.*192\.0\.2\.50 in no pool/.test(out) ? out : undefined;
    });
    assert.match(describe, /keeping the last good config/);
    assert.equal(await externalIP(lab, 'waiting'), '192.0.2.50');
    assert.ok(
      lab.logs.some(
        (l) => /config refused/.test(String(l.msg)) && /default\/waiting/.test(String(l.stranded)),
      ),
      'a log line names the Service',
    );
  });
}

test('retiring a pool on purpose: move its Services off, then remove it', async () => {
  await lab.apply(poolConfigMap([{ name: 'single', addresses: ['192.0.2.50/32'] }]));
  await eventually('the good config loaded', async () => (await stale()) === 0);
  await lab.kubectl(['delete', 'svc', 'waiting']);
  await lab.apply(poolConfigMap([{ name: 'next', addresses: ['198.51.100.7/32'] }]));
  await poolsInUse(['next']);
  assert.equal(await stale(), 0, 'the new config accepted');
  await lab.apply(ingressService('after-retirement'));
  assert.equal(await assigned('after-retirement'), '198.51.100.7');
});

test('500 overlapping pools: one InvalidConfig Event with the count, one log line', async () => {
  const before = lab.logs.filter((l) => l.msg === 'invalid config; keeping the last good one').length;
  const overlapping = Array.from({ length: 500 }, (_, i) => ({
    name: `p${i}`,
    addresses: ['203.0.113.0/28'],
  }));
  await lab.apply(poolConfigMap(overlapping));
  const listEvents = async () =>
    JSON.parse(
      await lab.kubectl([
        'get',
        'events',
        '-n',
        namespace,
        '--field-selector',
        'reason=InvalidConfig',
        '-o',
        'json',
      ]),
    ).items as { message: string; involvedObject: { kind: string; name: string } }[];
  const found = await eventually('an InvalidConfig Event', async () => {
    const items = await listEvents();
    return items.length > 0 ? items : undefined;
  });
  await new Promise((r) => setTimeout(r, 1000)); // any further Events would have arrived by now
  const all = await listEvents();
  assert.equal(all.length, 1, `one Event, not one per problem: ${all.map((e) => e.message).join('\n')}`);
  assert.equal(found[0]?.involvedObject.kind, 'ConfigMap');
  assert.match(all[0]!.message, /^499 problems, the first 3: error: .*overlaps/);
  const lines = lab.logs.filter((l) => l.msg === 'invalid config; keeping the last good one');
  assert.equal(lines.length - before, 1, 'one log line for the whole config');
  assert.equal(lines.at(-1)?.problems, 499);
  await lab.apply(poolConfigMap([{ name: 'next', addresses: ['198.51.100.7/32'] }]));
});

test('a controller started under a config without the pool of an address in use keeps the address', async () => {
  await lab.apply(
    poolConfigMap([
      { name: 'next', addresses: ['198.51.100.7/32'] },
      { name: 'keep', addresses: ['203.0.113.80/32'] },
    ]),
  );
  await poolsInUse(['next', 'keep']);
  await lab.apply(ingressService('kept'));
  assert.equal(await assigned('kept'), '203.0.113.80');
  await lab.closeControllers();
  // While no controller runs, the pool goes: nobody is there to refuse the edit.
  await lab.apply(poolConfigMap([{ name: 'next', addresses: ['198.51.100.7/32'] }]));
  const restarted = await lab.startController('guard-after');
  await eventually('the new controller ready', () => restarted.isReady());
  await eventually('a ConfigRefused Warning on the Service', async () =>
    /Warning\s+ConfigRefused\s.*no pool for 203\.0\.113\.80/.test(
      await lab.kubectl(['describe', 'svc', 'kept']),
    ),
  );
  assert.equal(await externalIP(lab, 'kept'), '203.0.113.80', 'the address was not taken away');
});

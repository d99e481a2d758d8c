// API trouble: dropped watches, bursts of 409 and 500, and the API server gone and back on the
// same address with its data: the controller converges and nothing is lost.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Controller } from '../../../controller/controller.ts';
import { type ControllerLab, eventually, externalIP, startControllerLab } from './controller-lab.ts';
import { ingressService, poolConfigMap } from './fixtures.ts';

let lab: ControllerLab;
let controller: Controller;
before(async () => {
  lab = await startControllerLab();
  await lab.apply(poolConfigMap([{ name: 'default', addresses: ['192.0.2.0/26'] }]));
  controller = await lab.startController('faulty');
  await eventually('leader and ready', () => controller.isLeader() && controller.isReady());
});
after(async () => {
  if (process.env.DUMP_LOGS) console.log(lab.logs.map((l) => JSON.stringify(l)).join('\n'));
  await lab.close();
});

async function assigned(names: string[], timeoutMs = 15_000): Promise<Map<string, string>> {
  return eventually(
    `${names.join(', ')} assigned`,
    async () => {
      const out = JSON.parse(await lab.kubectl(['get', 'svc', '-o', 'json']));
      const ips = new Map<string, string>();
      for (const item of out.items) {
        const ip = item.status?.loadBalancer?.ingress?.[0]?.ip;
        if (ip) ips.set(item.metadata.name, ip);
      }
      return names.every((n) => ips.has(n)) ? ips : undefined;
    },
    timeoutMs,
  );
}

function assertDistinct(ips: Map<string, string>) {
  assert.equal(new Set(ips.values()).size, ips.size, `duplicate IPs: ${JSON.stringify([...ips])}`);
}

test('dropped watches: Services created meanwhile are assigned', async () => {
  const { faults } = lab.cluster;
  faults.dropWatches();
  await lab.apply(ingressService('after-drop'));
  faults.dropWatches();
  await lab.apply(ingressService('after-drop-2'));
  assertDistinct(await assigned(['after-drop', 'after-drop-2']));
});

for (const code of [409, 500] as const) {
  test(`five ${code}s in a row: status writes are retried until they land`, async () => {
    const names = [`burst-${code}-a`, `burst-${code}-b`];
    await lab.apply(names.map((n) => ingressService(n)).join('---\n'));
    lab.cluster.faults.failNext(5, code);
    const ips = await assigned(names);
    assertDistinct(ips);
    for (const name of names) {
      await eventually(`IPAllocated for ${name}`, async () =>
        /IPAllocated/.test(await lab.kubectl(['describe', 'svc', name])),
      );
    }
  });
}

test('the API server gone and back on the same port: nothing lost, no IP changed', async () => {
  await lab.apply(['before-restart', 'before-restart-2'].map((n) => ingressService(n)).join('---\n'));
  const before = await assigned(['before-restart', 'before-restart-2']);
  await lab.cluster.restartApiServer();
  await lab.apply(ingressService('after-restart'));
  const ips = await assigned(['before-restart', 'before-restart-2', 'after-restart'], 20_000);
  assertDistinct(ips);
  assert.equal(ips.get('before-restart'), before.get('before-restart'));
  assert.equal(ips.get('before-restart-2'), before.get('before-restart-2'));
  assert.equal(await externalIP(lab, 'after-restart'), ips.get('after-restart'));
  await eventually('still leading', () => controller.isLeader());
});

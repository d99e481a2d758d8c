// Three speakers and a dozen Services: a change to one Service is planned for that Service alone
// (one plan per speaker), a Node change re-plans every Service once per speaker, and the only API
// writes are ServiceL2Status writes by the node that announces, none for a change that moves
// nothing. Counted from the speakers' own counters (baremetal_lb_speaker_services_planned_total,
// baremetal_lb_speaker_api_writes_total), which the same test shows moving.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { CustomObjectsApi, DiscoveryV1Api } from '@kubernetes/client-node';
import { endpointSliceObject, systemNamespace } from '../../../lab/cluster-objects.ts';
import { l2StatusResource } from '../../../speaker/l2-status.ts';
import { mergePatch, type SpeakerLab, startElectedSpeakerLab, waitFor } from './speaker-lab.ts';

let lab: SpeakerLab;
const namespace = 'default';
const extra = Array.from({ length: 12 }, (_, i) => ({ name: `svc-${i}`, ip: `192.0.2.${241 + i}` }));
const total = extra.length + 1; // and the lab's own web

before(async () => {
  lab = await startElectedSpeakerLab(`sps${process.pid.toString(36)}`);
  for (const { name, ip } of extra) await createAnnouncedService(name, ip);
});
after(async () => {
  await lab?.close();
});

async function createAnnouncedService(name: string, ip: string): Promise<void> {
  await lab.core.createNamespacedService({
    namespace,
    body: {
      metadata: { name, namespace },
      spec: { type: 'LoadBalancer', ports: [{ name: 'http', port: 80, protocol: 'TCP' }] },
    },
  });
  await lab.core.patchNamespacedServiceStatus(
    { name, namespace, body: { status: { loadBalancer: { ingress: [{ ip }] } } } },
    mergePatch,
  );
  await lab.kubeConfig.makeApiClient(DiscoveryV1Api).createNamespacedEndpointSlice({
    namespace,
    body: endpointSliceObject({
      namespace,
      service: name,
      family: 4,
      ports: [{ name: 'http', port: 8080 }],
      endpoints: lab.topology.nodes.map((node) => ({ node, ready: true })),
    }),
  });
}

interface Counts {
  planned: number;
  writes: number;
  announced: number;
}

function sample(metrics: string, name: string): number {
  return [...metrics.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'gm'))].reduce(
    (sum, m) => sum + Number(m[1]),
    0,
  );
}

/** The three speakers' counters summed. */
async function counts(): Promise<Counts> {
  const all = await Promise.all(lab.names.map((node) => lab.speakerHttp(node, '/metrics')));
  const sum = (name: string) => all.reduce((s, text) => s + sample(text, name), 0);
  return {
    planned: sum('baremetal_lb_speaker_services_planned_total'),
    writes: sum('baremetal_lb_speaker_api_writes_total'),
    announced: sum('metallb_speaker_announced'),
  };
}

/** The counters once they have reached `done` and then stayed the same for a second. */
async function settledCounts(what: string, done: (c: Counts) => boolean): Promise<Counts> {
  let last = await waitFor(what, 20_000, async () => {
    const now = await counts();
    return done(now) ? now : undefined;
  });
  for (let still = 0; still < 4; ) {
    await sleep(250);
    const now = await counts();
    still = JSON.stringify(now) === JSON.stringify(last) ? still + 1 : 0;
    last = now;
  }
  return last;
}

async function l2StatusCount(): Promise<number> {
  const list = (await lab.kubeConfig
    .makeApiClient(CustomObjectsApi)
    .listNamespacedCustomObject({ ...l2StatusResource, namespace: systemNamespace })) as { items: unknown[] };
  return list.items.length;
}

test('every Service is announced by one node, with one ServiceL2Status each', async () => {
  // web is dual-stack: two series; every other Service one.
  const settled = await settledCounts('every Service announced', (c) => c.announced === total + 1);
  assert.equal(settled.announced, total + 1);
  assert.equal(
    await waitFor('a ServiceL2Status per Service', 10_000, async () => {
      const n = await l2StatusCount();
      return n === total ? n : undefined;
    }),
    total,
  );
});

test('a label on one Service: one plan per speaker, and no API write', async () => {
  const before = await settledCounts('quiet counters', (c) => c.announced === total + 1);
  await lab.core.patchNamespacedService(
    { name: 'svc-3', namespace, body: { metadata: { labels: { tier: 'web' } } } },
    mergePatch,
  );
  const after = await settledCounts('the label planned', (c) => c.planned > before.planned);
  assert.equal(after.planned - before.planned, 3, 'svc-3 planned once by each of the three speakers');
  assert.equal(after.writes - before.writes, 0, 'nothing moved, so nothing is written');
});

test("one Service's new address: one plan per speaker, and only its own ServiceL2Status written", async () => {
  const before = await settledCounts('quiet counters', (c) => c.announced === total + 1);
  await lab.core.patchNamespacedServiceStatus(
    { name: 'svc-5', namespace, body: { status: { loadBalancer: { ingress: [{ ip: '192.0.2.254' }] } } } },
    mergePatch,
  );
  const after = await settledCounts('the new address planned', (c) => c.planned > before.planned);
  assert.equal(after.planned - before.planned, 3);
  // The same node again: nothing to write. Another node: one delete, one create, one status patch.
  assert.ok([0, 3].includes(after.writes - before.writes), `writes: ${after.writes - before.writes}`);
  assert.equal(after.announced, total + 1);
  assert.equal(await l2StatusCount(), total);
});

test('a Node label: every Service re-planned once per speaker, in one pass, and no API write', async () => {
  const before = await settledCounts('quiet counters', (c) => c.announced === total + 1);
  await lab.core.patchNode(
    { name: lab.names[0]!, body: { metadata: { labels: { rack: 'r1' } } } },
    mergePatch,
  );
  const after = await settledCounts('the node change planned', (c) => c.planned > before.planned);
  assert.equal(after.planned - before.planned, 3 * total);
  assert.equal(after.writes - before.writes, 0);
});

test("a Node update that changes nothing eligibility reads (a kubelet's heartbeat) plans nothing", async () => {
  const before = await settledCounts('quiet counters', (c) => c.announced === total + 1);
  await lab.core.patchNode(
    {
      name: lab.names[1]!,
      body: { metadata: { annotations: { 'example.com/heartbeat': String(Date.now()) } } },
    },
    mergePatch,
  );
  await lab.core.patchNode(
    { name: lab.names[1]!, body: { metadata: { labels: { rack: 'r2' } } } },
    mergePatch,
  );
  const after = await settledCounts('the label planned', (c) => c.planned > before.planned);
  // Had the annotation counted, this would be 2 × 3 × total.
  assert.equal(after.planned - before.planned, 3 * total);
});

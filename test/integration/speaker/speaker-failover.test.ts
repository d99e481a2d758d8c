// Three real speakers with the failure detector, and a client asking who has the VIP: exactly the
// elected node answers, a killed leader is replaced, a terminated one hands over, and IPv6 neighbour
// discovery resolves the IPv6 VIP to the same node.

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { electLeader } from '../../../speaker/election/elect-leader.ts';
import { series } from './prometheus-text.ts';
import {
  exited,
  type SpeakerLab,
  service,
  startElectedSpeakerLab,
  vip4,
  vip6,
  waitFor,
} from './speaker-lab.ts';

let lab: SpeakerLab;

before(async () => {
  lab = await startElectedSpeakerLab(`spk${process.pid.toString(36)}`);
});
after(async () => {
  await lab?.close();
});

/** The order in which nodes lead the VIP as leaders go away: first, second, third. */
function succession(): string[] {
  const order: string[] = [];
  const remaining = [...lab.names];
  while (remaining.length > 0) {
    const next = electLeader(vip4, remaining)!;
    order.push(next);
    remaining.splice(remaining.indexOf(next), 1);
  }
  return order;
}

async function answeredBy(node: string): Promise<Set<string>> {
  const mac = lab.host(node).mac;
  return waitFor(`${node} to answer ARP for ${vip4}`, 20_000, async () => {
    const seen = await lab.arpingMacs(vip4, 1);
    return seen.has(mac) ? seen : undefined;
  });
}

test('only the elected leader answers ARP for the VIP, and NDP resolves the IPv6 VIP to it', async () => {
  const [leader] = succession();
  assert.equal(await waitFor('the leader to write its ServiceL2Status', 30_000, lab.announcingNode), leader);
  const macs = await waitFor('an ARP reply', 10_000, async () => {
    const seen = await lab.arpingMacs(vip4);
    return seen.size > 0 ? seen : undefined;
  });
  assert.deepEqual([...macs], [lab.host(leader!).mac]);
  assert.equal(await lab.ndiscMac(vip6), lab.host(leader!).mac);

  const events = await lab.core.listNamespacedEvent({ namespace: service.namespace });
  const assigned = events.items.filter(
    (e) => e.reason === 'nodeAssigned' && e.involvedObject.name === service.name,
  );
  assert.equal(assigned.length, 1, 'one nodeAssigned Event, from the leader');
  assert.ok(assigned[0]!.involvedObject.uid, 'the Event names the Service uid');
  assert.equal(assigned[0]!.message, `announcing from node "${leader}" with protocol "layer2"`);
});

test('SIGKILL of the leader: the next node answers', async (t) => {
  const [leader, next] = succession();
  const killedAt = Date.now();
  lab.speakers.get(leader!)!.kill('SIGKILL');
  await exited(lab.speakers.get(leader!)!);
  const macs = await answeredBy(next!);
  const announcedAt = await lab.logTime(next!, 'announcing', killedAt);
  t.diagnostic(
    `kill → ${next} announcing: ${announcedAt === undefined ? '?' : announcedAt - killedAt} ms; ` +
      `→ first ARP reply seen: ${Date.now() - killedAt} ms (arping polls once a second)`,
  );
  assert.deepEqual([...macs], [lab.host(next!).mac]);
  const annotated = await waitFor('the annotation to follow', 10_000, async () => {
    const node = await lab.announcingNode();
    return node === next ? node : undefined;
  });
  assert.equal(annotated, next);
});

test('SIGTERM of the leader: it exits 0 and the last node takes over', async (t) => {
  const [, leader, last] = succession();
  const child = lab.speakers.get(leader!)!;
  const termAt = Date.now();
  child.kill('SIGTERM');
  const macs = await answeredBy(last!);
  const announcedAt = await lab.logTime(last!, 'announcing', termAt);
  t.diagnostic(`SIGTERM → ${last} announcing: ${announcedAt === undefined ? '?' : announcedAt - termAt} ms`);
  assert.deepEqual([...macs], [lab.host(last!).mac]);
  assert.equal(await exited(child), 0);
  // A clean stop closes everything, so the process ends by itself, not by the fallback timer.
  const ownLog = await readFile(path.join(lab.dir, `speaker-${leader}.log`), 'utf8');
  assert.match(ownLog, /"msg":"speaker stopped"/);
  assert.doesNotMatch(ownLog, /forced exit/);
  assert.equal(await lab.ndiscMac(vip6), lab.host(last!).mac);
});

test('the leader reports what it announces on /metrics and is ready', async () => {
  const [, , last] = succession();
  assert.match(await lab.speakerHttp(last!, '/readyz'), /^ok/);
  const metrics = await lab.speakerHttp(last!, '/metrics');
  const announced = series(metrics, 'metallb_speaker_announced');
  assert.deepEqual(
    announced.map((x) => [x.labels.ip, x.labels.node, x.labels.service, x.labels.protocol, x.value]).sort(),
    [
      [vip4, last, 'default/web', 'layer2', 1],
      [vip6, last, 'default/web', 'layer2', 1],
    ],
  );
  // Per led IP, as MetalLB labels them: this node leads both VIPs and announced each on taking over.
  const gratuitous = series(metrics, 'metallb_layer2_gratuitous_sent');
  assert.deepEqual(gratuitous.map((x) => x.labels.ip).sort(), [vip4, vip6].sort());
  assert.ok(
    gratuitous.every((x) => x.value > 0),
    `gratuitous frames counted: ${JSON.stringify(gratuitous)}`,
  );
  assert.match(metrics, /^process_resident_memory_bytes \d+/m, 'process metrics are exported');
  const members = series(metrics, 'baremetal_lb_speaker_failure_detector_members');
  assert.deepEqual(
    members.filter((m) => m.value > 0).map((m) => [m.labels.state, m.value]),
    [
      ['dead', 1],
      ['left', 1],
    ],
  );
});

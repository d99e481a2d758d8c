import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { type AnnouncerProcess, startAnnouncer } from '../../../bench/lib/announcer-process.ts';
import {
  createNetnsPair,
  inNetns,
  planNetnsPair,
  removeNetnsPair,
  sh,
} from '../../../bench/lib/netns-pair.ts';
import { Announcer, type AnnouncerStats } from '../../../speaker/packet-io/announcer.ts';

const pair = planNetnsPair(`blb-t${process.pid}`);
const { client, node, ifname } = pair;
const vip4 = '192.0.2.100';
const vip6 = '2001:db8::100';
const unassigned4 = '192.0.2.101';
const staleMac = '02:de:ad:00:00:01';
let announcer: AnnouncerProcess | undefined;

before(async () => {
  await removeNetnsPair(pair);
  await createNetnsPair(pair);
});
after(async () => {
  await announcer?.stop();
  await removeNetnsPair(pair);
});

/** MACs of every reply arping saw (arping exits non-zero when there were none). */
async function arpingReplies(ip: string, count = 3): Promise<string[]> {
  const out = await sh(
    'ip',
    'netns',
    'exec',
    client.netns,
    'arping',
    '-c',
    String(count),
    '-w',
    '5',
    '-I',
    ifname,
    ip,
  ).catch((error: Error) => error.message);
  return [...out.matchAll(/reply from \S+ \[([0-9a-f:]+)\]/gi)].map((m) => m[1]!.toLowerCase());
}

async function neighbourMac(ip: string): Promise<string | undefined> {
  const out = await inNetns(client.netns, 'ip', 'neigh', 'show', ip, 'dev', ifname);
  return /lladdr ([0-9a-f:]+)/.exec(out)?.[1];
}

async function waitForNeighbour(ip: string, mac: string): Promise<string | undefined> {
  let seen: string | undefined;
  for (let i = 0; i < 50 && seen !== mac; i++) {
    seen = await neighbourMac(ip);
    if (seen !== mac) await sleep(100);
  }
  return seen;
}

test('the kernel answers ARP for the node address but not for a VIP that is on no interface', async () => {
  assert.deepEqual(await arpingReplies(node.ipv4, 1), [node.mac]);
  assert.deepEqual(await arpingReplies(vip4, 2), []);
});

test('with the announcer leading the VIPs, ARP gets replies from exactly the node MAC', async () => {
  announcer = await startAnnouncer(node.netns, [vip4, vip6]);
  assert.deepEqual(await arpingReplies(vip4), [node.mac, node.mac, node.mac]);
});

test('an IP the announcer does not lead gets no ARP reply', async () => {
  assert.deepEqual(await arpingReplies(unassigned4, 2), []);
});

test('ndisc6 resolves the IPv6 VIP to the node MAC', async () => {
  const out = await inNetns(client.netns, 'ndisc6', '-1', '-r', '3', '-w', '1000', vip6, ifname);
  assert.match(out, new RegExp(`Target link-layer address: ${node.mac}`, 'i'));
});

test('the node joins the solicited-node group of a led IPv6 address and leaves it with the address', async () => {
  const groups = async () => inNetns(node.netns, 'ip', 'maddr', 'show', 'dev', ifname);
  const group = /link\s+33:33:ff:00:01:00/; // ff02::1:ff00:100, solicited-node group of 2001:db8::100
  assert.match(await groups(), group);
  assert.equal(await announcer!.command(`led ${vip4}`), 'ok');
  assert.doesNotMatch(await groups(), group);
  assert.equal(await announcer!.command(`led ${vip4} ${vip6}`), 'ok');
  assert.match(await groups(), group);
});

test('an IP removed from the led set is not answered once setLed resolves', async () => {
  assert.equal(await announcer!.command(`led ${vip6}`), 'ok');
  assert.deepEqual(await arpingReplies(vip4, 2), []);
  assert.equal(await announcer!.command(`led ${vip4} ${vip6}`), 'ok');
  assert.deepEqual(await arpingReplies(vip4, 1), [node.mac]);
});

test('an IP restricted to other interfaces is not answered on this one', async () => {
  assert.equal(await announcer!.command(`led ${vip4}@eth1 ${vip6}`), 'ok');
  assert.deepEqual(await arpingReplies(vip4, 2), []);
  assert.equal(await announcer!.command(`led ${vip4}@eth1,${ifname} ${vip6}`), 'ok');
  assert.deepEqual(await arpingReplies(vip4, 1), [node.mac]);
});

test('a gratuitous ARP moves a client neighbour entry from an old MAC to the node', async () => {
  await inNetns(
    client.netns,
    'ip',
    'neigh',
    'replace',
    vip4,
    'lladdr',
    staleMac,
    'dev',
    ifname,
    'nud',
    'stale',
  );
  assert.equal(await neighbourMac(vip4), staleMac);
  assert.equal(await announcer!.command(`announce ${vip4}`), 'ok');
  assert.equal(await waitForNeighbour(vip4, node.mac), node.mac);
});

test('an unsolicited neighbour advertisement moves a client IPv6 neighbour entry to the node', async () => {
  await inNetns(
    client.netns,
    'ip',
    'neigh',
    'replace',
    vip6,
    'lladdr',
    staleMac,
    'dev',
    ifname,
    'nud',
    'stale',
  );
  assert.equal(await neighbourMac(vip6), staleMac);
  assert.equal(await announcer!.command(`announce ${vip6}`), 'ok');
  assert.equal(await waitForNeighbour(vip6, node.mac), node.mac);
});

test('stats count requests, replies and gratuitous frames per led IP, and ignored requests', async () => {
  const stats = JSON.parse(await announcer!.command('stats')) as AnnouncerStats;
  assert.deepEqual(Object.keys(stats.byIp).sort(), [vip6, vip4].sort());
  // vip4 was last re-led before the restriction test: one answered arping since, one more after it.
  const v4 = stats.byIp[vip4]!;
  assert.ok(v4.requestsReceived >= 2, `requestsReceived ${JSON.stringify(v4)}`);
  assert.ok(v4.responsesSent >= 2, `responsesSent ${JSON.stringify(v4)}`);
  assert.ok(v4.gratuitousSent >= 2, `gratuitousSent ${JSON.stringify(v4)}`);
  assert.ok(stats.byIp[vip6]!.gratuitousSent >= 1, `vip6 ${JSON.stringify(stats.byIp[vip6])}`);
  assert.equal(stats.sendErrors, 0);
  const ignored = Object.values(stats.ignored).reduce((a, b) => a + b, 0);
  assert.ok(ignored >= 2, `ignored ${JSON.stringify(stats.ignored)}`);
});

test('an IP leaves the stats with the led set, and comes back counting from zero', async () => {
  assert.equal(await announcer!.command(`led ${vip6}`), 'ok');
  const without = JSON.parse(await announcer!.command('stats')) as AnnouncerStats;
  assert.deepEqual(Object.keys(without.byIp), [vip6]);
  assert.equal(await announcer!.command(`led ${vip4} ${vip6}`), 'ok');
  const back = JSON.parse(await announcer!.command('stats')) as AnnouncerStats;
  assert.deepEqual(back.byIp[vip4], { requestsReceived: 0, responsesSent: 0, gratuitousSent: 0 });
});

test('after a rescan, replies carry the interface MAC it has now', async () => {
  const newMac = '02:b1:b0:00:00:99';
  await inNetns(node.netns, 'ip', 'link', 'set', ifname, 'address', newMac);
  try {
    assert.equal(await announcer!.command('interfaces'), 'ok');
    assert.deepEqual(await arpingReplies(vip4, 2), [newMac, newMac]);
  } finally {
    await inNetns(node.netns, 'ip', 'link', 'set', ifname, 'address', node.mac);
  }
  assert.equal(await announcer!.command('interfaces'), 'ok');
  assert.deepEqual(await arpingReplies(vip4, 1), [node.mac]);
});

test('after close nothing answers for the VIP any more', async () => {
  assert.equal(await announcer!.stop(), 0);
  assert.deepEqual(await arpingReplies(vip4, 2), []);
});

test('starting on a missing interface rejects naming it', async () => {
  await assert.rejects(
    Announcer.start([{ name: 'blb-missing0', mac: '02:00:00:00:00:09' }]),
    /announcer cannot start: interface "blb-missing0": No such device/,
  );
});

test('adding a missing interface later rejects naming it and leaves the announcer working', async (t) => {
  const empty = await Announcer.start([]);
  t.after(() => empty.close());
  await assert.rejects(
    empty.setInterfaces([{ name: 'blb-missing1', mac: '02:00:00:00:00:0a' }]),
    /interface "blb-missing1": No such device/,
  );
  assert.deepEqual((await empty.stats()).byIp, {});
});

test('the announcer beats by itself unless the caller does: without its beats the fence closes', async (t) => {
  const fence = { beatIntervalMs: 20, fenceAfterMs: 60 };
  const fenced = { own: 0, caller: 0 };
  const own = await Announcer.start([], { fence, onFenced: () => fenced.own++ });
  t.after(() => own.close());
  const callerBeats = await Announcer.start([], {
    fence,
    beatsFromCaller: true,
    onFenced: () => fenced.caller++,
  });
  t.after(() => callerBeats.close());
  await sleep(200);
  own.beat();
  callerBeats.beat();
  assert.deepEqual(fenced, { own: 0, caller: 1 }, 'a silence of 200 ms fences only the one nobody beat for');
});

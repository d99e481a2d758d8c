import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { after, before, test } from 'node:test';
import { createNetnsPair, inNetns, planNetnsPair, removeNetnsPair } from '../../../bench/lib/netns-pair.ts';
import { openPacketSocket } from '../../../speaker/packet-io/packet-socket.ts';

const pair = planNetnsPair(`blb-p${process.pid}`);
const probe = new URL('./fixtures/socket-probe.ts', import.meta.url).pathname;

before(async () => {
  await removeNetnsPair(pair);
  await createNetnsPair(pair);
});
after(() => removeNetnsPair(pair));

async function runProbe(netns: string, ...args: string[]): Promise<unknown> {
  return JSON.parse(await inNetns(netns, process.execPath, probe, ...args));
}

test('opening a missing interface or an unknown kind throws naming it', () => {
  assert.throws(() => openPacketSocket('blb-missing0', 'arp'), /interface "blb-missing0": No such device/);
  assert.throws(() => openPacketSocket('lo', 'rarp' as never), /kind "rarp" must be one of/);
});

test('the kernel filters pass ARP requests and hop-limit-255 solicitations only', async (t) => {
  const listener = spawn('ip', ['netns', 'exec', pair.node.netns, process.execPath, probe, 'listen', '1500']);
  t.after(() => listener.kill());
  const lines = createInterface({ input: listener.stdout })[Symbol.asyncIterator]();
  assert.equal((await lines.next()).value, 'listening');
  assert.deepEqual(
    await runProbe(pair.client.netns, 'send', pair.client.ipv4, pair.client.ipv6, pair.client.mac),
    {
      sent: 6,
    },
  );
  assert.deepEqual(JSON.parse(String((await lines.next()).value)), { arp: ['op1'], ndp: ['type135/hop255'] });
});

test('receiving resumes after the interface goes down and up again', async (t) => {
  const listener = spawn('ip', ['netns', 'exec', pair.node.netns, process.execPath, probe, 'listen', '2000']);
  t.after(() => listener.kill());
  const lines = createInterface({ input: listener.stdout })[Symbol.asyncIterator]();
  assert.equal((await lines.next()).value, 'listening');
  await inNetns(pair.node.netns, 'ip', 'link', 'set', pair.ifname, 'down');
  await inNetns(pair.node.netns, 'ip', 'link', 'set', pair.ifname, 'up');
  await runProbe(pair.client.netns, 'send', pair.client.ipv4, pair.client.ipv6, pair.client.mac);
  assert.deepEqual(JSON.parse(String((await lines.next()).value)), { arp: ['op1'], ndp: ['type135/hop255'] });
});

test('a socket does not receive its own transmissions', async (t) => {
  const listener = spawn('ip', [
    'netns',
    'exec',
    pair.client.netns,
    process.execPath,
    probe,
    'listen',
    '1000',
  ]);
  t.after(() => listener.kill());
  const lines = createInterface({ input: listener.stdout })[Symbol.asyncIterator]();
  assert.equal((await lines.next()).value, 'listening');
  await runProbe(pair.client.netns, 'send', pair.client.ipv4, pair.client.ipv6, pair.client.mac);
  assert.deepEqual(JSON.parse(String((await lines.next()).value)), { arp: [], ndp: [] });
});

test('a worker terminated while receiving exits cleanly (its poll handle is closed)', async () => {
  assert.deepEqual(await runProbe(pair.node.netns, 'terminate'), { exitCode: 1 });
});

test('without CAP_NET_RAW opening fails with the errno text', async () => {
  // A fresh user namespace has capabilities only over itself, not over the test's network namespace.
  const out = await inNetns(
    pair.node.netns,
    'unshare',
    '--user',
    '--map-root-user',
    process.execPath,
    probe,
    'open',
  );
  assert.deepEqual(JSON.parse(out), { error: 'socket(AF_PACKET) for "eth0": Operation not permitted' });
  assert.deepEqual(await runProbe(pair.node.netns, 'open'), { opened: true });
});

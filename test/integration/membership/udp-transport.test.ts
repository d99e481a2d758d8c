// Three speakers' failure detectors on real UDP sockets on 127.0.0.1.
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { performance } from 'node:perf_hooks';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { MemberChange } from '../../../speaker/membership/messages.ts';
import { UdpTransport } from '../../../speaker/membership/udp-transport.ts';
import { WireCodec } from '../../../speaker/membership/wire-format.ts';

const secret = 'integration-test-shared-secret';

async function waitFor(what: string, condition: () => boolean, limitMs = 5000): Promise<void> {
  const deadline = performance.now() + limitMs;
  while (!condition()) {
    if (performance.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

async function cluster(t: import('node:test').TestContext, names: string[]) {
  const changes: (MemberChange & { observer: string; at: number })[] = [];
  const transports = new Map<string, UdpTransport>();
  t.after(() => {
    for (const transport of transports.values()) transport.close();
  });
  for (const name of names) {
    const transport = await UdpTransport.start({
      self: name,
      bind: { address: '127.0.0.1', port: 0 },
      secret,
      onChange: (c) => changes.push({ ...c, observer: name, at: performance.now() }),
    });
    transports.set(name, transport);
  }
  const peers = new Map([...transports].map(([name, transport]) => [name, transport.address()]));
  for (const transport of transports.values()) transport.setPeers(peers);
  const everyoneSees = (expected: string[], observers: string[]) =>
    observers.every((o) => {
      const alive = transports.get(o)!.detector.alive();
      return alive.size === expected.length && expected.every((n) => alive.has(n));
    });
  await waitFor('all to see each other', () => everyoneSees(names, names));
  return { transports, changes, everyoneSees };
}

test('a speaker that vanishes is declared dead by the others', async (t) => {
  const { transports, changes, everyoneSees } = await cluster(t, ['node-a', 'node-b', 'node-c']);
  await sleep(300);
  const killedAt = performance.now();
  transports.get('node-c')!.close();
  await waitFor('node-c to be dropped', () => everyoneSees(['node-a', 'node-b'], ['node-a', 'node-b']));
  const declared = changes.filter((c) => c.node === 'node-c' && c.to === 'dead');
  assert.deepEqual(declared.map((c) => c.observer).sort(), ['node-a', 'node-b']);
  t.diagnostic(`kill → all agree dead: ${Math.round(Math.max(...declared.map((c) => c.at)) - killedAt)} ms`);
  assert.deepEqual(
    changes.filter((c) => c.to === 'dead' && c.node !== 'node-c'),
    [],
    'no live node declared dead',
  );
});

test('a speaker that leaves is dropped at once, without being declared dead', async (t) => {
  const { transports, changes, everyoneSees } = await cluster(t, ['node-a', 'node-b', 'node-c']);
  const leftAt = performance.now();
  await transports.get('node-b')!.leave();
  await waitFor('node-b to be dropped', () => everyoneSees(['node-a', 'node-c'], ['node-a', 'node-c']));
  t.diagnostic(`leave → all agree: ${(performance.now() - leftAt).toFixed(1)} ms`);
  assert.ok(changes.some((c) => c.node === 'node-b' && c.to === 'left'));
  assert.ok(!changes.some((c) => c.node === 'node-b' && c.to === 'dead'));
});

test('datagrams with a wrong secret or replayed are dropped and counted', async (t) => {
  const { transports } = await cluster(t, ['node-a', 'node-b']);
  const target = transports.get('node-a')!;
  const { port } = target.address();
  const socket = createSocket('udp4');
  t.after(() => socket.close());
  const send = (datagram: Buffer) =>
    new Promise<void>((resolve, reject) =>
      socket.send(datagram, port, '127.0.0.1', (e) => (e ? reject(e) : resolve())),
    );
  const leave = { kind: 'gossip' as const, from: 'node-b', incarnation: 2 ** 52, updates: [] };
  await send(
    new WireCodec('not the cluster secret at all').encode(
      { ...leave, updates: [{ node: 'node-b', state: 'left', incarnation: 2 ** 52 }] },
      Date.now(),
    ),
  );
  const genuine = new WireCodec(secret).encode(leave, Date.now());
  await send(genuine);
  await send(genuine);
  await waitFor(
    'the drops to be counted',
    () => target.dropped['bad-mac'] === 1 && target.dropped.replayed === 1,
  );
  assert.ok(target.detector.alive().has('node-b'), 'the forged farewell had no effect');
});

test('a datagram between two speakers, replayed to a third, is refused there', async (t) => {
  const { transports } = await cluster(t, ['node-a', 'node-b', 'node-c']);
  const socket = createSocket('udp4');
  t.after(() => socket.close());
  const sendTo = (name: string, datagram: Buffer) =>
    new Promise<void>((resolve, reject) =>
      socket.send(datagram, transports.get(name)!.address().port, '127.0.0.1', (e) =>
        e ? reject(e) : resolve(),
      ),
    );
  // What node-a sends node-b, byte for byte: a farewell under the cluster secret, for node-b.
  const farewell = {
    kind: 'gossip' as const,
    from: 'node-a',
    incarnation: 2 ** 52,
    updates: [{ node: 'node-a', state: 'left' as const, incarnation: 2 ** 52 }],
  };
  const captured = new WireCodec(secret).encode(farewell, Date.now(), 'node-b');
  await sendTo('node-c', captured);
  await waitFor(
    'the replay to be dropped as misdirected',
    () => transports.get('node-c')!.dropped.misdirected === 1,
  );
  assert.ok(transports.get('node-c')!.detector.alive().has('node-a'), 'node-c did not take the farewell');
});

test('a blocked event loop (GC pause, busy speaker) is not blamed on peers', async (t) => {
  const { changes } = await cluster(t, ['node-a', 'node-b', 'node-c']);
  const blockFor = (ms: number) =>
    new Promise<void>((resolve) =>
      // From the check phase the loop goes to timers before reading sockets: the late tick comes
      // first and the acks waiting in the buffer after it — the case stall forgiveness exists for.
      setImmediate(() => {
        const until = performance.now() + ms;
        while (performance.now() < until) {
          // Busy on purpose.
        }
        resolve();
      }),
    );
  for (let i = 0; i < 3; i++) {
    await blockFor(300);
    await sleep(200);
  }
  await sleep(600);
  assert.deepEqual(
    changes.filter((c) => c.to === 'dead' || c.to === 'suspect'),
    [],
  );
});

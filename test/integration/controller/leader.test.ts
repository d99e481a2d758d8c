// Two controllers: one Lease holder does all the writing; a leader stopped with SIGTERM (the CLI,
// as a child process) hands the Lease over so the other one takes over without waiting it out.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { type ControllerLab, eventually, externalIP, startControllerLab } from './controller-lab.ts';
import { ingressService, namespace, poolConfigMap } from './fixtures.ts';

let lab: ControllerLab;
before(async () => {
  lab = await startControllerLab();
  await lab.apply(poolConfigMap([{ name: 'default', addresses: ['192.0.2.64/26'] }]));
});
after(() => lab.close());

async function leaseHolder(): Promise<string> {
  const lease = JSON.parse(
    await lab.kubectl(['get', 'lease', 'baremetal-lb-controller', '-n', namespace, '-o', 'json']),
  );
  return lease.spec?.holderIdentity ?? '';
}

test('two controllers: exactly one leads and only it writes', async () => {
  const a = await lab.startController('replica-a');
  const b = await lab.startController('replica-b');
  await eventually('a leader', () => a.isLeader() || b.isLeader());
  const names = ['one', 'two', 'three', 'four'];
  await lab.apply(names.map((n) => ingressService(n)).join('---\n'));
  for (const name of names) {
    await eventually(`${name} assigned`, async () => (await externalIP(lab, name)) !== '<pending>');
    assert.equal([a, b].filter((c) => c.isLeader()).length, 1);
  }
  const leader = a.isLeader() ? 'replica-a' : 'replica-b';
  assert.equal(await leaseHolder(), leader);
  const events = await eventually('four IPAllocated Events', async () => {
    const list = JSON.parse(await lab.kubectl(['get', 'events', '-n', 'default', '-o', 'json'])).items;
    const allocated = list.filter((e: { reason: string }) => e.reason === 'IPAllocated');
    return allocated.length === names.length ? allocated : undefined;
  });
  assert.deepEqual(
    new Set(events.map((e: { source: { host: string } }) => e.source.host)),
    new Set([leader]),
  );
  const ips = await Promise.all(names.map((n) => externalIP(lab, n)));
  assert.equal(new Set(ips).size, names.length);
  await lab.closeControllers();
});

test('SIGTERM on the CLI leader: it exits 0, releases the Lease, and the other replica takes over', async (t) => {
  const cli = spawn(
    path.resolve(import.meta.dirname, '../../../bin/baremetal-lb'),
    [
      'controller',
      '--kubeconfig',
      lab.kubeconfigFile,
      '--identity',
      'cli-leader',
      '--metrics-addr',
      '127.0.0.1:0',
      '--log-level',
      'warn',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  cli.stdout.on('data', (c: Buffer) => {
    output += c;
  });
  cli.stderr.on('data', (c: Buffer) => {
    output += c;
  });
  const exited = new Promise<number | null>((resolve) => cli.on('exit', (code) => resolve(code)));
  t.after(() => {
    if (cli.exitCode === null && cli.pid !== undefined) process.kill(cli.pid, 'SIGKILL');
  });
  await eventually('the CLI holds the Lease', async () => (await leaseHolder()) === 'cli-leader', 20_000);
  await lab.apply(ingressService('by-cli'));
  await eventually('by-cli assigned', async () => (await externalIP(lab, 'by-cli')) !== '<pending>');

  const standby = await lab.startController('standby');
  await eventually('standby ready', () => standby.isReady());
  assert.equal(standby.isLeader(), false);

  cli.kill('SIGTERM');
  assert.equal(await exited, 0, output);
  // The CLI's Lease lasts 15 s; the standby leading well within that shows the Lease was released.
  await eventually('standby leads', () => standby.isLeader(), 8000);
  assert.equal(await leaseHolder(), 'standby');
  await lab.apply(ingressService('by-standby'));
  await eventually('by-standby assigned', async () => (await externalIP(lab, 'by-standby')) !== '<pending>');
  assert.notEqual(await externalIP(lab, 'by-standby'), await externalIP(lab, 'by-cli'));
});

import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { inNetns, run } from '../../../lab/network/ip-command.ts';
import { createSegment, removeSegment } from '../../../lab/network/segment.ts';
import { planTopology } from '../../../lab/network/topology.ts';
import { syncVips } from '../../../lab/network/vip-binding.ts';
import { renderNginxConfig } from '../../../lab/workload/nginx-config.ts';

const topology = planTopology(`blbw${process.pid}`, 1);
const node = topology.nodes[0]!;
const client = topology.client;
const vip4 = '192.0.2.240';
const vip6 = '2001:db8::f0';
const children: ChildProcess[] = [];
let dir = '';

async function waitFor(check: () => Promise<unknown>, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (Date.now() > deadline)
        throw new Error(`timed out waiting for ${what}: ${(error as Error).message}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

function startInNetns(netns: string, command: string, ...args: string[]): void {
  children.push(spawn('ip', ['netns', 'exec', netns, command, ...args], { stdio: 'ignore' }));
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'blb-workload-'));
  await removeSegment(topology.prefix);
  await createSegment(topology);
  startInNetns(
    node.netns,
    process.execPath,
    'lab/workload/echo-backend.ts',
    '--node',
    node.name,
    '--port',
    '8080',
  );
  await writeFile(join(dir, 'nginx.conf'), renderNginxConfig({ node: node.name, dir, backendPort: 8080 }));
  startInNetns(node.netns, 'nginx', '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'nginx-error.log'));
  await syncVips(node.netns, [vip4, vip6]);
});

after(async () => {
  for (const child of children) child.kill('SIGTERM');
  await removeSegment(topology.prefix);
  await rm(dir, { recursive: true, force: true });
});

test('the kernel does not answer ARP for a VIP bound the kube-proxy way', async () => {
  await assert.rejects(inNetns(client.netns, 'arping', '-c', '2', '-w', '2', '-I', 'eth0', vip4));
});

test('traffic for the VIP that reaches the node is served by its nginx and echo backend', async () => {
  // Stands in for the speaker: the client learns the VIP's MAC by hand.
  await inNetns(client.netns, 'ip', 'neigh', 'replace', vip4, 'lladdr', node.mac, 'dev', 'eth0');
  await inNetns(client.netns, 'ip', 'neigh', 'replace', vip6, 'lladdr', node.mac, 'dev', 'eth0');
  let body = '';
  await waitFor(async () => {
    body = await inNetns(client.netns, 'curl', '-sS', '-m', '2', `http://${vip4}/hello`);
  }, 'curl through the IPv4 VIP');
  assert.equal(JSON.parse(body).node, node.name);
  const body6 = await run('ip', [
    'netns',
    'exec',
    client.netns,
    'curl',
    '-sS',
    '-m',
    '2',
    '-6',
    `http://[${vip6}]/`,
  ]);
  assert.equal(JSON.parse(body6).node, node.name);
});

test('removing a VIP from the node stops it serving there', async () => {
  await syncVips(node.netns, [vip6]);
  await assert.rejects(inNetns(client.netns, 'curl', '-sS', '-m', '1', `http://${vip4}/`));
});

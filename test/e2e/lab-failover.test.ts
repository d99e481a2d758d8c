// Failover as the user sees it from the client: the announcing node dies (speaker SIGKILLed, cable
// pulled) or its speaker stops (SIGTERM), and ARP and curl move to another node. The measured times
// are printed, not asserted.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { unplug } from '../../lab/network/segment.ts';
import type { LabHost } from '../../lab/network/topology.ts';
import {
  assertComponentsWithinRbac,
  type E2ELab,
  labTestFor,
  repoRoot,
  runCommand,
  startLab,
  waitUntil,
} from './lab-harness.ts';

let lab: E2ELab;
let vip = '';
const probes: ChildProcess[] = [];

before(async () => {
  lab = await startLab('f', 3);
  vip = lab.state.ingress.ipv4 ?? '';
});

after(async () => {
  for (const p of probes) if (p.exitCode === null && p.pid) process.kill(p.pid, 'SIGKILL');
  await lab?.down();
});

const labTest = labTestFor(() => lab);

async function soleAnnouncer(): Promise<LabHost> {
  const macs = await lab.arping(vip);
  assert.equal(macs.length, 1, `exactly one MAC should answer ARP for ${vip}, got [${macs.join(', ')}]`);
  const node = lab.nodeByMac(macs[0]!);
  assert.ok(node, `${macs[0]} answered for ${vip} but is no lab node's MAC`);
  return node;
}

/**
 * Right after `lab up` the speakers may still be agreeing who leads: on a busy machine one starts a
 * second after the others, and the two that hear each other first elect between themselves. Wait
 * (bounded) until one MAC answers, then hold the lab to exactly one.
 */
async function settledAnnouncer(): Promise<LabHost> {
  await waitUntil(`exactly one MAC to answer ARP for ${vip}`, 15_000, async () => {
    const macs = await lab.arping(vip);
    return { ...(macs.length === 1 ? { value: true } : {}), seen: `[${macs.join(', ')}]` };
  });
  return soleAnnouncer();
}

interface ProbeResult {
  at?: number;
  node?: string;
  timeout?: boolean;
  attempts: number;
  failures: number;
  answers: Record<string, number>;
}

/** Starts failover-probe.ts in the client namespace; resolves `result` with its one JSON line. */
async function startProbe(awayFrom: string): Promise<{ result: Promise<ProbeResult> }> {
  const child = spawn(
    'ip',
    [
      'netns',
      'exec',
      lab.state.client.netns,
      process.execPath,
      join(repoRoot, 'lab', 'failover-probe.ts'),
      '--url',
      `http://${vip}/`,
      '--away-from',
      awayFrom,
      '--interval-ms',
      '20',
      '--deadline-ms',
      '15000',
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  probes.push(child);
  const lines: string[] = [];
  let buffered = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    buffered += chunk;
    const parts = buffered.split('\n');
    buffered = parts.pop() ?? '';
    lines.push(...parts.filter(Boolean));
  });
  await waitUntil(
    'the failover probe to start',
    10_000,
    async () => ({
      ...(lines.length ? { value: true } : {}),
      seen: `exit code ${child.exitCode}`,
    }),
    20,
  );
  const result = waitUntil(
    'the failover probe to report',
    20_000,
    async () => {
      const line = lines.slice(1).at(0);
      return {
        ...(line ? { value: JSON.parse(line) as ProbeResult } : {}),
        seen: `exit code ${child.exitCode}`,
      };
    },
    20,
  );
  return { result };
}

let firstLeader: LabHost | undefined;
let secondLeader: LabHost | undefined;

labTest(
  "4. SIGKILL the announcing node's speaker and unplug it: ARP and curl move to another node",
  async (t) => {
    assert.ok(vip, 'the ingress Service has an IPv4 VIP');
    firstLeader = await settledAnnouncer();
    const pid = lab.state.nodes.find((n) => n.name === firstLeader!.name)?.speakerPid;
    assert.ok(pid, `the state file records ${firstLeader.name}'s speaker PID`);
    const probe = await startProbe(firstLeader.name);
    const struck = Date.now();
    process.kill(pid, 'SIGKILL');
    await unplug(lab.topology, firstLeader);
    const r = await probe.result;
    t.diagnostic(
      `failover after SIGKILL + unplug of ${firstLeader.name}: ${r.at ? `${r.at - struck} ms` : 'none within 15 s'} (first answer from ${r.node ?? '-'}; ${r.attempts} requests, ${r.failures} failed, answers ${JSON.stringify(r.answers)})`,
    );
    assert.ok(r.at && r.node, `curl reached another node within 15 s: ${JSON.stringify(r)}`);
    assert.notEqual(r.node, firstLeader.name);
    secondLeader = await soleAnnouncer();
    assert.equal(secondLeader.name, r.node, 'the node answering ARP now is the one that served the request');
    const answer = await lab.curl(`http://${vip}/`);
    assert.equal(answer.headers['x-ingress-node'], secondLeader.name);
  },
);

labTest('lab status shows the killed speaker dead, and the new announcing node with the VIP', async () => {
  assert.ok(firstLeader && secondLeader, 'test 4 left a first and a second leader');
  const args = ['lab', 'status', '--dir', lab.paths.dir, '--prefix', lab.state.prefix];
  const rowOf = (out: string, name: string) =>
    out.split('\n').find((line) => line.startsWith(`${name} `)) ?? '';
  const table = await waitUntil(
    `lab status to show ${secondLeader.name} announcing ${vip}`,
    15_000,
    async () => {
      const r = await runCommand(join(repoRoot, 'bin', 'baremetal-lb'), args);
      const announces = rowOf(r.stdout, `speaker-${secondLeader!.name}`).includes(vip);
      return { ...(announces ? { value: r } : {}), seen: r.stdout + r.stderr };
    },
  );
  assert.equal(table.code, 1, 'a dead process makes lab status exit 1');
  assert.match(rowOf(table.stdout, `speaker-${firstLeader.name}`), /\bDEAD\b/);
  assert.match(rowOf(table.stdout, 'controller'), /\byes\b/);
  const json = JSON.parse(
    (await runCommand(join(repoRoot, 'bin', 'baremetal-lb'), [...args, '--json'])).stdout,
  );
  const dead = json.processes
    .filter((p: { alive: boolean }) => !p.alive)
    .map((p: { name: string }) => p.name);
  assert.deepEqual(dead, [`speaker-${firstLeader.name}`]);
});

labTest(
  "5. SIGTERM the new announcing node's speaker: it hands the VIP over to the remaining node",
  async (t) => {
    assert.ok(firstLeader && secondLeader, 'test 4 left a first and a second leader');
    const remaining = lab.topology.nodes.find((n) => n !== firstLeader && n.name !== secondLeader!.name)!;
    const pid = lab.state.nodes.find((n) => n.name === secondLeader!.name)?.speakerPid;
    assert.ok(pid, `the state file records ${secondLeader.name}'s speaker PID`);
    const probe = await startProbe(secondLeader.name);
    const struck = Date.now();
    process.kill(pid, 'SIGTERM');
    const r = await probe.result;
    t.diagnostic(
      `handover after SIGTERM of ${secondLeader.name}'s speaker: ${r.at ? `${r.at - struck} ms` : 'none within 15 s'} (first answer from ${r.node ?? '-'}; ${r.attempts} requests, ${r.failures} failed, answers ${JSON.stringify(r.answers)})`,
    );
    assert.equal(r.node, remaining.name, `curl moved to ${remaining.name} within 15 s: ${JSON.stringify(r)}`);
    await lab.waitForAnnouncer(vip, remaining);
    assert.equal((await soleAnnouncer()).name, remaining.name);
  },
);

labTest(
  'the controller and the speakers ran under their ServiceAccounts, and the shipped RBAC refused them nothing',
  () => assertComponentsWithinRbac(lab),
);

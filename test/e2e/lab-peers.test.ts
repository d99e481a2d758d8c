// The real MetalLB, kube-vip and keepalived in the lab (`lab up --kube real --lb …`), as the peers
// benchmark runs them: the ingress Service gets its address (MetalLB from its own IPAddressPool, the
// others from our controller), exactly one node answers arping for it, the client's HTTP reaches
// that node, and after a crash of that node (its announcer's process tree SIGKILLed, its cable
// pulled) another node answers. Only on the real backend: the peers run against the real control
// plane.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { LoadBalancerName } from '../../lab/announcers.ts';
import { unplug } from '../../lab/network/segment.ts';
import type { LabHost } from '../../lab/network/topology.ts';
import { processTree } from '../../lab/processes.ts';
import { backend } from '../kube-cluster.ts';
import { type E2ELab, startLab, waitUntil } from './lab-harness.ts';

const skip = backend === 'real' ? false : 'the peers run only against the real control plane (BLB_KUBE=real)';
/** kube-vip waits out its 5 s lease before another node takes over; MetalLB its memberlist timeouts. */
const failoverTimeoutMs = 30_000;

async function soleAnnouncer(lab: E2ELab, vip: string, timeoutMs = 20_000): Promise<LabHost> {
  return waitUntil(`exactly one node to answer arping for ${vip}`, timeoutMs, async () => {
    const macs = await lab.arping(vip, 2, 2);
    const node = macs.length === 1 ? lab.nodeByMac(macs[0]!) : undefined;
    return { ...(node ? { value: node } : {}), seen: JSON.stringify(macs) };
  });
}

/**
 * The client's first connection can go out before its kernel has resolved the VIP (arping keeps no
 * neighbour entry), and a MetalLB speaker that has just joined memberlist may still hand the VIP
 * over once: so HTTP is retried for a bounded time, and a failure shows every answer seen.
 */
async function httpFrom(lab: E2ELab, vip: string, node: LabHost) {
  return waitUntil(`HTTP to ${vip} answered by ${node.name}`, 10_000, async () => {
    const a = await lab.curl(`http://${vip}/`, '-m', '1');
    return { ...(a.node === node.name ? { value: a } : {}), seen: JSON.stringify(a) };
  });
}

function peerSuite(lb: LoadBalancerName, tag: string) {
  describe(`lab up --lb ${lb}`, { skip }, () => {
    let lab: E2ELab;
    let vip: string;
    let announcer: LabHost;

    before(async () => {
      lab = await startLab(tag, 3, { lb });
      vip = lab.state.ingress.ipv4 ?? '';
    });

    after(async () => {
      await lab?.down();
    });

    test('the state file says which implementation announces', () => {
      assert.equal(lab.state.lb, lb);
      assert.ok(vip, 'the ingress Service got an IPv4 address');
    });

    test('one node answers arping for the VIP, and the client reaches that node', async () => {
      announcer = await soleAnnouncer(lab, vip);
      const answer = await httpFrom(lab, vip, announcer);
      assert.equal(answer.node, announcer.name);
    });

    test('after a crash of the announcing node another node answers arping and HTTP', async () => {
      const pid = lab.state.nodes.find((n) => n.name === announcer.name)?.speakerPid;
      assert.ok(pid, `the state file records ${announcer.name}'s announcer PID`);
      // The whole tree: keepalived's VRRP work runs in a child process.
      for (const p of processTree(pid)) process.kill(p, 'SIGKILL');
      await unplug(lab.topology, announcer);
      const next = await soleAnnouncer(lab, vip, failoverTimeoutMs);
      assert.notEqual(next.name, announcer.name);
      const answer = await httpFrom(lab, vip, next);
      assert.equal(answer.node, next.name);
    });
  });
}

peerSuite('metallb', 'pm');
peerSuite('kube-vip', 'pk');
peerSuite('keepalived-tuned', 'pv');

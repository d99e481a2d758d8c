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

/**
 * The node that answers arping alone, once the client's HTTP, resolving the VIP afresh, reaches it
 * too. The client's kernel may hold a neighbour entry from before (the lab's own readiness checks),
 * and a MetalLB speaker that has just joined memberlist may hand the VIP over once after it: an
 * entry still naming the old node stays usable for several seconds, as long as that node serves
 * the VIP. So each try drops the client's entry for the VIP before curl, and arping and HTTP are
 * retried together until they agree; a failure shows both.
 */
async function servingAnnouncer(lab: E2ELab, vip: string, timeoutMs = 20_000): Promise<LabHost> {
  return waitUntil(`one node to answer arping for ${vip} and serve its HTTP`, timeoutMs, async () => {
    const macs = await lab.arping(vip, 2, 2);
    const node = macs.length === 1 ? lab.nodeByMac(macs[0]!) : undefined;
    await lab.client('ip', 'neigh', 'flush', 'to', vip);
    const answer = node ? await lab.curl(`http://${vip}/`, '-m', '1') : undefined;
    const seen = JSON.stringify({ arping: macs, http: answer?.node ?? answer?.error });
    return { ...(node && answer?.node === node.name ? { value: node } : {}), seen };
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
      announcer = await servingAnnouncer(lab, vip);
    });

    test('after a crash of the announcing node another node answers arping and HTTP', async () => {
      const pid = lab.state.nodes.find((n) => n.name === announcer.name)?.speakerPid;
      assert.ok(pid, `the state file records ${announcer.name}'s announcer PID`);
      // The whole tree: keepalived's VRRP work runs in a child process.
      for (const p of processTree(pid)) process.kill(p, 'SIGKILL');
      await unplug(lab.topology, announcer);
      const next = await servingAnnouncer(lab, vip, failoverTimeoutMs);
      assert.notEqual(next.name, announcer.name);
    });
  });
}

peerSuite('metallb', 'pm');
peerSuite('kube-vip', 'pk');
peerSuite('keepalived-tuned', 'pv');
